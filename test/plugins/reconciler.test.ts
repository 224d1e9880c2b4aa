import { existsSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { appsYaml, build, eventually, FIXTURE_APP, freePort, ManualClock, SEED_RULES } from '../helper'

const MINUTE = 60_000

t.test('idle apps are stopped at the next tick; active ones are not', async (t) => {
  const clock = new ManualClock()
  const [a, b] = [await freePort(), await freePort()]
  const server = await build(t, {
    clock,
    yaml: appsYaml([{ name: 'idle', port: a }, { name: 'busy', port: b }]),
    env: { START_AND_STOP_MAX_IDLE_TIME: '15' }
  })
  await server.lifecycle.wake('idle', 'test')
  await server.lifecycle.wake('busy', 'test')
  clock.advance(14 * MINUTE)
  t.same((await server.reconciler.tick()).stopped, [], 'nothing is idle for 15 minutes yet')
  t.equal((await server.inject({ url: '/', headers: { host: 'busy.example.com' } })).statusCode, 200)
  clock.advance(2 * MINUTE)
  const report = await server.reconciler.tick()
  t.same(report.stopped, ['idle'], 'only the idle app is stopped')
  t.equal(server.registry.get('idle')?.state, 'stopped')
  t.equal(server.registry.get('busy')?.state, 'running')
  t.equal(server.provider.failure?.(server.registry.get('idle')!), 'the process is not running', 'its process is gone')
  t.match(server.events.list({ app: 'idle' })[0], { type: 'stopped', cause: 'idle' })

  const again = await server.inject({ url: '/', headers: { host: 'idle.example.com' } })
  t.equal(again.statusCode, 200, 'a stopped app wakes on the next request')
})

t.test('idle limits of hours work (the seed wrapped every hour): 120 minutes → stopped at 121, not 119', async (t) => {
  const clock = new ManualClock()
  const port = await freePort()
  const server = await build(t, {
    clock,
    yaml: appsYaml([{ name: 'slow-idle', port }]) + "rules:\n  - pattern: 'slow-idle'\n    app_max_idle_time: 120\n"
  })
  await server.lifecycle.wake('slow-idle', 'test')
  t.equal(server.registry.get('slow-idle')?.maxIdleTimeMs, 120 * MINUTE)
  clock.advance(119 * MINUTE)
  t.same((await server.reconciler.tick()).stopped, [])
  clock.advance(2 * MINUTE)
  t.same((await server.reconciler.tick()).stopped, ['slow-idle'])
})

t.test('durations: 0 stops at the next check, never never stops, 2h and 1d work', async (t) => {
  const clock = new ManualClock()
  const ports = [await freePort(), await freePort(), await freePort()]
  const server = await build(t, {
    clock,
    yaml: appsYaml([{ name: 'zero', port: ports[0] }, { name: 'forever', port: ports[1] }, { name: 'daily', port: ports[2] }]) +
      "rules:\n  - pattern: '^zero$'\n    app_max_idle_time: 0\n  - pattern: '^forever$'\n    app_max_idle_time: never\n" +
      "  - pattern: '^daily$'\n    app_max_idle_time: 1d\n"
  })
  for (const name of ['zero', 'forever', 'daily']) await server.lifecycle.wake(name, 'test')
  t.same((await server.reconciler.tick()).stopped, ['zero'], '0 = stop at the next check')
  clock.advance(23 * 60 * MINUTE)
  t.same((await server.reconciler.tick()).stopped, [])
  clock.advance(2 * 60 * MINUTE)
  t.same((await server.reconciler.tick()).stopped, ['daily'], 'one day')
  clock.advance(365 * 24 * 60 * MINUTE)
  t.same((await server.reconciler.tick()).stopped, [], 'never is never')
})

t.test('a before-stop hook that exits 1 vetoes the stop', async (t) => {
  const clock = new ManualClock()
  const port = await freePort()
  const dir = t.testdir({})
  const veto = path.join(dir, 'veto')
  writeFileSync(veto, '')
  const server = await build(t, {
    clock,
    yaml: appsYaml([{ name: 'precious', port }]),
    env: { START_AND_STOP_MAX_IDLE_TIME: '1', HOOKS_BEFORE_STOP: `test ! -e ${veto}` }
  })
  await server.lifecycle.wake('precious', 'test')
  clock.advance(5 * MINUTE)
  t.same((await server.reconciler.tick()).stopped, [])
  t.equal(server.registry.get('precious')?.state, 'running')
  t.match(server.events.list({ app: 'precious', type: 'stop_vetoed' }), [{ cause: 'idle' }])
  t.match(server.events.list({ app: 'precious', type: 'hook_failed' }), [{ cause: 'before-stop' }])
  const { rmSync } = await import('node:fs')
  rmSync(veto)
  t.same((await server.reconciler.tick()).stopped, ['precious'], 'stopped once the hook allows it')
})

t.test("the seed's sample rules: a renamed app gets its options and is still stopped when idle", async (t) => {
  const clock = new ManualClock()
  const [back, front] = [await freePort(), await freePort()]
  const server = await build(t, {
    clock,
    yaml: appsYaml([{ name: 'renamed-app-pr123-back', port: back }, { name: 'app-review-pr123-front', port: front }]) + SEED_RULES
  })
  const response = await server.inject({ url: '/', headers: { host: 'app-review-pr123-back.proxy.example.com' } })
  t.equal(response.statusCode, 200)
  t.equal(response.json().app, 'renamed-app-pr123-back', 'the request reached the renamed app')
  const record = server.registry.get('renamed-app-pr123-back')
  t.equal(record?.maxIdleTimeMs, 30 * MINUTE)
  t.same(record?.linkedApps, ['app-review-pr123-front'])
  t.ok(await eventually(() => server.registry.get('app-review-pr123-front')?.state === 'running'), 'linked app started')
  clock.advance(31 * MINUTE)
  const report = await server.reconciler.tick()
  t.ok(report.stopped.includes('renamed-app-pr123-back'), 'the renamed app is stopped when idle')
})

t.test('REGISTRY_IGNORED_APPS (comma list, trimmed) are neither stopped nor woken', async (t) => {
  const clock = new ManualClock()
  const [a, b] = [await freePort(), await freePort()]
  const server = await build(t, {
    clock,
    yaml: appsYaml([{ name: 'keep', port: a }, { name: 'sleepy', port: b }]),
    env: { REGISTRY_IGNORED_APPS: ' keep , sleepy ,', START_AND_STOP_MAX_IDLE_TIME: '0' }
  })
  const response = await server.inject({ url: '/', headers: { host: 'sleepy.example.com' } })
  t.equal(response.statusCode, 503)
  t.equal(response.json().code, 'APP_IGNORED')
  t.equal(server.registry.get('sleepy')?.state, 'stopped', 'not woken')
  await server.provider.start(server.registry.get('keep')!)
  await server.reconciler.tick()
  t.ok(await eventually(() => server.registry.get('keep')?.state === 'running'), 'found running outside Paastis, once it answers its probe')
  clock.advance(60 * MINUTE)
  t.same((await server.reconciler.tick()).stopped, [], 'an ignored app is never stopped')
  t.ok(await eventually(async () => (await server.inject({ url: '/', headers: { host: 'keep.example.com' } })).statusCode === 200),
    'a running ignored app is still proxied')
})

t.test('discovery: apps started or stopped outside Paastis, and apps that disappear', async (t) => {
  const clock = new ManualClock()
  const port = await freePort()
  const dir = t.testdir({})
  const pidFile = path.join(dir, 'app.pid')
  const yaml = `apps:
  - name: outside
    start: node ${JSON.stringify(FIXTURE_APP)} > /dev/null 2>&1 & echo $! > ${pidFile}
    stop: kill $(cat ${pidFile}) && rm ${pidFile}
    status: test -f ${pidFile} && kill -0 $(cat ${pidFile})
    upstream: http://127.0.0.1:${port}
    env: { PORT: '${port}' }
`
  const configFile = path.join(dir, 'paastis.yml')
  writeFileSync(configFile, yaml)
  const server = await build(t, { clock, env: { PAASTIS_CONFIG_FILE: configFile, START_AND_STOP_MAX_IDLE_TIME: '10' } })
  t.teardown(async () => { if (existsSync(pidFile)) await server.provider.stop(server.registry.get('outside')!) })
  t.equal(server.registry.get('outside')?.state, 'stopped')

  await server.provider.start(server.registry.get('outside')!)
  clock.advance(60 * MINUTE)
  await server.reconciler.tick()
  t.not(server.registry.get('outside')?.state, 'running', 'not running for the proxy before it answers its probe')
  t.ok(await eventually(() => server.registry.get('outside')?.state === 'running'), 'a start outside Paastis is picked up once it answers')
  t.match(server.events.list({ app: 'outside' })[0], { type: 'started_outside' })
  clock.advance(9 * MINUTE)
  t.same((await server.reconciler.tick()).stopped, [], 'it gets a fresh grace period')
  clock.advance(2 * MINUTE)
  t.same((await server.reconciler.tick()).stopped, ['outside'], 'then it is stopped when idle')
  t.notOk(existsSync(pidFile), 'the stop command ran')
})

t.test('a six-field cron (with seconds) drives the check by itself', async (t) => {
  const port = await freePort()
  const server = await build(t, {
    yaml: appsYaml([{ name: 'quick', port }]),
    env: { START_AND_STOP_CHECKING_INTERVAL_CRON: '* * * * * *', START_AND_STOP_MAX_IDLE_TIME: '1s' }
  })
  t.equal((await server.inject({ url: '/', headers: { host: 'quick.example.com' } })).statusCode, 200)
  t.ok(await eventually(() => server.registry.get('quick')?.state === 'stopped', 8000), 'stopped by the scheduled check')
})

t.test('one failing app does not abort the tick', async (t) => {
  const clock = new ManualClock()
  const [a, b] = [await freePort(), await freePort()]
  const server = await build(t, { clock, yaml: appsYaml([{ name: 'a-app', port: a }, { name: 'b-app', port: b }]) })
  await server.lifecycle.wake('a-app', 'test')
  await server.lifecycle.wake('b-app', 'test')
  const stop = server.provider.stop.bind(server.provider)
  server.provider.stop = async (app) => {
    if (app.name === 'a-app') throw new Error('provider exploded')
    return stop(app)
  }
  clock.advance(20 * MINUTE)
  const report = await server.reconciler.tick()
  t.same(report.stopped, ['b-app'])
  t.equal(server.registry.get('a-app')?.state, 'running', 'a failed stop leaves the app as it was')
  t.match(server.events.list({ app: 'a-app', type: 'stop_failed' }), [{ message: /provider exploded/ }])
  server.provider.stop = stop
})
