// A fake Heroku Platform API (v3), on the facts of the provider's published API, its JSON
// hyper-schema (test/fixtures/heroku-platform-api.schema.json) and its official client
// (`heroku-client`, run against this fake in test/fakes/official-clients.test.ts): a token as
// bearer or as HTTP Basic password, the version 3 media type among the Accept header's, UUID ids,
// the app list paginated by Range / Next-Range (206 while truncated), formation read and batch
// update, dynos that boot asynchronously, the account's token bucket with RateLimit-Remaining,
// and Heroku's error bodies.
import { FakeApi, type FakeUpstream } from './fake-api'

export const HEROKU_TOKEN = 'heroku-fake-token'

export interface FakeHerokuApp {
  id: string
  name: string
  formation: Record<string, number>
  dynoState: 'up' | 'starting' | 'crashed'
  upstream: FakeUpstream
}

const CREATED = '2024-01-02T03:04:05Z'
const STACK = { id: '11111111-2222-4333-8444-555555555555', name: 'heroku-24' }
/** A UUID derived from an app's id, for its formations and dynos. */
const childId = (app: FakeHerokuApp, n: number): string => `${app.id.slice(0, 24)}${String(n).padStart(12, '0')}`

/** The objects as the Platform API schema defines them: every property, null where unset. */
function appView (app: FakeHerokuApp) {
  return {
    acm: false,
    archived_at: null,
    buildpack_provided_description: 'heroku/nodejs',
    build_stack: STACK,
    created_at: CREATED,
    git_url: `https://git.heroku.com/${app.name}.git`,
    id: app.id,
    internal_routing: null,
    maintenance: false,
    name: app.name,
    owner: { email: 'owner@example.com', id: '99999999-8888-4777-8666-555555555555' },
    organization: null,
    team: null,
    region: { id: '00000000-1111-4222-8333-444444444444', name: 'eu' },
    released_at: CREATED,
    repo_size: null,
    slug_size: null,
    space: null,
    stack: STACK,
    updated_at: CREATED,
    web_url: `${app.upstream.url}/`
  }
}

function formationView (app: FakeHerokuApp) {
  return Object.entries(app.formation).map(([type, quantity], i) => ({
    app: { name: app.name, id: app.id },
    command: 'npm start',
    created_at: CREATED,
    id: childId(app, i + 1),
    quantity,
    size: 'Standard-1X',
    type,
    updated_at: CREATED
  }))
}

function dynosView (app: FakeHerokuApp) {
  return Object.entries(app.formation).flatMap(([type, quantity], t) => Array.from({ length: quantity }, (_, i) => ({
    attach_url: null,
    command: 'npm start',
    created_at: CREATED,
    id: childId(app, 1000 * (t + 1) + i),
    name: `${type}.${i + 1}`,
    release: { id: childId(app, 999_999), version: 1 },
    app: { name: app.name, id: app.id },
    size: 'Standard-1X',
    state: type === 'web' ? app.dynoState : 'up',
    type,
    updated_at: CREATED
  })))
}

/** A bearer token, or the token as HTTP Basic password (heroku-client's default, `:token`). */
function authorized (header: string | undefined): boolean {
  if (header === `Bearer ${HEROKU_TOKEN}`) return true
  if (header?.startsWith('Basic ') !== true) return false
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8')
  return decoded.slice(decoded.indexOf(':') + 1) === HEROKU_TOKEN
}

/** Whether one of the Accept header's media types is Heroku's with `version=3` (spaces and case aside). */
function acceptsVersion3 (header: string | undefined): boolean {
  return (header ?? '').split(',').some((range) => {
    const [type, ...params] = range.split(';').map((part) => part.trim().toLowerCase())
    return type === 'application/vnd.heroku+json' && params.some((param) => param.replace(/\s/g, '') === 'version=3')
  })
}

export class FakeHeroku extends FakeApi {
  readonly apps = new Map<string, FakeHerokuApp>()
  /** The largest page the fake serves, whatever the client asks. */
  pageSize = 1000
  bootDelayMs = 150
  crashOnBoot = false
  /** The account's token bucket: 4,500 at most, refilled at 75 a minute; one per call. */
  bucketSize = 4500
  refillPerMinute = 75
  private tokens = this.bucketSize
  private refilledAt = Date.now()
  private nextId = 1

  constructor () {
    super()
    const s = this.server
    s.addHook('preHandler', async (request, reply) => {
      if (!authorized(request.headers.authorization)) {
        return reply.code(401).send({ id: 'unauthorized', message: 'Invalid credentials provided.' })
      }
      if (!acceptsVersion3(request.headers.accept)) {
        return reply.code(400).send({ id: 'bad_request', message: 'Please specify a version along with Heroku\'s API MIME type.' })
      }
      const remaining = this.take()
      reply.header('ratelimit-remaining', String(Math.max(0, remaining)))
      if (remaining < 0) {
        return reply.code(429).send({ id: 'rate_limit', message: 'Your account reached the API rate limit\nPlease wait a few minutes before making new requests' })
      }
    })

    s.get('/apps', async (request, reply) => {
      const range = String(request.headers.range ?? 'id ..')
      const match = /^id (?:\](?<after>[^.]+)|(?<from>[^.]*))\.\.(?:; max=(?<max>\d+))?/.exec(range)
      const max = Math.min(Number(match?.groups?.max ?? 200), this.pageSize)
      const all = [...this.apps.values()].sort((a, b) => a.id.localeCompare(b.id))
      const after = match?.groups?.after
      const start = after === undefined ? 0 : all.findIndex((app) => app.id === after) + 1
      const page = all.slice(start, start + max)
      if (start + max < all.length) {
        reply.code(206).header('next-range', `id ]${page[page.length - 1].id}..; max=${max}`)
      }
      return page.map((app) => appView(app))
    })

    const find = (name: string): FakeHerokuApp | undefined => this.apps.get(name)
    const notFound = { id: 'not_found', message: "Couldn't find that app." }

    s.get<{ Params: { app: string } }>('/apps/:app/formation', async (request, reply) => {
      const app = find(request.params.app)
      if (app === undefined) return reply.code(404).send(notFound)
      return formationView(app)
    })

    s.patch<{ Params: { app: string }, Body: { updates: Array<{ type: string, quantity: number }> } }>('/apps/:app/formation', async (request, reply) => {
      const app = find(request.params.app)
      if (app === undefined) return reply.code(404).send(notFound)
      for (const update of request.body.updates) {
        if (!(update.type in app.formation)) return reply.code(404).send({ id: 'not_found', message: `Couldn't find that formation (${update.type}).` })
      }
      for (const update of request.body.updates) app.formation[update.type] = update.quantity
      if ((app.formation.web ?? 0) > 0) {
        app.dynoState = 'starting'
        this.later(() => {
          if (this.crashOnBoot) {
            app.dynoState = 'crashed'
            return
          }
          void app.upstream.start().then(() => { app.dynoState = 'up' })
        }, this.bootDelayMs)
      } else {
        await app.upstream.stop()
      }
      return formationView(app)
    })

    s.get<{ Params: { app: string } }>('/apps/:app/dynos', async (request, reply) => {
      const app = find(request.params.app)
      if (app === undefined) return reply.code(404).send(notFound)
      return dynosView(app)
    })
  }

  /** Takes one token from the bucket; what is left (negative: refused). */
  private take (): number {
    const now = Date.now()
    this.tokens = Math.min(this.bucketSize, this.tokens + (now - this.refilledAt) * this.refillPerMinute / 60_000)
    this.refilledAt = now
    if (this.tokens < 1) return -1
    this.tokens--
    return Math.floor(this.tokens)
  }

  /** Empties or refills the bucket (a test of the rate limit). */
  setBucket (tokens: number): void {
    this.tokens = tokens
    this.refilledAt = Date.now()
  }

  async addApp (name: string, formation: Record<string, number>): Promise<FakeHerokuApp> {
    const upstream = await this.upstream(name, (formation.web ?? 0) > 0)
    // Version 4 UUIDs, in creation order (the list is sorted by id).
    const id = `01234567-89ab-4cde-8f01-${String(this.nextId++).padStart(12, '0')}`
    const app: FakeHerokuApp = { id, name, formation, dynoState: 'up', upstream }
    this.apps.set(name, app)
    return app
  }

  scaleCalls (): number {
    return this.count('PATCH', /\/formation$/)
  }
}
