import t, { type Test } from 'tap'
import type { AppRecord } from '../../lib/core/app-record'
import { ScalingoProvider } from '../../providers/scalingo'
import { FakeScalingo, SCALINGO_TOKEN } from '../fakes/scalingo'
import { build } from '../helper'
import { appRecord } from '../records'

const record = (name: string, region = 'osc-fr1'): AppRecord => appRecord(name, { provider: 'scalingo', region, state: 'unknown', lastActivityAt: 0, maxIdleTimeMs: 0 })

async function fake (t: Test): Promise<FakeScalingo> {
  const api = new FakeScalingo()
  await api.listen()
  t.teardown(() => api.close())
  return api
}

function provider (api: FakeScalingo, extra: Partial<ConstructorParameters<typeof ScalingoProvider>[0]> = {}): ScalingoProvider {
  return new ScalingoProvider({
    apiToken: SCALINGO_TOKEN,
    authUrl: api.baseUrl,
    timeoutMs: 1000,
    retries: 2,
    backoffMs: 20,
    pollIntervalMs: 30,
    operationTimeoutMs: 5000,
    ...extra
  })
}

t.test('lists every region in one call each, with state and upstream from the API', async (t) => {
  const api = await fake(t)
  await api.addApp('front', { web: 1 })
  await api.addApp('back', { web: 0, worker: 0 })
  await api.addApp('secure', { web: 2 }, 'osc-secnum-fr1')
  const apps = await provider(api).list()
  t.same(apps.map((a) => [a.name, a.region, a.state]).sort(), [
    ['back', 'osc-fr1', 'stopped'], ['front', 'osc-fr1', 'running'], ['secure', 'osc-secnum-fr1', 'running']
  ])
  t.equal(apps.find((a) => a.name === 'front')?.upstream, api.apps.get('front')?.upstream.url, 'base_url from the API')
  t.equal(api.count('GET', /\/v1\/apps$/), 2, 'one listing call per region')
  t.same((await provider(api, { region: 'osc-secnum-fr1' }).list()).map((a) => a.name), ['secure'], 'PROVIDER_REGION')
  t.same((await provider(api, { apiUrl: `${api.baseUrl}/osc-fr1`, region: 'osc-fr1' }).list()).map((a) => a.name).sort(), ['back', 'front'],
    'PROVIDER_SCALINGO_API_URL replaces region discovery')
})

t.test('stop remembers the formation; start restores it (web:2 + worker:0 stays so)', async (t) => {
  const api = await fake(t)
  const app = await api.addApp('shop', { web: 2, worker: 0, clock: 1 })
  const scalingo = provider(api)
  const shop = record('shop')
  const formation = await scalingo.stop(shop)
  t.same(formation, { web: 2, worker: 0, clock: 1 }, 'the formation before the stop')
  t.same(app.formation, { web: 0, worker: 0, clock: 0 })
  t.equal(app.status, 'stopped', 'the operation was polled until done')
  t.notOk(app.upstream.running)
  shop.formation = formation
  await scalingo.start(shop)
  t.same(app.formation, { web: 2, worker: 0, clock: 1 }, 'restored, not "every type to 1"')
  t.ok(app.upstream.running, 'start resolved once the operation was done')
  t.ok(api.count('GET', /\/operations\//) >= 2, 'the operation was polled')
  const scales = api.scaleCalls()
  await scalingo.start(shop)
  t.equal(api.scaleCalls(), scales, 'starting a running app scales nothing')
})

t.test('token: one exchange for many callers, refreshed before expiry and once on 401', async (t) => {
  const api = await fake(t)
  await api.addApp('a', { web: 1 })
  const scalingo = provider(api)
  await Promise.all(Array.from({ length: 10 }, () => scalingo.list()))
  t.equal(api.count('POST', /tokens\/exchange/), 1, 'one exchange however many callers')
  api.tokens.clear() // Scalingo revoked it: the next call gets a 401
  await scalingo.list()
  t.equal(api.count('POST', /tokens\/exchange/), 2, 're-exchanged once on 401')
  api.tokenTtlMs = 4 * 60_000 // under the 5-minute margin: refreshed before each use
  api.tokens.clear()
  await scalingo.list()
  const before = api.count('POST', /tokens\/exchange/)
  const refused = api.count('GET', /\/v1\/apps$/, 401)
  await scalingo.list()
  t.ok(api.count('POST', /tokens\/exchange/) > before, 'refreshed when less than 5 minutes are left, without waiting for a 401')
  t.equal(api.count('GET', /\/v1\/apps$/, 401), refused, 'no call was refused')
  const auth = api.calls.find((c) => c.path.endsWith('/exchange'))?.headers.authorization
  t.equal(auth, `Basic ${Buffer.from(`:${SCALINGO_TOKEN}`).toString('base64')}`, 'Basic auth, empty user, token as password')
})

t.test('failure modes: 500 retried, 429 waits Retry-After, hung call times out, malformed JSON, 422, busy app', async (t) => {
  const api = await fake(t)
  const app = await api.addApp('flaky', { web: 1 })
  const scalingo = provider(api)
  api.fail('GET', /\/v1\/apps$/, { status: 500, body: '{"error":"boom"}' })
  t.equal((await scalingo.list()).length, 1, '500 then success: retried')

  api.fail('GET', /\/v1\/apps$/, { status: 429, body: 'Retry later', headers: { 'retry-after': '1', 'content-type': 'text/plain' } })
  const started = Date.now()
  await scalingo.list()
  t.ok(Date.now() - started >= 900, 'waited Retry-After')

  api.fail('GET', /\/v1\/apps$/, { hang: true }, 3)
  await t.rejects(scalingo.list(), { message: /^scalingo list: no answer from the API/ }, 'a hung call times out, retries exhausted')

  api.fail('GET', /\/containers$/, { status: 200, body: '{"containers": [' })
  await t.rejects(scalingo.stop(record('flaky')), { message: 'scalingo stop flaky: the API answered malformed JSON (HTTP 200)' })

  await t.rejects(scalingo.start({ ...record('flaky'), formation: { web: 1, ghost: 1 } }), { message: /scalingo start flaky: HTTP 422: .*ghost is not a process type/ })

  api.fail('GET', /\/v1\/apps$/, { status: 503, body: '{"error":"maintenance"}' }, 10)
  const error = await scalingo.list().catch((err: Error) => err)
  t.match(error, { message: 'scalingo list: HTTP 503: maintenance' }, 'the error names provider, operation and the API message')
  t.notMatch(String((error as Error).message), SCALINGO_TOKEN, 'never the token')

  app.status = 'scaling' // an operation under way: the scale is refused, then accepted
  setTimeout(() => { app.status = 'running' }, 200)
  t.same(await scalingo.stop(record('flaky')), { web: 1 }, 'a busy app is retried until it accepts')
  await t.rejects(scalingo.stop(record('deleted')), { message: /scalingo stop deleted: HTTP 404: not found/ })
})

t.test('a scale refused for payment (402) or permission (403) fails at once with the API\'s words, posted once', async (t) => {
  const api = await fake(t)
  const trial = await api.addApp('trial', { web: 0 })
  trial.freeTrial = true
  const scalingo = provider(api)
  const started = Date.now()
  await t.rejects(scalingo.start({ ...record('trial'), formation: { web: 2 } }),
    { message: 'scalingo start trial: HTTP 402: free trial: you can run only one container of each type, add a payment method to scale further' })
  t.equal(api.scaleCalls(), 1, 'one POST, not one per poll interval until the operation timeout')
  t.ok(Date.now() - started < 1000, 'at once')
  await api.addApp('locked', { web: 1 })
  api.fail('POST', /\/scale$/, { status: 403, body: '{"error":"you are not allowed to scale this app"}' })
  await t.rejects(scalingo.stop(record('locked')), { message: 'scalingo stop locked: HTTP 403: you are not allowed to scale this app' })
  t.equal(api.scaleCalls(), 2)
  api.fail('POST', /\/scale$/, { status: 400, body: '{"error":"bad request"}' }, 2)
  await t.rejects(scalingo.stop(record('locked')), { message: 'scalingo stop locked: HTTP 400: bad request' }, 'a 400 while no operation runs is not "busy"')
  t.equal(api.scaleCalls(), 4, 'tried once more (an operation may have ended just before the status was read), then failed')
  // The race itself: refused by an operation that ended before the status was read.
  api.fail('POST', /\/scale$/, { status: 400, body: '{"error":"an operation is already running on this app"}' })
  t.same(await scalingo.stop(record('locked')), { web: 1 }, 'the second try goes through')
  t.equal(api.scaleCalls(), 6)
})

t.test("the fake keeps Scalingo's limit on operations: past it, a scale is answered 429 and fails as rate limited", async (t) => {
  const api = await fake(t)
  api.operationsPerMinute = 1
  await api.addApp('first', { web: 1 })
  await api.addApp('second', { web: 1 })
  const scalingo = provider(api)
  t.same(await scalingo.stop(record('first')), { web: 1 })
  await t.rejects(scalingo.stop(record('second')), { message: 'scalingo stop second: rate limited: Retry later' })
  t.equal(api.count('POST', /\/scale$/, 429), 3, 'the first try and its two retries, each refused')
})

t.test('a crashed app is listed failed, with the reason', async (t) => {
  const api = await fake(t)
  const app = await api.addApp('crashy', { web: 1 })
  app.status = 'crashed'
  t.match(await provider(api).list(), [{ name: 'crashy', state: 'failed', detail: /crashed/ }])
})

t.test('end to end: a wake through the proxy makes one scale call for 50 requests; a tick lists once per region', async (t) => {
  const api = await fake(t)
  for (let i = 0; i < 50; i++) await api.addApp(`app-${i}`, { web: 0 })
  const server = await build(t, {
    env: {
      PROVIDER_NAME: 'scalingo',
      PROVIDER_SCALINGO_API_TOKEN: SCALINGO_TOKEN,
      PROVIDER_SCALINGO_AUTH_URL: api.baseUrl,
      PROVIDER_POLL_INTERVAL: '50ms',
      PROVIDER_REQUEST_TIMEOUT: '2s'
    }
  })
  t.equal(server.registry.size, 50)
  const listings = api.count('GET', /\/v1\/apps$/)
  await server.reconciler.tick()
  t.equal(api.count('GET', /\/v1\/apps$/) - listings, 2, 'a tick over 50 apps: one listing per region')

  const responses = await Promise.all(Array.from({ length: 50 }, () =>
    server.inject({ url: '/hi', headers: { host: 'app-7.proxy.example.com' } })))
  t.ok(responses.every((r) => r.statusCode === 200 && r.json().app === 'app-7'), 'all 50 answered by the app')
  t.equal(api.scaleCalls(), 1, 'exactly one scale call')
  const calls = api.calls.length
  await server.inject({ url: '/hi', headers: { host: 'app-7.proxy.example.com' } })
  t.equal(api.calls.length, calls, 'the warm path calls no API')

  api.apps.delete('app-3')
  await server.reconciler.tick()
  t.notOk(server.registry.has('app-3'), 'an app deleted at Scalingo is forgotten')
})
