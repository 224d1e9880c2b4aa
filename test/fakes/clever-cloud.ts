// A fake Clever Cloud API, on the facts of the provider's published API: an API token (bearer) or OAuth
// 1.0a PLAINTEXT, the personal space and organisations, applications with their vhosts, instances
// started by a deployment that stays WIP for a while, and Clever Cloud's error bodies.
import { FakeApi, type FakeUpstream } from './fake-api'

export const CLEVER_API_TOKEN = 'clever-fake-api-token'
export const CLEVER_OAUTH = { consumerKey: 'ck', consumerSecret: 'c&s', token: 'tok', tokenSecret: 'ts/1' }

export interface FakeCleverApp {
  id: string
  ownerId: string
  name: string
  state: 'SHOULD_BE_UP' | 'SHOULD_BE_DOWN' | 'WANTS_TO_BE_UP'
  upstream: FakeUpstream
}

interface Deployment { uuid: string, state: 'WIP' | 'OK' | 'FAIL', action: string, appId: string }

const error = (id: number, message: string) => ({ id, message, type: 'error' })

/** Parses `OAuth k="v", …` as the API does. */
function oauthParams (header: string): Record<string, string> {
  const params: Record<string, string> = {}
  for (const match of header.replace(/^OAuth /, '').matchAll(/(\w+)="([^"]*)"/g)) params[match[1]] = decodeURIComponent(match[2])
  return params
}

export class FakeCleverCloud extends FakeApi {
  readonly apps = new Map<string, FakeCleverApp>()
  readonly deployments: Deployment[] = []
  readonly organisations = ['orga_one', 'orga_two']
  deployDelayMs = 200
  failDeploy = false
  private nextId = 1

  constructor () {
    super()
    const s = this.server
    s.addHook('preHandler', async (request, reply) => {
      const header = request.headers.authorization ?? ''
      if (header === `Bearer ${CLEVER_API_TOKEN}`) return
      const oauth = oauthParams(header)
      // PLAINTEXT: the signature is enc(consumer secret) & enc(token secret).
      const expected = `${encodeURIComponent(CLEVER_OAUTH.consumerSecret)}&${encodeURIComponent(CLEVER_OAUTH.tokenSecret)}`
      if (oauth.oauth_consumer_key === CLEVER_OAUTH.consumerKey && oauth.oauth_token === CLEVER_OAUTH.token &&
        (oauth.oauth_signature_method ?? 'PLAINTEXT') === 'PLAINTEXT' && oauth.oauth_signature === expected) return
      return reply.code(401).send(error(2001, 'Not connected'))
    })

    s.get('/v2/organisations', async () => this.organisations.map((id) => ({ id, name: id })))

    const list = (owner: string) => [...this.apps.values()].filter((app) => app.ownerId === owner).map((app) => this.view(app))
    s.get('/v2/self/applications', async () => list('user_me'))
    s.get<{ Params: { owner: string } }>('/v2/organisations/:owner/applications', async (request) => list(request.params.owner))

    const find = (owner: string, id: string): FakeCleverApp | undefined => {
      const app = [...this.apps.values()].find((candidate) => candidate.id === id)
      return app !== undefined && (app.ownerId === owner || (owner === 'self' && app.ownerId.startsWith('user_'))) ? app : undefined
    }
    const routes = (prefix: string, ownerOf: (params: Record<string, string>) => string): void => {
      s.post(`${prefix}/applications/:id/instances`, async (request, reply) => {
        const params = request.params as Record<string, string>
        const app = find(ownerOf(params), params.id)
        if (app === undefined) return reply.code(404).send(error(4004, 'Application not found'))
        const deployment: Deployment = { uuid: `dep-${this.nextId++}`, state: 'WIP', action: 'DEPLOY', appId: app.id }
        this.deployments.unshift(deployment)
        app.state = 'WANTS_TO_BE_UP'
        setTimeout(() => {
          if (this.failDeploy) {
            deployment.state = 'FAIL'
            app.state = 'SHOULD_BE_DOWN'
            return
          }
          void app.upstream.start().then(() => {
            deployment.state = 'OK'
            app.state = 'SHOULD_BE_UP'
          })
        }, this.deployDelayMs)
        return { id: 200, message: 'The application has been deployed', type: 'success', deploymentId: deployment.uuid }
      })
      s.delete(`${prefix}/applications/:id/instances`, async (request, reply) => {
        const params = request.params as Record<string, string>
        const app = find(ownerOf(params), params.id)
        if (app === undefined) return reply.code(404).send(error(4004, 'Application not found'))
        app.state = 'SHOULD_BE_DOWN'
        await app.upstream.stop()
        return { id: 200, message: 'The application has been stopped', type: 'success' }
      })
      s.get(`${prefix}/applications/:id/deployments`, async (request, reply) => {
        const params = request.params as Record<string, string>
        const app = find(ownerOf(params), params.id)
        if (app === undefined) return reply.code(404).send(error(4004, 'Application not found'))
        const limit = Number((request.query as { limit?: string }).limit ?? 10)
        return this.deployments.filter((d) => d.appId === app.id).slice(0, limit)
      })
    }
    routes('/v2/self', () => 'self')
    routes('/v2/organisations/:owner', (params) => params.owner)
  }

  async addApp (name: string, ownerId: string, running: boolean): Promise<FakeCleverApp> {
    const upstream = await this.upstream(name, running)
    const app: FakeCleverApp = { id: `app_${String(this.nextId++).padStart(8, '0')}-uuid`, ownerId, name, state: running ? 'SHOULD_BE_UP' : 'SHOULD_BE_DOWN', upstream }
    this.apps.set(name, app)
    return app
  }

  startCalls (): number {
    return this.count('POST', /\/instances$/)
  }


  private view (app: FakeCleverApp) {
    return {
      id: app.id, ownerId: app.ownerId, name: app.name, zone: 'par', state: app.state,
      vhosts: [{ fqdn: `127.0.0.1:${app.upstream.port}/` }],
      deployment: { url: `git+ssh://git@push-par-clevercloud-customers.services.clever-cloud.com/${app.id}.git` }
    }
  }
}
