// The wake-up experience: readiness probes, aliases, ignored agents,
// backpressure, websockets, and stops that never cut a request.
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import t from 'tap'
import WebSocket from 'ws'
import { appsYaml, build, eventually, freePort, ManualClock, startsIn } from '../helper'

const MINUTE = 60_000

t.test('a probe with regex.body holds requests until the body says ready, though the app answers 200 earlier', async (t) => {
  const port = await freePort()
  const server = await build(t, {
    yaml: appsYaml([{ name: 'warm', port, env: { READY_BODY_AFTER_MS: '1200' } }]) +
      "rules:\n  - pattern: '^warm$'\n    ping:\n      path: /health\n      regex:\n        body: '^ready$'\n"
  })
  const response = await server.inject({ url: '/x', headers: { host: 'warm.example.com' } })
  t.equal(response.statusCode, 200)
  t.ok(Number(response.headers['x-paastis-wake']) >= 1200, `held until ready (${response.headers['x-paastis-wake']} ms)`)
})

t.test('with the default probe, an app answering 502 for its first second is not ready during that second', async (t) => {
  const port = await freePort()
  const server = await build(t, { yaml: appsYaml([{ name: 'boots', port, env: { BOOT_502_MS: '1000' } }]) })
  const response = await server.inject({ url: '/', headers: { host: 'boots.example.com' } })
  t.equal(response.statusCode, 200, 'the client never sees the 502')
  t.ok(Number(response.headers['x-paastis-wake']) >= 1000, `waited ${response.headers['x-paastis-wake']} ms`)
})

t.test('settle adds its delay once the probe passed', async (t) => {
  const [a, b] = [await freePort(), await freePort()]
  const server = await build(t, {
    yaml: appsYaml([{ name: 'quick', port: a, env: { READY_DELAY_MS: '500' } }, { name: 'settled', port: b }]) +
      "rules:\n  - pattern: '^settled$'\n    ping: { settle: 700ms }\n"
  })
  const quick = await server.inject({ url: '/', headers: { host: 'quick.example.com' } })
  t.equal(quick.statusCode, 200, 'an app that boots in 500 ms is served once it answers (the bench measures how soon)')
  const settled = await server.inject({ url: '/', headers: { host: 'settled.example.com' } })
  t.ok(Number(settled.headers['x-paastis-wake']) >= 700, 'settle delay applied')
})

t.test('a whitelisted alias and an ignored user agent neither wake nor keep awake', async (t) => {
  const clock = new ManualClock()
  const port = await freePort()
  const server = await build(t, {
    clock,
    yaml: appsYaml([{ name: 'site', port }]) + `rules:
  - pattern: '^site$'
    app_name: site
    app_max_idle_time: 10
    hosts: [www.site.test]
    aliases:
      - { host: status.site.test, whitelisted: true }
    ignore_user_agents: ['UptimeRobot', '^kube-probe/']
`
  })
  const asleep = await server.inject({ url: '/', headers: { host: 'status.site.test' } })
  t.equal(asleep.statusCode, 503)
  t.match(asleep.json(), { code: 'APP_ASLEEP', message: /does not wake it/ })
  const robot = await server.inject({ url: '/', headers: { host: 'site.example.com', 'user-agent': 'Mozilla/5.0 (UptimeRobot/2.0)' } })
  t.equal(robot.statusCode, 503, 'an ignored agent does not wake it')
  t.equal(server.registry.get('site')?.state, 'stopped')

  const exact = await server.inject({ url: '/', headers: { host: 'WWW.site.test:8080' } })
  t.equal(exact.statusCode, 200, 'an exact host wakes and reaches the app')
  t.equal(exact.json().app, 'site')

  clock.advance(6 * MINUTE)
  const viaAlias = await server.inject({ url: '/a', headers: { host: 'status.site.test' } })
  t.equal(viaAlias.statusCode, 200, 'the alias is proxied while the app runs')
  const viaProbe = await server.inject({ url: '/b', headers: { host: 'site.example.com', 'user-agent': 'kube-probe/1.29' } })
  t.equal(viaProbe.statusCode, 200, 'the ignored agent is proxied while the app runs')
  clock.advance(5 * MINUTE)
  t.same((await server.reconciler.tick()).stopped, ['site'], 'neither kept it awake')
})

t.test('2,000 requests to a sleeping app with WAKE_MAX_PENDING=500: 500 served, the rest 503 with Retry-After', async (t) => {
  const port = await freePort()
  const dir = t.testdir({})
  const startLog = path.join(dir, 'starts')
  const server = await build(t, {
    yaml: appsYaml([{ name: 'busy', port, env: { READY_DELAY_MS: '1500', START_LOG: startLog } }]),
    env: { WAKE_MAX_PENDING: '500' }
  })
  const heapBefore = process.memoryUsage().heapUsed
  const responses = await Promise.all(Array.from({ length: 2000 }, () =>
    server.inject({ url: '/', headers: { host: 'busy.example.com' } })))
  const served = responses.filter((r) => r.statusCode === 200)
  const refused = responses.filter((r) => r.statusCode === 503)
  t.equal(served.length, 500)
  t.equal(refused.length, 1500)
  t.ok(refused.every((r) => r.headers['retry-after'] === '5' && r.json().code === 'TOO_MANY_WAITING'))
  t.equal(startsIn(startLog), 1, 'one start')
  t.ok(process.memoryUsage().heapUsed - heapBefore < 200 * 1024 * 1024, 'memory stays bounded')
})

t.test('wake_timeout per rule, and wait_for_linked', async (t) => {
  const [a, b, c] = [await freePort(), await freePort(), await freePort()]
  const server = await build(t, {
    yaml: appsYaml([
      { name: 'impatient', port: a, env: { READY_DELAY_MS: '5000' } },
      { name: 'front', port: b },
      { name: 'back', port: c, env: { READY_DELAY_MS: '800' } }
    ]) + "rules:\n  - pattern: '^impatient$'\n    wake_timeout: 500ms\n  - pattern: '^front$'\n    linked_apps: [back]\n    wait_for_linked: true\n"
  })
  const impatient = await server.inject({ url: '/', headers: { host: 'impatient.example.com' } })
  t.equal(impatient.statusCode, 503)
  t.match(impatient.json(), { code: 'WAKE_TIMEOUT', message: /did not answer within 500 ms/ }, 'the rule\'s timeout, not the global one')
  const front = await server.inject({ url: '/', headers: { host: 'front.example.com' } })
  t.equal(front.statusCode, 200)
  t.equal(server.registry.get('back')?.state, 'running', 'released only once the linked app runs')
})

t.test('a request arriving during a stop is served after a fresh start', async (t) => {
  const port = await freePort()
  const dir = t.testdir({})
  const startLog = path.join(dir, 'starts')
  const server = await build(t, { yaml: appsYaml([{ name: 'phoenix', port, env: { STOP_DELAY_MS: '700', START_LOG: startLog } }]) })
  await server.lifecycle.wake('phoenix', 'test')
  const stopping = server.lifecycle.stop('phoenix', 'admin')
  t.ok(await eventually(() => server.registry.get('phoenix')?.state === 'stopping'))
  const response = await server.inject({ url: '/again', headers: { host: 'phoenix.example.com' } })
  t.equal(response.statusCode, 200, 'not dropped')
  t.match(await stopping, { stopped: true })
  t.equal(startsIn(startLog), 2, 'started afresh after the stop')
  t.equal(server.registry.get('phoenix')?.state, 'running')
})

t.test('a stop waits for a long response in flight, which counts as activity while it streams', async (t) => {
  const clock = new ManualClock()
  const port = await freePort()
  const server = await build(t, { clock, yaml: appsYaml([{ name: 'longpoll', port }]), env: { START_AND_STOP_MAX_IDLE_TIME: '1' } })
  await server.lifecycle.wake('longpoll', 'test')
  const slow = server.inject({ url: '/slow?ms=1500', headers: { host: 'longpoll.example.com' } })
  t.ok(await eventually(() => server.registry.inflightCount('longpoll') === 1))
  clock.advance(5 * MINUTE)
  t.same((await server.reconciler.tick()).stopped, [], 'not stopped while a response is in flight')
  t.equal((await slow).body, 'slow done')
  clock.advance(30_000)
  t.same((await server.reconciler.tick()).stopped, [], 'the end of the response counted as activity')
})

t.test('websockets: proxied through the wake path, an open one keeps the app awake', async (t) => {
  const clock = new ManualClock()
  const port = await freePort()
  const server = await build(t, { clock, yaml: appsYaml([{ name: 'chat', port }]), env: { START_AND_STOP_MAX_IDLE_TIME: '1' } })
  await server.listen({ port: 0, host: '127.0.0.1' })
  const { port: proxyPort } = server.server.address() as AddressInfo
  const socket = new WebSocket(`ws://127.0.0.1:${proxyPort}/`, { headers: { host: 'chat.localhost' } })
  t.teardown(() => socket.terminate())
  const messages: string[] = []
  socket.on('message', (data) => messages.push(String(data)))
  await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject) })
  t.equal(server.registry.get('chat')?.state, 'running', 'the upgrade woke the app')
  socket.send('hello')
  t.ok(await eventually(() => messages.includes('echo: hello')), 'echoed through Paastis')

  clock.advance(10 * MINUTE)
  t.same((await server.reconciler.tick()).stopped, [], 'an open websocket keeps the app awake')
  socket.send('still here')
  t.ok(await eventually(() => messages.includes('echo: still here')))

  socket.close()
  t.ok(await eventually(() => server.registry.inflightCount('chat') === 0), 'closed')
  clock.advance(2 * MINUTE)
  t.same((await server.reconciler.tick()).stopped, ['chat'], 'after it closes, stopped at the next due check')
})
