// A fake Scalingo, on the facts of the provider's published API and of its official client (npm
// `scalingo`, run against this fake in test/fakes/official-clients.test.ts): token exchange for a
// short-lived JWT, /regions, regional APIs (here under /<region> on the same server), apps,
// containers, scale operations that finish after a delay (the app's web server answers only then),
// `200` without an operation when a scale changes nothing, a free trial's `402`, the rate limit on
// operations, and Scalingo's error bodies.
import { FakeApi, type FakeUpstream } from './fake-api'

export interface FakeScalingoApp {
  name: string
  region: string
  formation: Record<string, number>
  status: string
  upstream: FakeUpstream
  /** An account in its free trial may run one web container, no more (HTTP 402 beyond). */
  freeTrial?: boolean
}

interface Operation { id: string, status: 'pending' | 'running' | 'done' | 'error', app: string, error?: string }

export const SCALINGO_TOKEN = 'tk-us-fake-api-token'

function jwt (expiresAt: number, id: number): string {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${part({ alg: 'HS256' })}.${part({ exp: Math.floor(expiresAt / 1000), jti: id })}.signature`
}

export class FakeScalingo extends FakeApi {
  readonly apps = new Map<string, FakeScalingoApp>()
  readonly operations = new Map<string, Operation>()
  /** Tokens the fake accepts, with their expiry. */
  readonly tokens = new Map<string, number>()
  tokenTtlMs = 60 * 60_000
  operationDelayMs = 150
  /** Operations (scale, restart) a token may ask per minute: Scalingo's documented 60. */
  operationsPerMinute = 60
  private nextId = 1

  /** `apiToken`: the account's token (two fakes, two accounts). */
  constructor (readonly regions: string[] = ['osc-fr1', 'osc-secnum-fr1'], readonly apiToken = SCALINGO_TOKEN) {
    super()
    const s = this.server

    s.post('/v1/tokens/exchange', async (request, reply) => {
      const expected = `Basic ${Buffer.from(`:${this.apiToken}`).toString('base64')}`
      if (request.headers.authorization !== expected) return reply.code(401).send({ error: 'invalid token' })
      const expiresAt = Date.now() + this.tokenTtlMs
      const token = jwt(expiresAt, this.nextId++)
      this.tokens.set(token, expiresAt)
      return { token }
    })

    const authorized = (header: string | undefined): boolean => {
      const token = header?.replace(/^Bearer /, '')
      const expiresAt = token === undefined ? undefined : this.tokens.get(token)
      return expiresAt !== undefined && expiresAt > Date.now()
    }
    s.addHook('preHandler', async (request, reply) => {
      if (request.url === '/v1/tokens/exchange') return
      if (!authorized(request.headers.authorization)) return reply.code(401).send({ error: 'You are not authorized to do this operation' })
    })

    s.get('/v1/regions', async () => ({
      regions: this.regions.map((name) => ({ name, display_name: name, api: `${this.baseUrl}/${name}`, dashboard: '', ssh: '' }))
    }))

    s.get<{ Params: { region: string } }>('/:region/v1/apps', async (request) => ({
      apps: [...this.apps.values()].filter((app) => app.region === request.params.region).map((app) => this.view(app))
    }))

    const find = (region: string, name: string): FakeScalingoApp | undefined => {
      const app = this.apps.get(name)
      return app?.region === region ? app : undefined
    }

    s.get<{ Params: { region: string, app: string } }>('/:region/v1/apps/:app', async (request, reply) => {
      const app = find(request.params.region, request.params.app)
      if (app === undefined) return reply.code(404).send({ resource: 'app', error: 'not found' })
      return { app: this.view(app) }
    })

    s.get<{ Params: { region: string, app: string } }>('/:region/v1/apps/:app/containers', async (request, reply) => {
      const app = find(request.params.region, request.params.app)
      if (app === undefined) return reply.code(404).send({ resource: 'app', error: 'not found' })
      return { containers: Object.entries(app.formation).map(([name, amount]) => ({ name, amount, size: 'M' })) }
    })

    s.post<{ Params: { region: string, app: string }, Body: { containers?: Array<{ name: string, amount: number }> } }>(
      '/:region/v1/apps/:app/scale', async (request, reply) => {
        const app = find(request.params.region, request.params.app)
        if (app === undefined) return reply.code(404).send({ resource: 'app', error: 'not found' })
        if (!this.withinLimit(request.headers.authorization ?? '', this.operationsPerMinute)) return reply.code(429).type('text/plain').send('Retry later')
        if (app.status === 'scaling') return reply.code(400).send({ error: 'an operation is already running on this app' })
        const wanted = request.body?.containers ?? []
        const unknown = wanted.filter((c) => !(c.name in app.formation))
        if (unknown.length > 0) return reply.code(422).send({ errors: { containers: [`${unknown[0].name} is not a process type of this app`] } })
        if (app.freeTrial === true && wanted.some((c) => c.amount > 1)) {
          return reply.code(402).send({ name: 'free-trial-exceeded', error: 'free trial: you can run only one container of each type, add a payment method to scale further' })
        }
        const changes = wanted.some((c) => app.formation[c.name] !== c.amount)
        if (!changes || app.status === 'new') {
          // Nothing to do (or nothing deployed): the formation, and no operation.
          return { containers: Object.entries(app.formation).map(([name, amount]) => ({ name, amount, size: 'M' })) }
        }
        const id = `op-${this.nextId++}`
        const operation: Operation = { id, status: 'pending', app: app.name }
        this.operations.set(id, operation)
        app.status = 'scaling'
        this.later(() => { void this.finish(app, wanted, operation) }, this.operationDelayMs)
        const formation = { ...app.formation }
        for (const c of wanted) formation[c.name] = c.amount
        return reply.code(202).header('location', `${this.baseUrl}/${app.region}/v1/apps/${app.name}/operations/${id}`)
          .send({ containers: Object.entries(formation).map(([name, amount]) => ({ name, amount, size: 'M' })) })
      })

    s.get<{ Params: { region: string, app: string, id: string } }>('/:region/v1/apps/:app/operations/:id', async (request, reply) => {
      const operation = this.operations.get(request.params.id)
      if (operation === undefined || operation.app !== request.params.app) return reply.code(404).send({ resource: 'operation', error: 'not found' })
      return { operation: { id: operation.id, type: 'scale', status: operation.status, error: operation.error } }
    })
  }

  async addApp (name: string, formation: Record<string, number>, region = this.regions[0]): Promise<FakeScalingoApp> {
    const upstream = await this.upstream(name, (formation.web ?? 0) > 0)
    const running = Object.values(formation).some((n) => n > 0)
    const app: FakeScalingoApp = { name, region, formation, status: running ? 'running' : 'stopped', upstream }
    this.apps.set(name, app)
    return app
  }

  scaleCalls (): number {
    return this.count('POST', /\/scale$/)
  }

  private view (app: FakeScalingoApp) {
    return {
      id: `app-id-${app.name}`,
      name: app.name,
      region: app.region,
      status: app.status,
      owner: { username: 'fake' },
      url: `https://${app.name}.${app.region}.scalingo.io`,
      base_url: app.upstream.url
    }
  }

  private async finish (app: FakeScalingoApp, wanted: Array<{ name: string, amount: number }>, operation: Operation): Promise<void> {
    operation.status = 'running'
    for (const c of wanted) app.formation[c.name] = c.amount
    if ((app.formation.web ?? 0) > 0) await app.upstream.start()
    else await app.upstream.stop()
    app.status = Object.values(app.formation).some((n) => n > 0) ? 'running' : 'stopped'
    operation.status = 'done'
  }
}
