// A fake Heroku Platform API (v3), on the facts of the provider's published API: bearer token and the
// version 3 Accept header, the app list paginated by Range / Next-Range (206 while truncated),
// formation read and batch update, dynos that boot asynchronously, and Heroku's error bodies.
import { FakeApi, type FakeUpstream } from './fake-api'

export const HEROKU_TOKEN = 'heroku-fake-token'

export interface FakeHerokuApp {
  id: string
  name: string
  formation: Record<string, number>
  dynoState: 'up' | 'starting' | 'crashed'
  upstream: FakeUpstream
}

export class FakeHeroku extends FakeApi {
  readonly apps = new Map<string, FakeHerokuApp>()
  /** The largest page the fake serves, whatever the client asks. */
  pageSize = 1000
  bootDelayMs = 150
  crashOnBoot = false
  private nextId = 1

  constructor () {
    super()
    const s = this.server
    s.addHook('preHandler', async (request, reply) => {
      if (request.headers.authorization !== `Bearer ${HEROKU_TOKEN}`) {
        return reply.code(401).send({ id: 'unauthorized', message: 'Invalid credentials provided.' })
      }
      if (request.headers.accept !== 'application/vnd.heroku+json; version=3') {
        return reply.code(400).send({ id: 'bad_request', message: 'Please specify a version along with Heroku\'s API MIME type.' })
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
      return page.map((app) => ({
        id: app.id, name: app.name, region: { name: 'eu' }, maintenance: false,
        web_url: `${app.upstream.url}/`
      }))
    })

    const find = (name: string): FakeHerokuApp | undefined => this.apps.get(name)
    const notFound = { id: 'not_found', message: "Couldn't find that app." }

    s.get<{ Params: { app: string } }>('/apps/:app/formation', async (request, reply) => {
      const app = find(request.params.app)
      if (app === undefined) return reply.code(404).send(notFound)
      return Object.entries(app.formation).map(([type, quantity]) => ({ type, quantity, size: 'standard-1X', command: 'npm start' }))
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
        setTimeout(() => {
          if (this.crashOnBoot) {
            app.dynoState = 'crashed'
            return
          }
          void app.upstream.start().then(() => { app.dynoState = 'up' })
        }, this.bootDelayMs)
      } else {
        await app.upstream.stop()
      }
      return Object.entries(app.formation).map(([type, quantity]) => ({ type, quantity, size: 'standard-1X' }))
    })

    s.get<{ Params: { app: string } }>('/apps/:app/dynos', async (request, reply) => {
      const app = find(request.params.app)
      if (app === undefined) return reply.code(404).send(notFound)
      return Object.entries(app.formation).flatMap(([type, quantity]) =>
        Array.from({ length: quantity }, (_, i) => ({ name: `${type}.${i + 1}`, type, state: type === 'web' ? app.dynoState : 'up' })))
    })
  }

  async addApp (name: string, formation: Record<string, number>): Promise<FakeHerokuApp> {
    const upstream = await this.upstream(name, (formation.web ?? 0) > 0)
    const app: FakeHerokuApp = { id: `${String(this.nextId++).padStart(4, '0')}-uuid`, name, formation, dynoState: 'up', upstream }
    this.apps.set(name, app)
    return app
  }

  scaleCalls (): number {
    return this.count('PATCH', /\/formation$/)
  }

}
