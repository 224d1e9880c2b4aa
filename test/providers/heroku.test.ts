import t, { type Test } from 'tap'
import type { AppRecord } from '../../lib/core/app-record'
import { HerokuProvider } from '../../providers/heroku'
import { FakeHeroku, HEROKU_TOKEN } from '../fakes/heroku'
import { build } from '../helper'
import { appRecord } from '../records'

const record = (name: string): AppRecord => appRecord(name, { provider: 'heroku', state: 'unknown', lastActivityAt: 0, maxIdleTimeMs: 0 })

async function fake (t: Test): Promise<FakeHeroku> {
  const api = new FakeHeroku()
  await api.listen()
  t.teardown(() => api.close())
  return api
}

function provider (api: FakeHeroku, token = HEROKU_TOKEN): HerokuProvider {
  return new HerokuProvider({ apiToken: token, apiUrl: api.baseUrl, timeoutMs: 1000, retries: 2, backoffMs: 20, pollIntervalMs: 30, operationTimeoutMs: 5000 })
}

t.test("the fake keeps Heroku's token bucket: every answer says what is left, an empty bucket is a 429", async (t) => {
  const api = await fake(t)
  await api.addApp('shop', { web: 1 })
  const heroku = provider(api)
  await heroku.list()
  t.equal(api.calls[0].status, 200)
  api.refillPerMinute = 0
  api.setBucket(0)
  await t.rejects(heroku.list(), { message: /^heroku list: rate limited: Your account reached the API rate limit/ })
  t.ok(api.count('GET', /^\/apps/, 429) >= 1)
})

t.test('lists every page (Range / Next-Range) with web_url as the upstream', async (t) => {
  const api = await fake(t)
  for (let i = 0; i < 25; i++) await api.addApp(`app-${i}`, { web: 1 })
  api.pageSize = 10
  const apps = await provider(api).list()
  t.equal(apps.length, 25, 'three pages, every app')
  t.equal(api.count('GET', /^\/apps$/), 3, 'one call per page')
  t.equal(apps.find((a) => a.name === 'app-3')?.upstream, api.apps.get('app-3')?.upstream.url, 'web_url, not <name>.herokuapp.com')
  t.ok(apps.every((a) => a.state === 'unknown'), 'the listing does not say whether an app runs')
  t.equal(api.calls[0].headers.accept, 'application/vnd.heroku+json; version=3')
})

t.test('stop remembers quantities; start restores them and waits for the web dynos', async (t) => {
  const api = await fake(t)
  const app = await api.addApp('shop', { web: 2, worker: 0, clock: 1 })
  const heroku = provider(api)
  const shop = record('shop')
  shop.formation = await heroku.stop(shop)
  t.same(shop.formation, { web: 2, worker: 0, clock: 1 })
  t.same(app.formation, { web: 0, worker: 0, clock: 0 })
  t.notOk(app.upstream.running)
  t.equal(await heroku.stop(shop), undefined, 'stopping a stopped app changes nothing (the remembered formation is kept)')
  await heroku.start(shop)
  t.same(app.formation, { web: 2, worker: 0, clock: 1 }, 'web:2 + worker:0 comes back as web:2 + worker:0')
  t.equal(app.dynoState, 'up', 'resolved once the web dynos are up')
  t.ok(app.upstream.running)
  t.ok(api.count('GET', /\/dynos$/) >= 2, 'dynos polled while booting')
})

t.test('a never-stopped app at 0 starts with one web dyno; a crash fails the start', async (t) => {
  const api = await fake(t)
  const app = await api.addApp('idle', { web: 0, worker: 0 })
  await provider(api).start(record('idle'))
  t.same(app.formation, { web: 1, worker: 0 })
  const crashy = await api.addApp('crashy', { web: 0 })
  api.crashOnBoot = true
  await t.rejects(provider(api).start({ ...record('crashy'), formation: { web: 1 } }), { message: 'heroku start crashy: a web dyno crashed' })
  t.equal(crashy.dynoState, 'crashed')
})

t.test('failure modes: 500 retried, 429 rate_limit, hang, malformed JSON, 404, wrong token', async (t) => {
  const api = await fake(t)
  await api.addApp('a', { web: 1 })
  const heroku = provider(api)
  api.fail('GET', /^\/apps$/, { status: 500, body: '{"id":"internal_server_error","message":"boom"}' })
  t.equal((await heroku.list()).length, 1, '500 then success')
  api.fail('GET', /^\/apps$/, { status: 429, body: '{"id":"rate_limit","message":"Your account reached the API rate limit"}', headers: { 'retry-after': '1' } })
  const started = Date.now()
  await heroku.list()
  t.ok(Date.now() - started >= 900, '429: waited')
  api.fail('GET', /^\/apps$/, { status: 429, body: '{"id":"rate_limit","message":"Your account reached the API rate limit"}' }, 5)
  await t.rejects(heroku.list(), { message: 'heroku list: rate limited: Your account reached the API rate limit' })
  api.fail('GET', /\/formation$/, { hang: true }, 3)
  await t.rejects(heroku.stop(record('a')), { message: /^heroku stop a: no answer from the API/ })
  api.fail('GET', /\/formation$/, { status: 200, body: '[{"type":' })
  await t.rejects(heroku.stop(record('a')), { message: 'heroku stop a: the API answered malformed JSON (HTTP 200)' })
  await t.rejects(heroku.stop(record('gone')), { message: "heroku stop gone: HTTP 404: Couldn't find that app." })
  const wrong = await provider(api, 'wrong-token').list().catch((err: Error) => err)
  t.match(wrong, { message: 'heroku list: HTTP 401: Invalid credentials provided.' })
  t.notMatch((wrong as Error).message, 'wrong-token', 'the token is not in the error')
})

t.test('end to end: 50 requests to a sleeping app make one formation update; the sweep stops apps of unknown state', async (t) => {
  const api = await fake(t)
  for (let i = 0; i < 50; i++) await api.addApp(`app-${i}`, { web: 0 })
  await api.addApp('busy', { web: 1 })
  api.pageSize = 20
  const server = await build(t, {
    env: {
      PROVIDER_NAME: 'heroku',
      PROVIDER_HEROKU_API_TOKEN: HEROKU_TOKEN,
      PROVIDER_HEROKU_API_URL: api.baseUrl,
      PROVIDER_POLL_INTERVAL: '50ms',
      START_AND_STOP_MAX_IDLE_TIME: '0'
    }
  })
  t.equal(server.registry.size, 51)
  const listings = api.count('GET', /^\/apps$/)
  const responses = await Promise.all(Array.from({ length: 50 }, () => server.inject({ url: '/', headers: { host: 'app-9.example.com' } })))
  t.ok(responses.every((r) => r.statusCode === 200 && r.json().app === 'app-9'))
  t.equal(api.scaleCalls(), 1, 'one formation update')
  const report = await server.reconciler.tick()
  t.equal(api.count('GET', /^\/apps$/) - listings, 3, 'a tick over 51 apps: one call per page')
  t.ok(report.stopped.includes('busy'), 'an app found running is stopped when idle')
  t.notOk(api.apps.get('busy')?.upstream.running)
  t.same(server.registry.get('busy')?.formation, { web: 1 }, 'its formation is remembered')
})
