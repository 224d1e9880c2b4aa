// Apps' lives against faults, with real processes, a real Redis and a fake PaaS API: failed
// wakes, crashes, kills, a provider that lies or hangs, replicas, clock jumps. For each: no 500 of
// Paastis's own, no orphan process, no lost state, every app's state true within one check.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { request } from 'undici'
import { loadPaastisFile } from '../../lib/config/paastis-file'
import { FakeScalingo, SCALINGO_TOKEN } from '../fakes/scalingo'
import { appsYaml, build, eventually, freePort, ManualClock, portOf, startsIn, type LogLine } from '../helper'
import { reportOpenHandles } from '../open-handles'
import { startRedis } from '../redis'
import { runPaastis, type PaastisProcess } from './paastis-process'

const MINUTE = 60_000

/** Whether something answers HTTP on the port. */
async function answers (port: number): Promise<boolean> {
  try {
    const response = await request(`http://127.0.0.1:${port}/`, { headersTimeout: 1000 })
    await response.body.dump()
    return true
  } catch {
    return false
  }
}

reportOpenHandles(t)

t.test('1. a wake that times out stops what it started; the app is never running before its probe passes', async (t) => {
  const clock = new ManualClock()
  const port = await freePort()
  const server = await build(t, {
    clock,
    yaml: appsYaml([{ name: 'sloth', port, env: { READY_DELAY_MS: '1500' } }]),
    env: { WAKE_TIMEOUT: '500ms', WAKE_FAILURE_BACKOFF: '10s' }
  })
  const first = await server.inject({ url: '/', headers: { host: 'sloth.example.com' } })
  t.equal(first.statusCode, 503)
  t.equal(first.json().code, 'WAKE_TIMEOUT')
  t.match(server.events.list({ app: 'sloth', type: 'start_failed' })[0], { message: /what was started is stopped again/ })
  await sleep(1600)
  t.notOk(await answers(port), 'the half-started process was stopped: it never came up')
  await server.reconciler.tick()
  t.equal(server.registry.get('sloth')?.state, 'failed', 'the next check does not call it running')
  const during = await server.inject({ url: '/', headers: { host: 'sloth.example.com' } })
  t.equal(during.statusCode, 503, 'no 500, no ECONNREFUSED')
  t.equal(during.json().code, 'WAKE_BACKOFF')
})

t.test('2. an app that dies after it was ready: browsers wait on the page for a fresh wake', async (t) => {
  const port = await freePort()
  const server = await build(t, { listen: true, yaml: appsYaml([{ name: 'web', port, env: { READY_DELAY_MS: '300' } }]), env: { WAKE_STRATEGY: 'page', WAITING_PAGE_AFTER: '0s' } })
  await server.lifecycle.wake('web', 'test')
  await server.provider.stop(server.registry.get('web')!) // a crash, an OOM kill, a deploy
  const page = await request(`http://127.0.0.1:${portOf(server)}/`, { headers: { host: 'web.example.com', accept: 'text/html' } })
  t.equal(page.statusCode, 503)
  t.match(await page.body.text(), /Waking/, 'the waiting page, not an error')
  t.ok(await eventually(() => server.registry.get('web')?.state === 'running'), 'woken again')
  t.match(server.events.list({ app: 'web' }).map((e) => e.type), ['started', 'starting', 'unreachable'])
})

t.test('3. a failed wake is backed off: one boot per backoff, not one per request; an admin start still tries', async (t) => {
  const clock = new ManualClock()
  const port = await freePort()
  const dir = t.testdir({})
  const starts = path.join(dir, 'starts.log')
  const server = await build(t, {
    clock,
    yaml: appsYaml([{ name: 'crashy', port, env: { CRASH_ON_START: '1', START_LOG: starts } }]),
    env: { ROUTING_SYSTEM_API_TOKEN: 'token', WAKE_FAILURE_BACKOFF: '10s', WAKE_FAILURE_BACKOFF_MAX: '25s' }
  })
  const answersOf = []
  for (let i = 0; i < 20; i++) answersOf.push(await server.inject({ url: '/', headers: { host: 'crashy.example.com' } }))
  t.equal(startsIn(starts), 1, '20 requests: one boot attempt')
  t.ok(answersOf.every((r) => r.statusCode === 503))
  t.same(answersOf.slice(1).map((r) => r.json().code), Array(19).fill('WAKE_BACKOFF'))
  t.match(answersOf[1].json().message, /exited with code 1.*1 failed wakes in a row; next try in 10 s/)
  t.equal(answersOf[1].headers['retry-after'], '10')
  const forced = await server.inject({ method: 'POST', url: '/apps/crashy/start?wait=true', headers: { host: 'localhost', authorization: 'Bearer token' } })
  t.equal(forced.statusCode, 503, 'the admin start tried (and failed again)')
  t.equal(startsIn(starts), 2)
  t.match(forced.json().message, /could not be started/)
  const admin = await server.inject({ url: '/apps/crashy', headers: { host: 'localhost', authorization: 'Bearer token' } })
  t.match(admin.json(), { state: 'failed', failedWakes: 2, lastError: /exited with code 1/ }, 'the last error in the admin API')
  clock.advance(21_000)
  const again = await server.inject({ url: '/', headers: { host: 'crashy.example.com' } })
  t.equal(again.json().code, 'WAKE_FAILED', 'after the backoff, a request tries again')
  t.equal(startsIn(starts), 3)
  t.equal(again.headers['retry-after'], '25', 'the backoff doubled, capped at WAKE_FAILURE_BACKOFF_MAX')
})

const run = (env: Record<string, string>): PaastisProcess => runPaastis([], { HOST: '127.0.0.1', ...env })

t.test('4. a killed Paastis leaves no orphan to the next; a shutdown past its grace period still stops the apps and exits 0', async (t) => {
  const [port, appPort] = [await freePort(), await freePort()]
  const dir = t.testdir({ 'paastis.yml': appsYaml([{ name: 'hello', port: appPort }]) })
  const env = { PORT: String(port), PAASTIS_CONFIG_FILE: path.join(dir, 'paastis.yml'), PAASTIS_STATE_DIR: path.join(dir, 'state'), SHUTDOWN_GRACE_PERIOD: '1s' }
  const first = run(env)
  t.teardown(() => { first.child.kill('SIGKILL') })
  t.ok(await eventually(() => first.output().includes('Server listening'), 60_000), 'started (a deadline for a hang: a start beside two CPU burners took over 10 s)')
  const woke = await request(`http://127.0.0.1:${port}/`, { headers: { host: 'hello.localhost' } })
  const { pid } = await woke.body.json() as { pid: number }
  first.child.kill('SIGKILL')
  await first.exit
  t.ok(await answers(appPort), 'the app outlived the killed Paastis')

  const second = run(env)
  t.teardown(() => { second.child.kill('SIGKILL') })
  t.ok(await eventually(() => second.output().includes('Server listening'), 60_000), 'started')
  t.match(second.output(), /stopping the app process a previous Paastis left running/)
  t.notOk(await answers(appPort), 'the orphan is stopped')
  const fresh = await request(`http://127.0.0.1:${port}/`, { headers: { host: 'hello.localhost' } })
  t.equal(fresh.statusCode, 200, 'and the app wakes afresh, no "port in use"')
  t.not((await fresh.body.json() as { pid: number }).pid, pid)

  // An endless response holds the drain: the grace period ends it.
  const socket = net.connect(port, '127.0.0.1')
  socket.on('error', () => {})
  socket.write('GET /stream HTTP/1.1\r\nHost: hello.localhost\r\n\r\n')
  await once(socket, 'data')
  second.child.kill('SIGTERM')
  t.equal(await second.exit, 0, 'exit 0 once the grace period is over')
  t.match(second.output(), /requests still open after SHUTDOWN_GRACE_PERIOD/)
  t.notOk(await answers(appPort), 'the app it spawned is stopped')
  socket.destroy()
})

t.test('5. a listing that suddenly loses every app is suspect: kept until it persists', async (t) => {
  const api = new FakeScalingo()
  await api.listen()
  t.teardown(() => api.close())
  for (const name of ['one', 'two', 'three']) await api.addApp(name, { web: 2 })
  const server = await build(t, {
    env: {
      PROVIDER_NAME: 'scalingo',
      PROVIDER_SCALINGO_API_TOKEN: SCALINGO_TOKEN,
      PROVIDER_SCALINGO_AUTH_URL: api.baseUrl,
      PROVIDER_POLL_INTERVAL: '50ms',
      DISCOVERY_SUSPECT_CHECKS: '3',
      ROUTING_SYSTEM_API_TOKEN: 'token',
      METRICS_PUBLIC: 'true'
    }
  })
  await server.lifecycle.stop('one', 'admin')
  t.same(server.registry.get('one')?.formation, { web: 2 }, 'formation remembered at stop')
  // Two regions: two listing calls a check.
  api.fail('GET', /\/v1\/apps$/, { status: 200, body: '{"apps":[]}' }, 6)
  await server.reconciler.tick()
  t.equal(server.registry.size, 3, 'an empty listing forgets nothing')
  const ready = await server.inject({ url: '/readyz', headers: { host: 'localhost' } })
  t.match(ready.json().checks, { discovery: /lost 3 of 3 apps at once/ })
  const metrics = await server.inject({ url: '/metrics', headers: { host: 'localhost' } })
  t.match(metrics.body, /paastis_discovery_suspect 1/)
  await server.reconciler.tick()
  t.equal(server.registry.size, 3, 'still kept at the second check')
  await server.reconciler.tick()
  t.equal(server.registry.size, 0, 'accepted once it persisted DISCOVERY_SUSPECT_CHECKS checks')
  api.apps.delete('two')
  await server.reconciler.tick()
  t.same(server.registry.list().map((r) => r.name).sort(), ['one', 'three'], 'back when listed again; a single deletion is believed at once')
  t.equal((await server.inject({ url: '/metrics', headers: { host: 'localhost' } })).body.match(/^paastis_discovery_suspect (\d)$/m)?.[1], '0')
})

t.test('6. failed admin authentications are rate-limited per address and logged without the token; ADMIN_ALLOW', async (t) => {
  const logs: LogLine[] = []
  const server = await build(t, { listen: true, logs, env: { ROUTING_SYSTEM_API_TOKEN: 'the-real-token' } })
  const statuses: number[] = []
  for (let i = 0; i < 200; i++) {
    const response = await request(`http://127.0.0.1:${portOf(server)}/apps`, { headers: { host: 'localhost', authorization: `Bearer guess-${i}` } })
    statuses.push(response.statusCode)
    await response.body.dump()
  }
  t.same(statuses.slice(0, 10), Array(10).fill(401))
  t.ok(statuses.slice(10).every((s) => s === 429), 'then 429')
  const warned = logs.filter((line) => line.msg === 'admin authentication failed')
  t.equal(warned.length, 10, 'one warn line per failure up to the limit')
  t.ok(warned.every((line) => line.level === 40 && line.address === '127.0.0.1'))
  t.notOk(JSON.stringify(logs).includes('guess-'), 'never the presented token')
  const good = await request(`http://127.0.0.1:${portOf(server)}/apps`, { headers: { host: 'localhost', authorization: 'Bearer the-real-token' } })
  t.equal(good.statusCode, 429, 'the address waits out its window, even with the right token')
  await good.body.dump()

  const closed = await build(t, { listen: true, env: { ROUTING_SYSTEM_API_TOKEN: 'the-real-token', ADMIN_ALLOW: '10.0.0.0/8' } })
  const outside = await request(`http://127.0.0.1:${portOf(closed)}/apps`, { headers: { host: 'localhost', authorization: 'Bearer the-real-token' } })
  t.equal(outside.statusCode, 403)
  t.match(await outside.body.json(), { code: 'ADMIN_FORBIDDEN' })
})

t.test('7. a huge paastis.yml or an alias bomb is refused at once, naming the limit', async (t) => {
  const dir = t.testdir({})
  const huge = path.join(dir, 'huge.yml')
  writeFileSync(huge, `rules:\n${"  - pattern: 'x'\n".repeat(400_000)}`)
  const started = Date.now()
  await t.rejects(loadPaastisFile(huge, true), { message: /huge\.yml: is \d+ bytes: larger than the 1048576 bytes a paastis\.yml may have/ })
  t.ok(Date.now() - started < 5000, 'not read')
  const bomb = path.join(dir, 'bomb.yml')
  const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
  for (let i = 1; i < 9; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`)
  writeFileSync(bomb, `${levels.join('\n')}\nrules: []\n`)
  await t.rejects(loadPaastisFile(bomb, true), { message: /bomb\.yml: refused: .*alias/i })
})

t.test('8. an exchange open on one replica keeps another replica from stopping its app', async (t) => {
  const redis = await startRedis(t)
  const port = await freePort()
  const yaml = "apps:\n  - name: shared\n    start: 'true'\n    stop: 'true'\n    status: 'true'\n" + `    upstream: http://127.0.0.1:${port}\n`
  const upstream = spawn(process.execPath, [path.join(__dirname, '..', 'fixtures', 'app.js')], { env: { ...process.env, PORT: String(port) }, stdio: 'ignore' })
  t.teardown(() => { upstream.kill('SIGKILL') })
  await eventually(() => answers(port))
  const env = { REGISTRY_TYPE: 'redis', REGISTRY_REDIS_URL: redis.url, REGISTRY_REDIS_SYNC_INTERVAL: '100ms', START_AND_STOP_MAX_IDLE_TIME: '5s' }
  const a = await build(t, { listen: true, yaml, env })
  const clockB = new ManualClock()
  const b = await build(t, { yaml, env, clock: clockB })
  t.ok(await eventually(() => a.registry.get('shared')?.state === 'running'))
  const socket = net.connect(portOf(a), '127.0.0.1')
  socket.on('error', () => {})
  socket.write('GET /stream HTTP/1.1\r\nHost: shared.example.com\r\n\r\n')
  await once(socket, 'data')
  await sleep(400) // a sync or two
  clockB.advance(MINUTE)
  t.same((await b.reconciler.tick()).stopped, [], 'replica B does not cut the stream replica A serves')
  t.match(b.events.list({ app: 'shared', type: 'stop_cancelled' })[0], { message: /open on other replicas/ })
  socket.destroy()
  t.ok(await eventually(() => a.registry.inflightCount('shared') === 0))
  await sleep(5200) // a replica runs at most one check in 5 s (the tick lock)
  clockB.advance(MINUTE)
  t.same((await b.reconciler.tick()).stopped, ['shared'], 'once it ended, B stops the app')
})

t.test('9. a slow provider at start-up: Paastis listens at once, /readyz says why, requests get a clear 503', async (t) => {
  const api = new FakeScalingo()
  await api.listen()
  t.teardown(() => api.close())
  await api.addApp('late', { web: 1 })
  api.fail('GET', /\/v1\/apps$/, { status: 429, headers: { 'retry-after': '20' } }, 100)
  const started = Date.now()
  const server = await build(t, {
    listen: true,
    env: {
      PROVIDER_NAME: 'scalingo',
      PROVIDER_SCALINGO_API_TOKEN: SCALINGO_TOKEN,
      PROVIDER_SCALINGO_AUTH_URL: api.baseUrl,
      ROUTING_SYSTEM_API_TOKEN: 'token'
    },
    waitDiscovery: false
  })
  t.ok(Date.now() - started < 5000, 'listening at once')
  const ready = await request(`http://127.0.0.1:${portOf(server)}/readyz`, { headers: { host: 'localhost' } })
  t.equal(ready.statusCode, 503)
  t.match(await ready.body.json(), { checks: { provider: /has not listed the apps yet/ } })
  const waited = Date.now()
  const response = await request(`http://127.0.0.1:${portOf(server)}/`, { headers: { host: 'late.example.com' } })
  t.equal(response.statusCode, 503)
  t.match(await response.body.json(), { code: 'DISCOVERY_PENDING' })
  t.equal(response.headers['retry-after'], '5')
  t.ok(Date.now() - waited >= 9000, 'it waited (bounded) for the first listing')
})

t.test('faults around wakes and clocks', async (t) => {
  await t.test('an app that exits during its probe: 503 WAKE_FAILED, nothing left running', async (t) => {
    const port = await freePort()
    const server = await build(t, {
      yaml: 'apps:\n  - name: flaky\n' + `    run: node -e "setTimeout(() => process.exit(3), 300)"\n    port: ${port}\n`,
      env: { WAKE_TIMEOUT: '5s' }
    })
    const response = await server.inject({ url: '/', headers: { host: 'flaky.example.com' } })
    t.equal(response.statusCode, 503)
    t.match(response.json(), { code: 'WAKE_FAILED', message: /exited with code 3/ })
    t.equal(server.registry.get('flaky')?.state, 'failed')
  })

  await t.test('an app that exits during the drain of its stop: stopped, no error', async (t) => {
    const port = await freePort()
    const server = await build(t, { listen: true, yaml: appsYaml([{ name: 'drain', port }]) })
    await server.lifecycle.wake('drain', 'test')
    const slow = request(`http://127.0.0.1:${portOf(server)}/slow?ms=800`, { headers: { host: 'drain.example.com' } }).catch((err: Error) => err)
    await sleep(100)
    const stop = server.lifecycle.stop('drain', 'admin')
    await sleep(100)
    process.kill((await (await request(`http://127.0.0.1:${port}/`)).body.json() as { pid: number }).pid, 'SIGKILL')
    const result = await stop
    t.equal(result.stopped, true)
    t.equal(server.registry.get('drain')?.state, 'stopped')
    const answer = await slow
    t.ok(answer instanceof Error || answer.statusCode === 502, 'the cut request is an error, not a hang')
    t.equal(server.registry.inflightCount('drain'), 0)
  })

  await t.test('clock jumps: backwards stops nothing early, a day forward stops each idle app once', async (t) => {
    const clock = new ManualClock()
    const [a, b] = [await freePort(), await freePort()]
    const server = await build(t, { clock, yaml: appsYaml([{ name: 'a-app', port: a }, { name: 'b-app', port: b }]), env: { START_AND_STOP_MAX_IDLE_TIME: '10' } })
    await server.lifecycle.wake('a-app', 'test')
    await server.lifecycle.wake('b-app', 'test')
    clock.advance(-3 * 3_600_000)
    t.same((await server.reconciler.tick()).stopped, [], 'nothing stopped when the clock goes back')
    clock.advance(27 * 3_600_000)
    t.same((await server.reconciler.tick()).stopped.sort(), ['a-app', 'b-app'])
    t.same((await server.reconciler.tick()).stopped, [], 'once')
  })

  await t.test('Redis goes away mid-wake and comes back: the wake completes, no duplicate start', async (t) => {
    const redis = await startRedis(t)
    const port = await freePort()
    const dir = t.testdir({})
    const starts = path.join(dir, 'starts.log')
    const server = await build(t, {
      yaml: appsYaml([{ name: 'r-app', port, env: { READY_DELAY_MS: '600', START_LOG: starts } }]),
      env: { REGISTRY_TYPE: 'redis', REGISTRY_REDIS_URL: redis.url, REGISTRY_REDIS_SYNC_INTERVAL: '100ms' }
    })
    const wake = server.inject({ url: '/', headers: { host: 'r-app.example.com' } })
    await sleep(200)
    await redis.stop()
    const response = await wake
    t.equal(response.statusCode, 200, 'served')
    await redis.start()
    t.ok(await eventually(async () => JSON.parse(await redis.client.hget('paastis:apps', 'r-app') ?? '{}').state === 'running', 5000), 'written back to Redis')
    t.equal(startsIn(starts), 1, 'one start')
  })
})
