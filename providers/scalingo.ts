// Scalingo: an API token exchanged for a one-hour JWT, regional APIs, apps
// stopped by scaling every process type to 0 and started by scaling back to the remembered
// formation, each scale an asynchronous operation polled until done.
import type { AppRecord, Formation } from '../lib/core/app-record'
import { ApiClient, ApiError, type HttpProviderOptions } from './api-client'
import { pollUntil } from '../lib/common/poll'
import { formationToStart, isStopped, sameFormation, zeroed } from './formation'
import { ProviderError, type Provider, type ProviderApp, type ProviderState } from '../lib/core/provider'

export interface ScalingoOptions extends HttpProviderOptions {
  apiToken: string
  authUrl: string
  /** One regional API base; when set, it replaces region discovery. */
  apiUrl?: string
  /** Only this region (PROVIDER_REGION). */
  region?: string
}

interface Region { name: string, api: string }

// What each answer must hold before it is read: the fields Paastis uses, with their types.
const str = { type: 'string' } as const
const APP = { type: 'object', required: ['name', 'status'], properties: { name: str, status: str, region: str, url: str, base_url: str } }
const SHAPES = {
  apps: { what: 'an app list', schema: { type: 'object', required: ['apps'], properties: { apps: { type: 'array', items: APP } } } },
  app: { what: 'an app', schema: { type: 'object', required: ['app'], properties: { app: APP } } },
  token: { what: 'a token exchange', schema: { type: 'object', required: ['token'], properties: { token: str } } },
  regions: {
    what: 'a region list',
    schema: { type: 'object', required: ['regions'], properties: { regions: { type: 'array', items: { type: 'object', required: ['name', 'api'], properties: { name: str, api: str } } } } }
  },
  containers: {
    what: 'a container formation',
    schema: { type: 'object', required: ['containers'], properties: { containers: { type: 'array', items: { type: 'object', required: ['name', 'amount'], properties: { name: str, amount: { type: 'integer' } } } } } }
  },
  operation: {
    what: 'an operation',
    schema: { type: 'object', required: ['operation'], properties: { operation: { type: 'object', required: ['status'], properties: { status: str, error: str } } } }
  }
}
interface ScalingoApp { name: string, region?: string, status: string, url?: string, base_url?: string, id?: string }
interface Container { name: string, amount: number }
interface Operation { id: string, status: 'pending' | 'running' | 'done' | 'error', error?: string }

const REFRESH_MARGIN_MS = 5 * 60_000

/**
 * "No other operation is doable until the app status has switched to running again" (Scalingo's
 * scale documentation), but the refusal's status is not documented. Only a 400 or 409 may mean
 * that, and only while the app's own status names an operation in progress: everything else (402
 * payment required, 403, 422 …) fails the wake at once with the API's words.
 */
const MAYBE_BUSY: ReadonlySet<number> = new Set([400, 409])
const OPERATION_STATUSES: ReadonlySet<string> = new Set(['scaling', 'restarting', 'booting'])

function stateOf (status: string): { state: ProviderState, detail?: string } {
  switch (status) {
    case 'running': return { state: 'running' }
    case 'stopped': case 'new': return { state: 'stopped' }
    case 'booting': case 'restarting': case 'scaling': return { state: 'starting' }
    case 'crashed': return { state: 'failed', detail: 'Scalingo reports it crashed (more than 12 times in a row)' }
    default: return { state: 'unknown' }
  }
}

/** The JWT's `exp`, read without verifying the signature (only Scalingo needs to trust it). */
function expiryOf (jwt: string): number {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8')) as { exp?: number }
    return typeof payload.exp === 'number' ? payload.exp * 1000 : Date.now() + 55 * 60_000
  } catch {
    return Date.now() + 55 * 60_000
  }
}

export class ScalingoProvider implements Provider {
  readonly name = 'scalingo'
  private jwt: { token: string, expiresAt: number } | undefined
  private exchanging: Promise<string> | undefined
  private regions: Region[] | undefined
  private readonly api: ApiClient
  private readonly auth: ApiClient

  constructor (private readonly options: ScalingoOptions) {
    const common = { provider: this.name, timeoutMs: options.timeoutMs, retries: options.retries, backoffMs: options.backoffMs }
    this.api = new ApiClient({
      ...common,
      headers: async () => ({ authorization: `Bearer ${await this.token()}` }),
      reauthenticate: async () => { await this.exchange() }
    })
    const basic = Buffer.from(`:${options.apiToken}`).toString('base64')
    this.auth = new ApiClient({ ...common, headers: () => ({ authorization: `Basic ${basic}` }) })
  }

  async list (): Promise<ProviderApp[]> {
    const apps: ProviderApp[] = []
    for (const region of await this.regionList()) {
      const { body } = await this.api.call<{ apps: ScalingoApp[] }>({ method: 'GET', url: `${region.api}/v1/apps`, operation: 'list', expect: SHAPES.apps })
      for (const app of body.apps) {
        const regionName = app.region ?? region.name
        apps.push({
          name: app.name,
          region: regionName,
          ...stateOf(app.status),
          upstream: app.base_url ?? app.url ?? `https://${app.name}.${regionName}.scalingo.io`
        })
      }
    }
    return apps
  }

  async start (app: AppRecord): Promise<void> {
    const api = await this.apiOf(app)
    const current = await this.formation(api, app.name, 'start')
    const wanted = formationToStart(app.formation, current)
    // Scaling to the amounts already set is unsure on Scalingo's side: skip it.
    if (sameFormation(wanted, current)) return
    await this.scale(api, app.name, wanted, 'start')
  }

  async stop (app: AppRecord): Promise<Formation | undefined> {
    const api = await this.apiOf(app)
    const current = await this.formation(api, app.name, 'stop')
    if (isStopped(current)) return undefined
    await this.scale(api, app.name, zeroed(current), 'stop')
    return current
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

  private async token (): Promise<string> {
    if (this.jwt !== undefined && this.jwt.expiresAt - Date.now() > REFRESH_MARGIN_MS) return this.jwt.token
    return this.exchange()
  }

  /** One exchange at a time, however many callers need a token. */
  private exchange (): Promise<string> {
    this.exchanging ??= this.auth.call<{ token: string }>({
      method: 'POST', url: `${this.options.authUrl}/v1/tokens/exchange`, operation: 'token exchange', body: {}, expect: SHAPES.token
    }).then(({ body }) => {
      if (typeof body?.token !== 'string') throw new ProviderError(this.name, 'token exchange', undefined, 'no token in the answer')
      this.jwt = { token: body.token, expiresAt: expiryOf(body.token) }
      return body.token
    }).finally(() => { this.exchanging = undefined })
    return this.exchanging
  }

  private async regionList (): Promise<Region[]> {
    if (this.options.apiUrl !== undefined) return [{ name: this.options.region ?? 'custom', api: this.options.apiUrl }]
    if (this.regions === undefined) {
      const { body } = await this.api.call<{ regions: Region[] }>({ method: 'GET', url: `${this.options.authUrl}/v1/regions`, operation: 'regions', expect: SHAPES.regions })
      this.regions = body.regions.filter((region) => this.options.region === undefined || region.name === this.options.region)
    }
    return this.regions
  }

  private async apiOf (app: AppRecord): Promise<string> {
    const regions = await this.regionList()
    return (regions.find((region) => region.name === app.region) ?? regions[0]).api
  }

  private async formation (api: string, name: string, operation: string): Promise<Formation> {
    const { body } = await this.api.call<{ containers: Container[] }>({ method: 'GET', url: `${api}/v1/apps/${encodeURIComponent(name)}/containers`, operation, app: name, expect: SHAPES.containers })
    return Object.fromEntries(body.containers.map((container) => [container.name, container.amount]))
  }

  /** Whether the app's documented status says an operation is running on it. */
  private async operationRunning (api: string, name: string, operation: string): Promise<boolean> {
    const { body } = await this.api.call<{ app: ScalingoApp }>({ method: 'GET', url: `${api}/v1/apps/${encodeURIComponent(name)}`, operation, app: name, expect: SHAPES.app })
    return OPERATION_STATUSES.has(body.app.status)
  }

  private async scale (api: string, name: string, formation: Formation, operation: 'start' | 'stop'): Promise<void> {
    const containers = Object.entries(formation).map(([type, amount]) => ({ name: type, amount }))
    const { pollIntervalMs, operationTimeoutMs } = this.options
    const timeout = (): ProviderError => new ProviderError(this.name, operation, name, `the scale operation did not finish within ${operationTimeoutMs} ms`)
    let refusedWhileIdle = 0
    const response = await pollUntil(async () => {
      try {
        return await this.api.call<unknown>({ method: 'POST', url: `${api}/v1/apps/${encodeURIComponent(name)}/scale`, operation, app: name, body: { containers } })
      } catch (err) {
        if (!(err instanceof ApiError) || !MAYBE_BUSY.has(err.status)) throw err
        if (await this.operationRunning(api, name, operation)) return undefined
        // The operation that refused it may have ended between the refusal and the status read:
        // one more try tells; refused again with nothing running, the refusal is the answer.
        if (refusedWhileIdle++ === 0) return undefined
        throw err
      }
    }, pollIntervalMs, operationTimeoutMs, timeout)
    const location = response.headers.location
    if (response.status !== 202 || typeof location !== 'string') return
    const url = new URL(location, api).toString()
    await pollUntil(async () => {
      const { body } = await this.api.call<{ operation: Operation }>({ method: 'GET', url, operation, app: name, expect: SHAPES.operation })
      if (body.operation.status === 'error') throw new ProviderError(this.name, operation, name, `the scale operation failed: ${body.operation.error ?? 'no details'}`)
      return body.operation.status === 'done' ? true : undefined
    }, pollIntervalMs, operationTimeoutMs, timeout)
  }
}
