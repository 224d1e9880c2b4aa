import { readFileSync } from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { appsYaml, build, eventually, freePort, startsIn } from '../helper'

const lines = (file: string): string[] => {
  try { return readFileSync(file, 'utf8').trim().split('\n').filter((l) => l !== '') } catch { return [] }
}

t.test('100 concurrent requests to a stopped app: one start, one hook run each, all answered', async (t) => {
  const port = await freePort()
  const dir = t.testdir({})
  const startLog = path.join(dir, 'starts.log')
  const hookLog = path.join(dir, 'hooks.log')
  const server = await build(t, {
    yaml: appsYaml([{ name: 'hello', port, env: { START_LOG: startLog, READY_DELAY_MS: '300', APP_LABEL: 'hello' } }]),
    env: {
      HOOKS_BEFORE_START: `echo "$PAASTIS_HOOK $PAASTIS_APP_NAME" >> ${hookLog}`,
      HOOKS_AFTER_START: `echo "$PAASTIS_HOOK $PAASTIS_APP_NAME" >> ${hookLog}`
    }
  })
  t.equal(server.registry.get('hello')?.state, 'stopped', 'discovered as stopped')

  const responses = await Promise.all(Array.from({ length: 100 }, (_, i) =>
    server.inject({ url: `/req/${i}?n=${i}`, headers: { host: 'hello.proxy.example.com' } })))
  t.same(responses.map((r) => r.statusCode), Array(100).fill(200), 'all answered 200')
  t.ok(responses.every((r, i) => r.json().url === `/req/${i}?n=${i}` && r.json().app === 'hello'), 'each got the app body for its own path')
  t.equal(startsIn(startLog), 1, 'the app started exactly once')
  t.ok(responses.every((r) => Number(r.headers['x-paastis-wake']) >= 300), 'requests that waited for the wake say how long')
  t.ok(await eventually(() => lines(hookLog).length >= 2), 'hooks ran')
  t.same(lines(hookLog), ['before-start hello', 'after-start hello'], 'one before-start and one after-start')
  t.equal(server.registry.get('hello')?.state, 'running')

  const warm = await server.inject({ url: '/', headers: { host: 'hello.proxy.example.com' } })
  t.equal(warm.statusCode, 200)
  t.notOk('x-paastis-wake' in warm.headers, 'a warm request paid no wake')
})

t.test('a request to a running app makes no provider call', async (t) => {
  const port = await freePort()
  const server = await build(t, { yaml: appsYaml([{ name: 'hello', port }]) })
  await server.lifecycle.wake('hello', 'test')
  const calls: string[] = []
  const provider = server.provider
  for (const op of ['list', 'start', 'stop'] as const) {
    const original = provider[op].bind(provider) as (...args: unknown[]) => Promise<unknown>
    Object.assign(provider, { [op]: async (...args: unknown[]) => { calls.push(op); return original(...args) } })
  }
  const responses = await Promise.all(Array.from({ length: 50 }, () =>
    server.inject({ url: '/', headers: { host: 'hello.example.com' } })))
  t.ok(responses.every((r) => r.statusCode === 200))
  t.same(calls, [], 'no provider call on the warm path')
})

t.test('proxying keeps method, path, query, body and adds x-forwarded-*; Paastis headers never reach the app', async (t) => {
  const port = await freePort()
  const server = await build(t, { yaml: appsYaml([{ name: 'echo', port }]), env: { ROUTING_SYSTEM_API_TOKEN: 'secret-token' } })
  await server.lifecycle.wake('echo', 'test')
  const response = await server.inject({
    method: 'POST',
    url: '/items/42?sort=asc&tag=a&tag=b',
    headers: {
      host: 'echo.apps.example.com',
      'content-type': 'application/json',
      authorization: 'Bearer the-apps-own-token',
      paastisproxysystemapitoken: 'secret-token',
      paastisproxytarget: 'app'
    },
    payload: JSON.stringify({ hello: 'world' })
  })
  t.equal(response.statusCode, 200)
  const seen = response.json()
  t.equal(seen.method, 'POST')
  t.equal(seen.url, '/items/42?sort=asc&tag=a&tag=b')
  t.equal(seen.body, '{"hello":"world"}')
  t.equal(seen.headers['x-forwarded-host'], 'echo.apps.example.com')
  t.equal(seen.headers['x-forwarded-proto'], 'http')
  t.ok(seen.headers['x-forwarded-for'], 'x-forwarded-for set')
  t.equal(seen.headers.authorization, 'Bearer the-apps-own-token', "the app's Authorization passes untouched")
  t.notOk('paastisproxysystemapitoken' in seen.headers, 'the admin token is stripped')
  t.notOk('paastisproxytarget' in seen.headers, 'the routing header is stripped')
})

t.test('unknown hosts get 404 without provider call or registry growth', async (t) => {
  const port = await freePort()
  const server = await build(t, { yaml: appsYaml([{ name: 'hello', port }]) })
  let listed = 0
  const list = server.provider.list.bind(server.provider)
  server.provider.list = async () => { listed++; return list() }
  const before = server.registry.size
  const first = await server.inject({ url: '/', headers: { host: 'nope.example.com' } })
  t.equal(first.statusCode, 404)
  t.match(first.json(), { statusCode: 404, code: 'UNKNOWN_APP', error: 'Not Found', message: /No app is served at this host/ })
  for (let i = 0; i < 10_000; i += 500) {
    const batch = await Promise.all(Array.from({ length: 500 }, (_, j) =>
      server.inject({ url: '/', headers: { host: `stranger-${i + j}.example.com` } })))
    if (batch.some((r) => r.statusCode !== 404)) t.fail('an unknown host was not a 404')
  }
  t.equal(server.registry.size, before, 'no registry entry created')
  t.equal(listed, 0, 'no provider call')
  t.equal(server.hostRouter.cachedHosts, 0, 'no host of a stranger is remembered')
})

t.test('a malformed Host gets 400 and the process keeps serving', async (t) => {
  const port = await freePort()
  const server = await build(t, { yaml: appsYaml([{ name: 'hello', port }]) })
  for (const host of ['bad_host!', '-dash.example.com', 'a..b', 'x'.repeat(300), 'a.b:99999999', 'host with space']) {
    const response = await server.inject({ url: '/', headers: { host } })
    t.equal(response.statusCode, 400, `Host ${JSON.stringify(host.slice(0, 20))}`)
    t.equal(response.json().code, 'BAD_HOST')
  }
  const ok = await server.inject({ url: '/', headers: { host: 'hello.example.com' } })
  t.equal(ok.statusCode, 200, 'a good request still works')
})

t.test('an app whose process dies on start: waiting requests get 503, other apps keep working', async (t) => {
  const [bad, good] = [await freePort(), await freePort()]
  const server = await build(t, {
    yaml: appsYaml([{ name: 'broken', port: bad, env: { CRASH_ON_START: '1' } }, { name: 'fine', port: good }])
  })
  const responses = await Promise.all(Array.from({ length: 10 }, () =>
    server.inject({ url: '/', headers: { host: 'broken.example.com' } })))
  t.ok(responses.every((r) => r.statusCode === 503), 'all 503')
  t.match(responses[0].json(), { code: 'WAKE_FAILED', message: /broken could not be started: the process exited with code 1/ })
  t.equal(responses[0].headers['retry-after'], '10')
  t.equal(server.registry.get('broken')?.state, 'failed')
  t.match(server.events.list({ app: 'broken', type: 'start_failed' }), [{ message: /exited with code 1/ }])

  const browser = await server.inject({ url: '/', headers: { host: 'broken.example.com', accept: 'text/html' } })
  t.equal(browser.statusCode, 503)
  t.match(browser.headers['content-type'], /text\/html/)
  t.match(browser.body, /could not be started/, 'browsers get a short HTML page')

  const other = await server.inject({ url: '/', headers: { host: 'fine.example.com' } })
  t.equal(other.statusCode, 200, 'another app still wakes and answers')
})

t.test('an app that never answers: 503 WAKE_TIMEOUT with Retry-After after WAKE_TIMEOUT', async (t) => {
  const port = await freePort()
  const server = await build(t, {
    yaml: appsYaml([{ name: 'sloth', port, env: { READY_DELAY_MS: '60000' } }]),
    env: { WAKE_TIMEOUT: '700ms' }
  })
  const started = Date.now()
  const response = await server.inject({ url: '/', headers: { host: 'sloth.example.com' } })
  t.equal(response.statusCode, 503)
  t.equal(response.json().code, 'WAKE_TIMEOUT')
  t.equal(response.headers['retry-after'], '10', 'the failure backoff (WAKE_FAILURE_BACKOFF)')
  t.ok(Date.now() - started >= 600, 'waited for the timeout')
})

t.test('a linked app is started with its parent', async (t) => {
  const [front, back] = [await freePort(), await freePort()]
  const server = await build(t, {
    yaml: appsYaml([{ name: 'app-review-pr7-back', port: back }, { name: 'app-review-pr7-front', port: front }]) +
      "rules:\n  - pattern: 'app-review-pr(\\d+)-back'\n    linked_apps: ['app-review-pr$1-front']\n"
  })
  const response = await server.inject({ url: '/', headers: { host: 'app-review-pr7-back.example.com' } })
  t.equal(response.statusCode, 200)
  t.ok(await eventually(() => server.registry.get('app-review-pr7-front')?.state === 'running'), 'the linked app runs too')
})
