// Pins: kept awake until a time, whatever the idleness; ended by hand; shared by the replicas.
import t from 'tap'
import { appsYaml, build, eventually, freePort, ManualClock } from '../../helper'
import { startRedis } from '../../redis'

const TOKEN = 'pin-token'
const headers = { host: 'localhost', authorization: `Bearer ${TOKEN}` }
const MINUTE = 60_000

t.test('a pin starts the app and keeps it up past its idle time, until it ends', async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-30T08:00:00Z'))
  const server = await build(t, {
    yaml: appsYaml([{ name: 'demo', port: await freePort() }]) + "rules:\n  - pattern: '^demo$'\n    app_max_idle_time: 15m\n",
    clock,
    env: { ROUTING_SYSTEM_API_TOKEN: TOKEN, REGISTRY_IGNORED_APPS: 'frozen' }
  })
  const pinned = await server.inject({ method: 'POST', url: '/apps/demo/pin?for=2h', headers })
  t.equal(pinned.statusCode, 202, 'stopped: pinned, and its start is under way')
  t.match(pinned.json(), { state: 'starting', pinnedUntil: '2026-11-30T10:00:00.000Z' })
  t.ok(await eventually(() => server.registry.get('demo')?.state === 'running', 10_000))
  t.match(server.events.list({ app: 'demo' }).map((e) => e.type), ['started', 'starting', 'pinned'])
  t.match(server.events.list({ app: 'demo', type: 'pinned' })[0], { cause: 'admin', message: 'kept awake until 2026-11-30T10:00:00.000Z' })

  clock.advance(119 * MINUTE)
  t.same((await server.reconciler.tick()).stopped, [], 'idle for 1 h 59 min, pinned: kept')
  t.match((await server.inject({ url: '/apps/demo', headers })).json(), { pinnedUntil: '2026-11-30T10:00:00.000Z', timeLeftMs: MINUTE })
  t.match(await server.lifecycle.stop('demo', 'idle'), { stopped: false, reason: 'active', message: /pinned until 2026-11-30T10:00:00/ },
    'an idle stop that got past the sweep is cancelled too')
  clock.advance(MINUTE)
  t.same((await server.reconciler.tick()).stopped, ['demo'], 'the pin over, the idle app is stopped at the next check')
  t.match((await server.inject({ url: '/apps/demo', headers })).json(), { pinnedUntil: null })

  // Ended by hand
  t.equal((await server.inject({ method: 'POST', url: '/apps/demo/pin?for=1d', headers })).statusCode, 202)
  t.ok(await eventually(() => server.registry.get('demo')?.state === 'running', 10_000))
  clock.advance(30 * MINUTE)
  t.same((await server.reconciler.tick()).stopped, [])
  const unpinned = await server.inject({ method: 'DELETE', url: '/apps/demo/pin', headers })
  t.match(unpinned.json(), { state: 'running', pinnedUntil: null })
  t.equal(server.events.list({ app: 'demo' })[0].type, 'unpinned')
  t.same((await server.reconciler.tick()).stopped, ['demo'], 'unpinned and idle: stopped')

  // A pinned app stopped by hand loses its pin.
  t.equal((await server.inject({ method: 'POST', url: '/apps/demo/pin?for=3h', headers })).statusCode, 202)
  t.ok(await eventually(() => server.registry.get('demo')?.state === 'running', 10_000))
  t.match((await server.inject({ method: 'POST', url: '/apps/demo/stop', headers })).json(), { stopped: true, app: { state: 'stopped', pinnedUntil: null } })

  // Bad asks
  for (const bad of ['2', 'never', '0s', '31d', '-1h', '2h;rm']) {
    const response = await server.inject({ method: 'POST', url: `/apps/demo/pin?for=${encodeURIComponent(bad)}`, headers })
    t.equal(response.statusCode, 400, `for=${bad} is refused`)
  }
  t.equal((await server.inject({ method: 'POST', url: '/apps/demo/pin', headers })).statusCode, 400, 'for is required')
  t.equal((await server.inject({ method: 'POST', url: '/apps/nope/pin?for=1h', headers })).statusCode, 404)
  t.equal((await server.inject({ method: 'POST', url: '/apps/demo/pin?for=1h', headers: { host: 'localhost' } })).statusCode, 401)
})

t.test('a pin is shared: set on one replica, it keeps the app up on the other; unpinned there too', async (t) => {
  const redis = await startRedis(t)
  const clock = new ManualClock(Date.parse('2026-11-30T08:00:00Z'))
  const yaml = appsYaml([{ name: 'shared', port: await freePort() }])
  const env = { ROUTING_SYSTEM_API_TOKEN: TOKEN, REGISTRY_TYPE: 'redis', REDIS_URL: redis.url, REGISTRY_REDIS_SYNC_INTERVAL: '100ms' }
  const [one, two] = [await build(t, { yaml, clock, env }), await build(t, { yaml, clock, env })]
  t.equal((await one.inject({ method: 'POST', url: '/apps/shared/pin?for=2h', headers })).statusCode, 202)
  t.ok(await eventually(() => two.registry.get('shared')?.pinnedUntil === Date.parse('2026-11-30T10:00:00Z')), 'the other replica has the pin')
  t.ok(await eventually(() => one.registry.get('shared')?.state === 'running' && !one.lifecycle.isBusy('shared'), 10_000))
  t.match(await two.lifecycle.stop('shared', 'idle'), { stopped: false, message: /pinned/ })
  await one.inject({ method: 'DELETE', url: '/apps/shared/pin', headers })
  t.ok(await eventually(() => two.registry.get('shared')?.pinnedUntil === null), 'and loses it when it ends')
})
