import t, { type Test } from 'tap'
import type { AppRecord } from '../../lib/core/app-record'
import { CleverCloudProvider, plaintextAuthorization } from '../../providers/clever-cloud'
import { CLEVER_API_TOKEN, CLEVER_OAUTH, FakeCleverCloud, type FakeCleverApp } from '../fakes/clever-cloud'
import { build } from '../helper'
import { appRecord } from '../records'

async function fake (t: Test): Promise<FakeCleverCloud> {
  const api = new FakeCleverCloud()
  await api.listen()
  t.teardown(() => api.close())
  return api
}

function provider (api: FakeCleverCloud, auth: 'token' | 'oauth' = 'token'): CleverCloudProvider {
  return new CleverCloudProvider({
    apiHost: api.baseUrl,
    vhostScheme: 'http',
    timeoutMs: 1000,
    retries: 2,
    backoffMs: 20,
    pollIntervalMs: 30,
    operationTimeoutMs: 5000,
    ...(auth === 'token' ? { apiToken: CLEVER_API_TOKEN } : { oauth: CLEVER_OAUTH })
  })
}

const record = (app: FakeCleverApp): AppRecord =>
  appRecord(app.name, { provider: 'clever-cloud', providerId: app.id, owner: app.ownerId, state: 'unknown', lastActivityAt: 0, maxIdleTimeMs: 0 })

t.test('lists the personal space and every organisation, with either authentication', async (t) => {
  const api = await fake(t)
  const mine = await api.addApp('mine', 'user_me', true)
  await api.addApp('team-a', 'orga_one', false)
  await api.addApp('team-b', 'orga_two', true)
  for (const auth of ['token', 'oauth'] as const) {
    const apps = await provider(api, auth).list()
    t.same(apps.map((a) => [a.name, a.state, a.owner]).sort(), [
      ['mine', 'running', 'user_me'], ['team-a', 'stopped', 'orga_one'], ['team-b', 'running', 'orga_two']
    ], auth)
    t.equal(apps.find((a) => a.name === 'mine')?.upstream, mine.upstream.url, 'the vhost, trailing slash stripped')
  }
  t.equal(api.count('GET', /applications$/), 6, 'one listing per space (the personal one among the organisations), not per app')
  t.equal(api.count('GET', /^\/v2\/self\//), 0, 'the personal space is not listed a second time through /v2/self')
  t.equal(plaintextAuthorization(CLEVER_OAUTH),
    'OAuth oauth_consumer_key="ck", oauth_token="tok", oauth_signature="c&s%2%26ts/1"',
    'PLAINTEXT signature as the official clients send it: the secrets as they are, joined by %26')
  t.throws(() => plaintextAuthorization({ ...CLEVER_OAUTH, tokenSecret: 'a"b' }), { message: /quote/ })
})

t.test('start waits for the deployment to leave WIP; stop undeploys', async (t) => {
  const api = await fake(t)
  const app = await api.addApp('team-a', 'orga_one', false)
  const clever = provider(api, 'oauth')
  await clever.start(record(app))
  t.equal(app.state, 'SHOULD_BE_UP')
  t.ok(app.upstream.running, 'resolved once the deployment was OK')
  t.ok(api.count('GET', /deployments\?limit=5$/) >= 2, 'polled the latest deployments')
  t.equal(await clever.stop(record(app)), undefined)
  t.equal(app.state, 'SHOULD_BE_DOWN')
  t.notOk(app.upstream.running)
  const personal = await api.addApp('mine', 'user_me', false)
  await clever.start(record(personal))
  t.equal(api.count('POST', /^\/v2\/organisations\/user_me\/applications\/.*\/instances$/), 1, 'personal apps under their owner id, as the official client')
  api.failDeploy = true
  await clever.stop(record(app))
  await t.rejects(clever.start(record(app)), { message: 'clever-cloud start team-a: the deployment ended FAIL' })
})

t.test('state: a start that failed is failed, not starting for ever; one more call only for apps that want to be up', async (t) => {
  const api = await fake(t)
  api.deployDelayMs = 50
  const broken = await api.addApp('broken', 'orga_one', false)
  const booting = await api.addApp('booting', 'orga_one', false)
  const held = await api.addApp('held', 'orga_two', true)
  await api.addApp('up', 'orga_two', true)
  await api.addApp('down', 'user_me', false)
  held.state = 'MODERATED'
  const clever = provider(api)
  api.failDeploy = true
  await t.rejects(clever.start(record(broken)))
  t.equal(broken.state, 'WANTS_TO_BE_UP', 'the platform leaves a failed start wanting to be up')
  api.failDeploy = false
  api.deployDelayMs = 60_000
  await api.addApp('spare', 'orga_one', false)
  void clever.start(record(booting)).catch(() => {})
  await new Promise((resolve) => setTimeout(resolve, 100))
  // The start under way polls deployments?limit=5; the listing reads deployments?limit=1.
  const before = api.count('GET', /deployments\?limit=1$/)
  const apps = await clever.list()
  t.match(Object.fromEntries(apps.map((app) => [app.name, { state: app.state, detail: app.detail }])), {
    broken: { state: 'failed', detail: 'its last deployment ended FAIL' },
    booting: { state: 'starting', detail: undefined },
    held: { state: 'failed', detail: 'Clever Cloud holds it MODERATED' },
    up: { state: 'running' },
    down: { state: 'stopped' }
  })
  t.equal(api.count('GET', /deployments\?limit=1$/) - before, 2, 'the last deployment read for the two apps that want to be up only')
})

t.test('a deployment in TASK_RUNNING is still in progress, not a failure', async (t) => {
  const api = await fake(t)
  api.runningState = 'TASK_RUNNING'
  const app = await api.addApp('task', 'orga_one', false)
  await provider(api).start(record(app))
  t.equal(app.state, 'SHOULD_BE_UP')
  t.ok(app.upstream.running)
})

t.test('failure modes: 500 retried, 429, hang, malformed JSON, 404 and wrong credentials', async (t) => {
  const api = await fake(t)
  const app = await api.addApp('team-a', 'orga_one', true)
  const clever = provider(api)
  api.fail('GET', /^\/v2\/organisations$/, { status: 500, body: '{"id":500,"message":"boom","type":"error"}' })
  t.equal((await clever.list()).length, 1, '500 then success')
  api.fail('GET', /^\/v2\/organisations$/, { status: 429, body: '{"id":429,"message":"slow down","type":"error"}', headers: { 'retry-after': '1' } })
  const started = Date.now()
  await clever.list()
  t.ok(Date.now() - started >= 900, 'Retry-After honoured')
  api.fail('GET', /^\/v2\/organisations$/, { hang: true }, 3)
  await t.rejects(clever.list(), { message: /^clever-cloud list: no answer from the API/ })
  api.fail('GET', /^\/v2\/organisations$/, { status: 200, body: '[{"id": ' })
  await t.rejects(clever.list(), { message: 'clever-cloud list: the API answered malformed JSON (HTTP 200)' })
  await t.rejects(clever.stop({ ...record(app), providerId: 'app_gone' }), { message: 'clever-cloud stop team-a: HTTP 404: Application not found' })
  const intruder = new CleverCloudProvider({ apiHost: api.baseUrl, vhostScheme: 'http', timeoutMs: 1000, retries: 0, backoffMs: 1, pollIntervalMs: 30, operationTimeoutMs: 1000, oauth: { ...CLEVER_OAUTH, tokenSecret: 'wrong' } })
  await t.rejects(intruder.list(), { message: 'clever-cloud list: HTTP 401: Not connected' })
})

t.test('end to end: 50 requests wake an org app with one start call', async (t) => {
  const api = await fake(t)
  for (let i = 0; i < 20; i++) await api.addApp(`app-${i}`, i % 2 === 0 ? 'orga_one' : 'orga_two', false)
  const server = await build(t, {
    env: {
      PROVIDER_NAME: 'clever-cloud',
      PROVIDER_CLEVER_API_HOST: api.baseUrl,
      PROVIDER_CLEVER_API_TOKEN: CLEVER_API_TOKEN,
      PROVIDER_CLEVER_VHOST_SCHEME: 'http',
      PROVIDER_POLL_INTERVAL: '50ms'
    }
  })
  t.equal(server.registry.size, 20)
  const responses = await Promise.all(Array.from({ length: 50 }, () => server.inject({ url: '/x', headers: { host: 'app-5.example.com' } })))
  t.ok(responses.every((r) => r.statusCode === 200 && r.json().app === 'app-5'))
  t.equal(api.startCalls(), 1, 'exactly one start')
  const before = api.calls.length
  await server.reconciler.tick()
  t.equal(api.calls.length - before, 4, 'a tick: organisations, then each of the three (the personal space is one)')
})

t.test('missing credentials are a clear configuration error', async (t) => {
  await t.rejects(build(t, { env: { PROVIDER_NAME: 'clever-cloud' } }), { message: /PROVIDER_CLEVER_OAUTH_CONSUMER_KEY is required with PROVIDER_NAME=clever-cloud/ })
  await t.rejects(build(t, { env: { PROVIDER_NAME: 'scalingo' } }), { message: /PROVIDER_SCALINGO_API_TOKEN is required/ })
})
