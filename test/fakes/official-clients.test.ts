// The providers' own official clients, run against the fakes: a fake that drifts from what the
// real clients send and expect (authentication, paths, fields, status codes) fails here.
import t from 'tap'
import HerokuClient from 'heroku-client'
import { clientFromToken } from 'scalingo'
import { CLEVER_API_TOKEN, CLEVER_OAUTH, FakeCleverCloud } from './clever-cloud'
import { FakeHeroku, HEROKU_TOKEN } from './heroku'
import { FakeScalingo, SCALINGO_TOKEN } from './scalingo'

interface CleverCommands {
  CcApiClient: new (config: object) => { send: (command: object) => Promise<unknown> }
  ListOrganisationCommand: new (params: object) => object
  ListApplicationCommand: new (params: object) => object
  DeployApplicationCommand: new (params: object) => object
  UndeployApplicationCommand: new (params: object) => object
  ListDeploymentCommand: new (params: object) => object
}

/** @clevercloud/client is ES modules only: loaded through require(esm) (Node ≥ 20.19). */
function cleverClient (): CleverCommands {
  const load = (path: string): Record<string, unknown> => require(`@clevercloud/client/${path}`) as Record<string, unknown>
  return {
    ...load('cc-api-client.js'),
    ...load('cc-api-commands/organisation/list-organisation-command.js'),
    ...load('cc-api-commands/application/list-application-command.js'),
    ...load('cc-api-commands/application/deploy-application-command.js'),
    ...load('cc-api-commands/application/undeploy-application-command.js'),
    ...load('cc-api-commands/deployment/list-deployment-command.js')
  } as unknown as CleverCommands
}

/** What a promise was rejected with (an official client's own error object). */
async function rejection (promise: Promise<unknown>): Promise<Record<string, unknown>> {
  return await promise.then(() => ({ resolved: true }), (err: unknown) => err as Record<string, unknown>)
}

async function until (check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error(`timed out waiting for ${what}`)
}

t.test('scalingo (npm `scalingo`): token exchange, regions, list, scale and the operation polled to done', async (t) => {
  const api = new FakeScalingo()
  await api.listen()
  t.teardown(() => api.close())
  const shop = await api.addApp('shop', { web: 2, worker: 1 })
  const regional = await clientFromToken(SCALINGO_TOKEN, { authApiUrl: api.baseUrl, apiUrl: `${api.baseUrl}/osc-fr1`, noUserAgent: true })
  const regions = await regional.Regions.all()
  t.same(regions.map((region) => region.name), ['osc-fr1', 'osc-secnum-fr1'])
  const apps = await regional.Apps.all()
  t.same(apps.map((app) => [app.name, app.status]), [['shop', 'running']])
  t.same((await regional.Containers.for('shop')).map((c) => [c.name, c.amount]), [['web', 2], ['worker', 1]])

  const scaled = await regional.Containers.scale('shop', [{ name: 'web', amount: 0, size: 'M' }, { name: 'worker', amount: 0, size: 'M' }])
  t.ok(scaled.operation !== undefined, 'a scale that changes something is an operation (202 + Location)')
  await scaled.operation?.wait()
  t.equal(scaled.operation?.status, 'done')
  t.notOk(shop.upstream.running)
  t.equal((await regional.Apps.find('shop')).status, 'stopped')

  const unchanged = await regional.Containers.scale('shop', [{ name: 'web', amount: 0, size: 'M' }])
  t.equal(unchanged.operation, undefined, 'a scale that changes nothing: 200 and no operation')
  t.match(await rejection(regional.Containers.scale('shop', [{ name: 'nope', amount: 1, size: 'M' }])), { _status: 422 }, 'an unknown process type is a 422')
  t.match(await rejection(clientFromToken('tk-us-wrong', { authApiUrl: api.baseUrl })), { _status: 401 }, 'a wrong API token is refused at the exchange')
})

t.test('clever cloud (@clevercloud/client 12): organisations, list, redeploy, deployments, undeploy — with either authentication', async (t) => {
  const api = new FakeCleverCloud()
  await api.listen()
  t.teardown(() => api.close())
  const personal = await api.addApp('mine', 'user_me', false)
  await api.addApp('team-a', 'orga_one', true)
  const { CcApiClient, ListOrganisationCommand, ListApplicationCommand, DeployApplicationCommand, UndeployApplicationCommand, ListDeploymentCommand } = cleverClient()
  const clients = {
    token: new CcApiClient({ baseUrl: api.baseUrl, authMethod: { type: 'api-token', apiToken: CLEVER_API_TOKEN } }),
    oauth: new CcApiClient({
      baseUrl: api.baseUrl,
      authMethod: { type: 'oauth-v1', oauthTokens: { consumerKey: CLEVER_OAUTH.consumerKey, consumerSecret: CLEVER_OAUTH.consumerSecret, token: CLEVER_OAUTH.token, secret: CLEVER_OAUTH.tokenSecret } }
    })
  }
  for (const [auth, client] of Object.entries(clients)) {
    const organisations = await client.send(new ListOrganisationCommand({ withPersonalOrganisation: true })) as Array<{ id: string }>
    t.same(organisations.map((org) => org.id).sort(), ['orga_one', 'orga_two', 'user_me'], `${auth}: the personal space is an organisation`)
    const apps = await client.send(new ListApplicationCommand({ ownerId: 'user_me' })) as Array<{ id: string, state: string, instance: { flavors: unknown[] } }>
    t.same(apps.map((app) => [app.id, app.state]), [[personal.id, personal.state]], `${auth}: the official client reads every field of the listing`)
  }
  const client = clients.oauth
  const { deploymentId } = await client.send(new DeployApplicationCommand({ ownerId: 'user_me', applicationId: personal.id })) as { deploymentId: string }
  t.type(deploymentId, 'string')
  const deploymentsOf = async (): Promise<Array<{ id: string, state: string }>> =>
    await client.send(new ListDeploymentCommand({ ownerId: 'user_me', applicationId: personal.id })) as Array<{ id: string, state: string }>
  t.match(await deploymentsOf(), [{ id: deploymentId, state: 'WORK_IN_PROGRESS' }], 'the deployment is in progress')
  await until(async () => (await deploymentsOf())[0].state === 'SUCCEEDED', 'the deployment to succeed')
  t.ok(personal.upstream.running)
  await client.send(new UndeployApplicationCommand({ ownerId: 'user_me', applicationId: personal.id }))
  t.equal(personal.state, 'SHOULD_BE_DOWN')
  t.notOk(personal.upstream.running)

  const wrong = new CcApiClient({ baseUrl: api.baseUrl, authMethod: { type: 'oauth-v1', oauthTokens: { consumerKey: 'ck', consumerSecret: 'c&s%2', token: 'tok', secret: 'other' } } })
  t.match(await rejection(wrong.send(new ListOrganisationCommand({}))), { response: { status: 401 } }, 'a wrong token secret is refused')
})

t.test('heroku (heroku-client 3): Basic `:token`, apps by Range, formation batch update, dynos', async (t) => {
  const api = new FakeHeroku()
  api.pageSize = 2
  await api.listen()
  t.teardown(() => api.close())
  for (const name of ['one', 'two', 'three']) await api.addApp(name, { web: 1 })
  const heroku = new HerokuClient({ token: HEROKU_TOKEN, host: api.baseUrl })
  const apps = await heroku.get('/apps') as Array<{ name: string, id: string }>
  t.same(apps.map((app) => app.name), ['one', 'two', 'three'], 'the client follows Next-Range to the last page')
  t.ok(apps.every((app) => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(app.id)), 'ids are UUIDs')
  t.match(api.calls.find((call) => call.path === '/apps')?.headers, { authorization: /^Basic / }, 'the client authenticated with Basic :token')
  const limited = await fetch(`${api.baseUrl}/apps`, { headers: { authorization: `Bearer ${HEROKU_TOKEN}`, accept: 'application/vnd.heroku+json; version=3' } })
  t.match(limited.headers.get('ratelimit-remaining'), /^\d+$/, 'every answer says how many calls are left (RateLimit-Remaining)')

  const formation = await heroku.patch('/apps/one/formation', { body: { updates: [{ type: 'web', quantity: 0 }] } }) as Array<{ type: string, quantity: number }>
  t.match(formation, [{ type: 'web', quantity: 0 }])
  await heroku.patch('/apps/one/formation', { body: { updates: [{ type: 'web', quantity: 1 }] } })
  await until(async () => ((await heroku.get('/apps/one/dynos')) as Array<{ state: string }>)[0]?.state === 'up', 'the web dyno to be up')

  t.match(await rejection(new HerokuClient({ token: 'wrong', host: api.baseUrl }).get('/apps')), { statusCode: 401 }, 'a wrong token is refused')
  api.setBucket(0)
  t.match(await rejection(heroku.get('/apps/one/formation')), { statusCode: 429, body: { id: 'rate_limit' } }, 'an empty token bucket answers 429')
})
