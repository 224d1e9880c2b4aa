// Clever Cloud: an API token on the API bridge, or OAuth 1.0a PLAINTEXT as the official clients
// sign; apps of every organisation (the personal space is one of them); a start is a deployment
// polled until it is no longer in progress; a stop undeploys every instance.
import type { AppRecord, Formation } from '../lib/core/app-record'
import { ApiClient, type HttpProviderOptions } from './api-client'
import { pollUntil } from '../lib/common/poll'
import { ProviderError, type Provider, type ProviderApp, type ProviderState } from '../lib/core/provider'

export interface CleverCloudOptions extends HttpProviderOptions {
  apiHost: string
  apiToken?: string
  oauth?: { consumerKey: string, consumerSecret: string, token: string, tokenSecret: string }
  region?: string
  /** Scheme of the vhosts (https; http behind a plain-HTTP proxy). */
  vhostScheme: 'https' | 'http'
}

interface CleverApp {
  id: string
  ownerId?: string
  name: string
  zone?: string
  state: string
  vhosts?: Array<{ fqdn: string }>
}
interface Organisation { id: string }
type DeploymentState = 'WIP' | 'TASK_RUNNING' | 'OK' | 'FAIL' | 'CANCELLED'
interface Deployment { uuid: string, state: DeploymentState, action?: string }

// What each answer must hold before it is read: the fields Paastis uses, with their types.
const str = { type: 'string' } as const
const DEPLOYMENTS = { type: 'array', items: { type: 'object', required: ['uuid', 'state'], properties: { uuid: str, state: str } } }
const SHAPES = {
  organisations: { what: 'an organisation list', schema: { type: 'array', items: { type: 'object', required: ['id'], properties: { id: str } } } },
  apps: {
    what: 'an application list',
    schema: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'name', 'state'],
        properties: { id: str, name: str, state: str, zone: str, ownerId: str, vhosts: { type: 'array', items: { type: 'object', required: ['fqdn'], properties: { fqdn: str } } } }
      }
    }
  },
  started: { what: 'a started instance', schema: { type: 'object', properties: { deploymentId: str } } },
  deployments: { what: 'a deployment list', schema: DEPLOYMENTS }
}

/** Still running, as the official client reads it (TASK_RUNNING is "task in progress"). */
const IN_PROGRESS: ReadonlySet<string> = new Set(['WIP', 'TASK_RUNNING'])

/**
 * The app's state from its listing alone. Only WANTS_TO_BE_UP is ambiguous (starting, or a start
 * that failed): it is told apart by the last deployment, as the official client's status does.
 */
function stateOf (app: CleverApp, lastDeployment: Deployment | undefined): { state: ProviderState, detail?: string } {
  switch (app.state) {
    case 'SHOULD_BE_UP': return { state: 'running' }
    case 'SHOULD_BE_DOWN': return { state: 'stopped' }
    case 'WANTS_TO_BE_UP':
      if (lastDeployment === undefined || IN_PROGRESS.has(lastDeployment.state) || lastDeployment.state === 'OK') return { state: 'starting' }
      return { state: 'failed', detail: `its last deployment ended ${lastDeployment.state}` }
    // The platform holds the app down (moderation, unpaid invoices): no start of ours can help.
    case 'MODERATED': case 'DEFAULT_OF_PAYMENT': return { state: 'failed', detail: `Clever Cloud holds it ${app.state}` }
    default: return { state: 'unknown' }
  }
}

/**
 * PLAINTEXT exactly as the official clients send it (clever-client.js, `CcAuthOauthV1Plaintext`):
 * the secrets as they are, joined by an encoded `&`, the method left to its PLAINTEXT default. The
 * API accepts this form from every official tool; quotes would end the value, so they are refused.
 */
export function plaintextAuthorization (oauth: NonNullable<CleverCloudOptions['oauth']>): string {
  for (const [key, value] of Object.entries(oauth)) {
    if (/["\r\n]/.test(value)) throw new ProviderError('clever-cloud', 'configure', undefined, `the OAuth ${key} holds a quote or a line break`)
  }
  return `OAuth oauth_consumer_key="${oauth.consumerKey}", oauth_token="${oauth.token}", oauth_signature="${oauth.consumerSecret}%26${oauth.tokenSecret}"`
}

export class CleverCloudProvider implements Provider {
  readonly name = 'clever-cloud'
  private readonly api: ApiClient

  constructor (private readonly options: CleverCloudOptions) {
    const { apiToken, oauth } = options
    if (apiToken === undefined && oauth === undefined) {
      throw new ProviderError(this.name, 'configure', undefined, 'set PROVIDER_CLEVER_API_TOKEN, or the four PROVIDER_CLEVER_OAUTH_* / TOKEN / SECRET variables')
    }
    const authorization = apiToken !== undefined ? `Bearer ${apiToken}` : plaintextAuthorization(oauth as NonNullable<typeof oauth>)
    this.api = new ApiClient({
      provider: this.name,
      timeoutMs: options.timeoutMs,
      retries: options.retries,
      backoffMs: options.backoffMs,
      headers: () => ({ authorization })
    })
  }

  /**
   * The organisations list includes the personal space (`user_…`): one listing per owner, never
   * /v2/self besides. Only an app that wants to be up costs one more call (its last deployment).
   */
  async list (): Promise<ProviderApp[]> {
    const base = this.options.apiHost
    const { body: organisations } = await this.api.call<Organisation[]>({ method: 'GET', url: `${base}/v2/organisations`, operation: 'list', expect: SHAPES.organisations })
    const owners = [...new Set(organisations.map((org) => org.id))]
    const lists = await Promise.all(owners.map(async (owner) =>
      (await this.api.call<CleverApp[]>({ method: 'GET', url: `${this.ownerBase(owner)}/applications`, operation: 'list', expect: SHAPES.apps })).body))
    const apps = lists.flat().filter((app) => this.options.region === undefined || app.zone === this.options.region)
    return await Promise.all(apps.map(async (app) => {
      const last = app.state === 'WANTS_TO_BE_UP' ? await this.lastDeployment(app) : undefined
      const { state, detail } = stateOf(app, last)
      return {
        name: app.name,
        providerId: app.id,
        owner: app.ownerId,
        region: app.zone,
        state,
        detail,
        upstream: upstreamOf(app, this.options.vhostScheme)
      }
    }))
  }

  async start (app: AppRecord): Promise<void> {
    const base = this.appBase(app)
    const { body } = await this.api.call<{ deploymentId?: string }>({ method: 'POST', url: `${base}/instances`, operation: 'start', app: app.name, expect: SHAPES.started })
    const deploymentId = body.deploymentId
    if (deploymentId === undefined) return
    const { pollIntervalMs, operationTimeoutMs } = this.options
    await pollUntil(async () => {
      // A direct fetch right after the start can 404: look the deployment up in the latest ones.
      const { body: deployments } = await this.api.call<Deployment[]>({ method: 'GET', url: `${base}/deployments?limit=5`, operation: 'start', app: app.name, expect: SHAPES.deployments })
      const deployment = deployments.find((candidate) => candidate.uuid === deploymentId)
      if (deployment === undefined || IN_PROGRESS.has(deployment.state)) return undefined
      if (deployment.state !== 'OK') throw new ProviderError(this.name, 'start', app.name, `the deployment ended ${deployment.state}`)
      return true
    }, pollIntervalMs, operationTimeoutMs,
    () => new ProviderError(this.name, 'start', app.name, `the deployment did not finish within ${operationTimeoutMs} ms`))
  }

  async stop (app: AppRecord): Promise<Formation | undefined> {
    await this.api.call<unknown>({ method: 'DELETE', url: `${this.appBase(app)}/instances`, operation: 'stop', app: app.name })
    // Clever Cloud scales by min/max instances, not by process type: nothing to remember.
    return undefined
  }

  /** The API's own state says when a start failed (the wait polls it): nothing to check locally. */
  failure (): string | undefined {
    return undefined
  }

  /** What the app said last is in the provider's logs, not read by Paastis. */
  diagnose (): string | undefined {
    return undefined
  }

  async close (): Promise<void> {}

  private async lastDeployment (app: CleverApp): Promise<Deployment | undefined> {
    const url = `${this.ownerBase(app.ownerId)}/applications/${encodeURIComponent(app.id)}/deployments?limit=1`
    const { body } = await this.api.call<Deployment[]>({ method: 'GET', url, operation: 'list', app: app.name, expect: SHAPES.deployments })
    return body[0]
  }

  /** Every owner, the personal space included, under /v2/organisations (as the official client). */
  private ownerBase (owner: string | undefined): string {
    const base = this.options.apiHost
    return owner === undefined ? `${base}/v2/self` : `${base}/v2/organisations/${encodeURIComponent(owner)}`
  }

  private appBase (app: AppRecord): string {
    if (app.providerId === undefined) throw new ProviderError(this.name, 'start', app.name, 'the app id is unknown (not listed yet)')
    return `${this.ownerBase(app.owner)}/applications/${encodeURIComponent(app.providerId)}`
  }
}

/** The first vhost (its fqdn ends with a slash), else the default cleverapps.io domain. */
function upstreamOf (app: CleverApp, scheme: string): string {
  const vhost = app.vhosts?.[0]?.fqdn
  if (vhost !== undefined) return `${scheme}://${vhost.replace(/\/$/, '')}`
  return `${scheme}://${app.id.replace(/^app_/, 'app-')}.cleverapps.io`
}
