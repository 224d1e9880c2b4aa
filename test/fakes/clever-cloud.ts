// A fake Clever Cloud API, on the facts of the provider's published API and of its official client
// (`@clevercloud/client` 12, run against this fake in test/fakes/official-clients.test.ts): an API
// token (bearer) or OAuth 1.0a PLAINTEXT as the official clients send it, organisations with the
// personal space among them, applications with the fields the official client reads, instances
// started by a deployment in progress for a while, a failed start left WANTS_TO_BE_UP, a rate
// limit, and Clever Cloud's error bodies.
import { FakeApi, type FakeUpstream } from './fake-api'

export const CLEVER_API_TOKEN = 'clever-fake-api-token'
/** Secrets with `&`, `/` and `%` in them: the signature must carry them as they are. */
export const CLEVER_OAUTH = { consumerKey: 'ck', consumerSecret: 'c&s%2', token: 'tok', tokenSecret: 'ts/1' }

export interface FakeCleverApp {
  id: string
  ownerId: string
  name: string
  state: 'SHOULD_BE_UP' | 'SHOULD_BE_DOWN' | 'WANTS_TO_BE_UP' | 'MODERATED'
  upstream: FakeUpstream
}

interface Deployment { id: number, uuid: string, state: 'WIP' | 'TASK_RUNNING' | 'OK' | 'FAIL', action: string, appId: string, date: number }

const error = (id: number, message: string) => ({ id, message, type: 'error' })

/** The parameters of `OAuth k="v", …`, kept as sent. */
function oauthParams (header: string): Record<string, string> {
  const params: Record<string, string> = {}
  for (const match of header.replace(/^OAuth /, '').matchAll(/(\w+)="([^"]*)"/g)) params[match[1]] = match[2]
  return params
}

/** A runtime flavor as the API describes it (the fields the official client reads). */
const flavor = (name: string, mem: number) => ({
  name,
  mem,
  cpus: 1,
  gpus: 0,
  disk: null,
  price: 0.3436,
  available: true,
  microservice: false,
  machine_learning: false,
  nice: 0,
  price_id: 'apps.' + name,
  memory: { unit: 'B', value: mem * 1024 * 1024, formatted: `${mem} MiB` },
  cpuFactor: 1,
  memFactor: 1
})

export class FakeCleverCloud extends FakeApi {
  readonly apps = new Map<string, FakeCleverApp>()
  readonly deployments: Deployment[] = []
  /** What GET /v2/organisations answers: the personal space is one of them, as on the real API. */
  readonly organisations = ['user_me', 'orga_one', 'orga_two']
  deployDelayMs = 200
  failDeploy = false
  /** The state of a deployment while it runs: WIP, or TASK_RUNNING for a task. */
  runningState: 'WIP' | 'TASK_RUNNING' = 'WIP'
  /** Requests a credential may make per minute (Clever Cloud does not publish its limit). */
  requestsPerMinute = 1000
  private nextId = 1

  constructor () {
    super()
    const s = this.server
    s.addHook('preHandler', async (request, reply) => {
      const header = request.headers.authorization ?? ''
      if (!this.authorized(header)) return reply.code(401).send(error(2001, 'Not connected'))
      if (!this.withinLimit(header, this.requestsPerMinute)) return reply.code(429).header('retry-after', '60').send(error(429, 'Too many requests'))
    })

    s.get('/v2/organisations', async () => this.organisations.map((id) => ({ id, name: id === 'user_me' ? 'Personal space' : id })))

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
        const id = this.nextId++
        const deployment: Deployment = { id, uuid: `${id}-0000-4000-8000-deployment00`, state: this.runningState, action: 'DEPLOY', appId: app.id, date: Date.now() }
        this.deployments.unshift(deployment)
        app.state = 'WANTS_TO_BE_UP'
        this.later(() => {
          if (this.failDeploy) {
            // As on the platform: the app still wants to be up; only its deployment says it failed.
            deployment.state = 'FAIL'
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
        return this.deployments.filter((d) => d.appId === app.id).slice(0, limit).map((d) => ({
          id: d.id, uuid: d.uuid, date: d.date, state: d.state, action: d.action, commit: 'c0ffee', cause: 'api', instances: 1, author: { id: 'user_me', name: 'me' }
        }))
      })
    }
    routes('/v2/self', () => 'self')
    routes('/v2/organisations/:owner', (params) => params.owner)
  }

  async addApp (name: string, ownerId: string, running: boolean): Promise<FakeCleverApp> {
    const upstream = await this.upstream(name, running)
    const app: FakeCleverApp = { id: `app_${String(this.nextId++).padStart(8, '0')}-0000-4000-8000-000000000000`, ownerId, name, state: running ? 'SHOULD_BE_UP' : 'SHOULD_BE_DOWN', upstream }
    this.apps.set(name, app)
    return app
  }

  startCalls (): number {
    return this.count('POST', /\/instances$/)
  }

  /** What the official clients send: a bearer API token, or PLAINTEXT `secret%26secret` as is. */
  private authorized (header: string): boolean {
    if (header === `Bearer ${CLEVER_API_TOKEN}`) return true
    const oauth = oauthParams(header)
    return oauth.oauth_consumer_key === CLEVER_OAUTH.consumerKey && oauth.oauth_token === CLEVER_OAUTH.token &&
      (oauth.oauth_signature_method ?? 'PLAINTEXT') === 'PLAINTEXT' &&
      oauth.oauth_signature === `${CLEVER_OAUTH.consumerSecret}%26${CLEVER_OAUTH.tokenSecret}`
  }

  /** An application as GET …/applications lists it: every field the official client reads. */
  private view (app: FakeCleverApp) {
    const last = this.deployments.find((d) => d.appId === app.id)
    return {
      id: app.id,
      ownerId: app.ownerId,
      name: app.name,
      description: app.name,
      zone: 'par',
      zoneId: 'zone-par',
      instance: {
        type: 'node',
        version: '20240101',
        variant: { id: 'variant-node', slug: 'node', name: 'Node', deployType: 'node', logo: '' },
        minInstances: 1,
        maxInstances: 1,
        maxAllowedInstances: 40,
        minFlavor: flavor('XS', 1024),
        maxFlavor: flavor('XS', 1024),
        flavors: [flavor('XS', 1024), flavor('S', 2048)],
        defaultEnv: { CC_NODE_VERSION: '20' },
        lifetime: 'REGULAR'
      },
      deployment: {
        shutdownable: false,
        type: 'GIT',
        repoState: 'CREATED',
        url: `git+ssh://git@push-par-clevercloud-customers.services.clever-cloud.com/${app.id}.git`,
        httpUrl: `https://push-par-clevercloud-customers.services.clever-cloud.com/${app.id}.git`
      },
      vhosts: [{ fqdn: `127.0.0.1:${app.upstream.port}/` }],
      creationDate: 1700000000000,
      last_deploy: last?.id ?? 0,
      archived: false,
      stickySessions: false,
      homogeneous: false,
      favourite: false,
      cancelOnPush: false,
      separateBuild: false,
      buildFlavor: null,
      state: app.state,
      commitId: 'c0ffee',
      appliance: null,
      branch: 'master',
      forceHttps: 'DISABLED',
      env: []
    }
  }
}
