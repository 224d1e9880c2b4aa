// Clever Cloud: an API token on the API bridge, or OAuth 1.0a PLAINTEXT as
// the official clients sign; apps of the personal space and of every organisation; a start is a
// deployment polled until it leaves WIP; a stop undeploys every instance.
import type { AppRecord, Formation } from '../lib/app-record'
import { ApiClient, pollUntil } from './api-client'
import { ProviderError, type HttpProviderOptions, type Provider, type ProviderApp, type ProviderState } from './provider'

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
interface Deployment { uuid: string, state: 'WIP' | 'OK' | 'FAIL' | 'CANCELLED', action?: string }

function stateOf (state: string): ProviderState {
  switch (state) {
    case 'SHOULD_BE_UP': return 'running'
    case 'SHOULD_BE_DOWN': return 'stopped'
    case 'WANTS_TO_BE_UP': return 'starting'
    default: return 'unknown'
  }
}

/** RFC 3986 percent-encoding, as OAuth 1.0a wants it. */
function oauthEncode (value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

export function plaintextAuthorization (oauth: NonNullable<CleverCloudOptions['oauth']>): string {
  const signature = `${oauthEncode(oauth.consumerSecret)}&${oauthEncode(oauth.tokenSecret)}`
  return `OAuth oauth_consumer_key="${oauthEncode(oauth.consumerKey)}", oauth_token="${oauthEncode(oauth.token)}", ` +
    `oauth_signature_method="PLAINTEXT", oauth_signature="${oauthEncode(signature)}"`
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
      provider: this.name, timeoutMs: options.timeoutMs, retries: options.retries, backoffMs: options.backoffMs,
      headers: () => ({ authorization })
    })
  }

  async list (): Promise<ProviderApp[]> {
    const base = this.options.apiHost
    const { body: organisations } = await this.api.call<Organisation[]>({ method: 'GET', url: `${base}/v2/organisations`, operation: 'list' })
    const owners = [undefined, ...organisations.map((org) => org.id)]
    const lists = await Promise.all(owners.map(async (owner) =>
      (await this.api.call<CleverApp[]>({ method: 'GET', url: `${this.ownerBase(owner)}/applications`, operation: 'list' })).body))
    return lists.flat()
      .filter((app) => this.options.region === undefined || app.zone === this.options.region)
      .map((app) => ({
        name: app.name,
        providerId: app.id,
        owner: app.ownerId,
        region: app.zone,
        state: stateOf(app.state),
        upstream: upstreamOf(app, this.options.vhostScheme)
      }))
  }

  async start (app: AppRecord): Promise<void> {
    const base = this.appBase(app)
    const { body } = await this.api.call<{ deploymentId?: string }>({ method: 'POST', url: `${base}/instances`, operation: 'start', app: app.name })
    const deploymentId = body.deploymentId
    if (deploymentId === undefined) return
    const { pollIntervalMs, operationTimeoutMs } = this.options
    await pollUntil(async () => {
      // A direct fetch right after the start can 404: look the deployment up in the latest ones.
      const { body: deployments } = await this.api.call<Deployment[]>({ method: 'GET', url: `${base}/deployments?limit=5`, operation: 'start', app: app.name })
      const deployment = deployments.find((candidate) => candidate.uuid === deploymentId)
      if (deployment === undefined || deployment.state === 'WIP') return undefined
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

  async close (): Promise<void> {}

  private ownerBase (owner: string | undefined): string {
    const base = this.options.apiHost
    return owner === undefined || owner.startsWith('user_') ? `${base}/v2/self` : `${base}/v2/organisations/${encodeURIComponent(owner)}`
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
