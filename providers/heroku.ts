// Heroku: Platform API v3, bearer token; the app list paginated by Range;
// a stop scales every process type to 0 and remembers the quantities, a start restores them and
// waits until the web dynos are up.
import type { AppRecord, Formation } from '../lib/core/app-record'
import { ApiClient, type HttpProviderOptions } from './api-client'
import { pollUntil } from '../lib/common/poll'
import { formationToStart, isStopped, sameFormation, zeroed } from './formation'
import { ProviderError, type Provider, type ProviderApp } from '../lib/core/provider'

export interface HerokuOptions extends HttpProviderOptions {
  apiToken: string
  apiUrl: string
  region?: string
}

interface HerokuApp { id: string, name: string, region?: { name: string }, web_url?: string }
interface FormationEntry { type: string, quantity: number }
interface Dyno { type: string, state: 'crashed' | 'down' | 'idle' | 'starting' | 'up' }

const PAGE = 'id ..; max=200'

// What each answer must hold before it is read: the fields Paastis uses, with their types.
const str = { type: 'string' } as const
const SHAPES = {
  apps: {
    what: 'an app list',
    schema: {
      type: 'array',
      items: { type: 'object', required: ['id', 'name'], properties: { id: str, name: str, web_url: { type: ['string', 'null'] }, region: { type: ['object', 'null'], properties: { name: str } } } }
    }
  },
  formation: { what: 'a formation', schema: { type: 'array', items: { type: 'object', required: ['type', 'quantity'], properties: { type: str, quantity: { type: 'integer' } } } } },
  dynos: { what: 'a dyno list', schema: { type: 'array', items: { type: 'object', required: ['type', 'state'], properties: { type: str, state: str } } } }
}

export class HerokuProvider implements Provider {
  readonly name = 'heroku'
  private readonly api: ApiClient

  constructor (private readonly options: HerokuOptions) {
    this.api = new ApiClient({
      provider: this.name,
      timeoutMs: options.timeoutMs,
      retries: options.retries,
      backoffMs: options.backoffMs,
      headers: () => ({ authorization: `Bearer ${options.apiToken}`, accept: 'application/vnd.heroku+json; version=3' })
    })
  }

  /** Every page of the app list; the state is not in it (it would cost a call per app). */
  async list (): Promise<ProviderApp[]> {
    const apps: HerokuApp[] = []
    for (let range: string | undefined = PAGE; range !== undefined;) {
      const response: { status: number, headers: Record<string, unknown>, body: HerokuApp[] } = await this.api.call<HerokuApp[]>({
        method: 'GET', url: `${this.options.apiUrl}/apps`, operation: 'list', headers: { range }, expect: SHAPES.apps
      })
      apps.push(...response.body)
      const next = response.headers['next-range']
      // A Next-Range equal to the range just asked would loop forever: stop there.
      range = response.status === 206 && typeof next === 'string' && next !== range ? next : undefined
    }
    return apps
      .filter((app) => this.options.region === undefined || app.region?.name === this.options.region)
      .map((app) => ({
        name: app.name,
        providerId: app.id,
        region: app.region?.name,
        state: 'unknown',
        // Apps created since 2023 live at <name>-<random>.herokuapp.com: only web_url is right.
        upstream: app.web_url?.replace(/\/$/, '') ?? `https://${app.name}.herokuapp.com`
      }))
  }

  async start (app: AppRecord): Promise<void> {
    const current = await this.formation(app, 'start')
    const wanted = formationToStart(app.formation, current)
    if (!sameFormation(wanted, current)) await this.scale(app, wanted, 'start')
    // The PATCH answers at once; the dynos boot asynchronously.
    const { pollIntervalMs, operationTimeoutMs } = this.options
    await pollUntil(async () => {
      const { body: dynos } = await this.api.call<Dyno[]>({ method: 'GET', url: this.appUrl(app, 'dynos'), operation: 'start', app: app.name, expect: SHAPES.dynos })
      const web = dynos.filter((dyno) => dyno.type === 'web')
      if (web.some((dyno) => dyno.state === 'crashed')) throw new ProviderError(this.name, 'start', app.name, 'a web dyno crashed')
      return web.length > 0 && web.every((dyno) => dyno.state === 'up') ? true : undefined
    }, pollIntervalMs, operationTimeoutMs,
    () => new ProviderError(this.name, 'start', app.name, `the web dynos were not up within ${operationTimeoutMs} ms`))
  }

  async stop (app: AppRecord): Promise<Formation | undefined> {
    const current = await this.formation(app, 'stop')
    if (isStopped(current)) return undefined
    await this.scale(app, zeroed(current), 'stop')
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

  private appUrl (app: AppRecord, path: string): string {
    return `${this.options.apiUrl}/apps/${encodeURIComponent(app.name)}/${path}`
  }

  private async formation (app: AppRecord, operation: string): Promise<Formation> {
    const { body } = await this.api.call<FormationEntry[]>({ method: 'GET', url: this.appUrl(app, 'formation'), operation, app: app.name, expect: SHAPES.formation })
    return Object.fromEntries(body.map((entry) => [entry.type, entry.quantity]))
  }

  private async scale (app: AppRecord, formation: Formation, operation: string): Promise<void> {
    const updates = Object.entries(formation).map(([type, quantity]) => ({ type, quantity }))
    await this.api.call<unknown>({ method: 'PATCH', url: this.appUrl(app, 'formation'), operation, app: app.name, body: { updates } })
  }
}
