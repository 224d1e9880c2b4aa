// The event history outlives the process: with PostgreSQL and with Redis, a restarted Paastis
// serves the events and figures of the one before. PostgreSQL away costs nothing but a delay:
// events wait in memory, the proxy serves, /readyz says so, and they are written once it is back.
import t from 'tap'
import { request } from 'undici'
import { appsYaml, build, eventually, freePort, ManualClock, type LogLine } from '../helper'
import { PG_PASSWORD, startPostgres } from '../postgres'
import { startRedis } from '../redis'

const TOKEN = 'history-token'
const DAY = Date.parse('2026-11-30T00:00:00Z')
const HOUR = 3_600_000
const auth = { host: 'localhost', authorization: `Bearer ${TOKEN}` }

t.test('events and savings survive a restart, with PostgreSQL and with Redis', async (t) => {
  const pg = await startPostgres(t)
  const redis = await startRedis(t)
  for (const [store, env] of [
    ['postgres', { EVENTS_STORE_TYPE: 'postgres', DATABASE_URL: pg.url }],
    ['redis', { EVENTS_STORE_TYPE: 'redis', REDIS_URL: redis.url }]
  ] as const) {
    t.test(store, async (t) => {
      const port = await freePort()
      const clock = new ManualClock(DAY)
      const yaml = appsYaml([{ name: `kept-${store}`, port }])
      const logs: LogLine[] = []
      const options = { yaml, clock, logs, env: { ROUTING_SYSTEM_API_TOKEN: TOKEN, ...env } }
      const first = await build(t, options)
      const app = `kept-${store}`
      t.equal((await first.inject({ method: 'POST', url: `/apps/${app}/start?wait=true`, headers: auth })).statusCode, 200)
      clock.advance(HOUR)
      t.equal((await first.inject({ method: 'POST', url: `/apps/${app}/stop`, headers: auth })).statusCode, 200)
      clock.advance(3 * HOUR)
      await first.close()

      const second = await build(t, options)
      const events = (await second.inject({ url: `/events?app=${app}`, headers: auth })).json() as Array<{ type: string }>
      t.same(events.filter((e) => e.type !== 'discovered').map((e) => e.type), ['stopped', 'stopping', 'started', 'starting'], 'the first process\'s events')
      const savings = (await second.inject({ url: '/savings?from=2026-11-30T00:00:00Z&to=2026-11-30T04:00:00Z', headers: auth })).json()
      t.match(savings, { hoursAsleep: 3, hoursRunning: 1 }, 'the figures of the first process, from its events')
      const records = await second.inject({ method: 'DELETE', url: '/apps', headers: auth })
      t.equal(records.statusCode, 204)
      t.equal(((await second.inject({ url: `/events?app=${app}`, headers: auth })).json() as unknown[]).length >= 4, true, 'clearing the registry keeps the history')
      t.notMatch(JSON.stringify(logs), PG_PASSWORD, 'the database password never reaches a log')
    })
  }
})

t.test('EVENTS_RETENTION: older events are deleted at start and every hour', async (t) => {
  const pg = await startPostgres(t)
  const clock = new ManualClock(DAY)
  const env = { ROUTING_SYSTEM_API_TOKEN: TOKEN, EVENTS_STORE_TYPE: 'postgres', DATABASE_URL: pg.url, EVENTS_RETENTION: '2d' }
  const yaml = appsYaml([{ name: 'old', port: await freePort() }])
  const first = await build(t, { yaml, clock, env })
  t.ok(await eventually(async () => (await pg.sql`SELECT count(*)::int AS n FROM paastis_events`)[0].n === 1), 'discovered, written')
  await first.close()
  clock.advance(3 * 24 * HOUR)
  const second = await build(t, { yaml, clock, env })
  t.ok(await eventually(async () => {
    const rows = await pg.sql<Array<{ at: Date }>>`SELECT at FROM paastis_events`
    return rows.length === 1 && rows[0].at.getTime() === DAY + 3 * 24 * HOUR
  }), 'the 3-day-old event is gone; the new discovery stays')
  await second.close()
})

t.test('PostgreSQL away: events wait in memory, the proxy serves, /readyz tells, all written when it is back', async (t) => {
  const pg = await startPostgres(t)
  const port = await freePort()
  const logs: LogLine[] = []
  const server = await build(t, {
    yaml: appsYaml([{ name: 'busy', port }]),
    listen: true,
    logs,
    env: { ROUTING_SYSTEM_API_TOKEN: TOKEN, EVENTS_STORE_TYPE: 'postgres', DATABASE_URL: pg.url }
  })
  const count = async (): Promise<number> => (await pg.sql`SELECT count(*)::int AS n FROM paastis_events`)[0].n
  t.ok(await eventually(async () => await count() === 1))
  await pg.stop(true)

  const { port: paastis } = server.server.address() as { port: number }
  const visit = await request(`http://127.0.0.1:${paastis}/`, { headers: { host: 'busy.example.com' } })
  t.equal(visit.statusCode, 200, 'the wake and the proxy do not wait for the database')
  t.match(await visit.body.json(), { app: 'busy' })
  t.ok(await eventually(() => server.events.health() !== undefined, 15_000), 'the store reports itself away')
  const ready = await server.inject({ url: '/readyz', headers: { host: 'localhost' } })
  t.equal(ready.statusCode, 200, 'still in rotation: history is not the request path')
  t.match(ready.json().checks.events, /^PostgreSQL does not answer \(.+\): \d+ events buffered in memory$/)
  const recent = (await server.inject({ url: '/events?app=busy', headers: auth })).json() as Array<{ type: string }>
  t.same(recent.map((e) => e.type), ['started', 'starting', 'discovered'], "meanwhile /events serves this replica's memory")
  t.equal(logs.filter((line) => /events are buffered in memory/.test(line.msg)).length, 1, 'one warning per outage, not one per event')
  const gauge = async (): Promise<string | undefined> => /^paastis_events_buffered (\d+)$/m.exec((await server.inject({ url: '/metrics', headers: auth })).body)?.[1]
  t.equal(await gauge(), '2', 'the metric says how many wait (the PaastisEventStoreBuffering alert reads it)')

  await pg.start()
  t.ok(await eventually(async () => await count() === 3, 15_000), 'the buffered events are written once it is back')
  t.ok(await eventually(() => server.events.health() === undefined))
  t.equal((await server.inject({ url: '/readyz', headers: { host: 'localhost' } })).json().checks.events, 'ok')
  t.equal(await gauge(), '0', 'and 0 once written')
  const types = await pg.sql<Array<{ type: string }>>`SELECT type FROM paastis_events ORDER BY id`
  t.same(types.map((row) => row.type), ['discovered', 'starting', 'started'], 'in their order')
  t.notMatch(JSON.stringify(logs), PG_PASSWORD)
})

t.test('PostgreSQL away at start: Paastis starts, migrates and writes once it answers', async (t) => {
  const pg = await startPostgres(t)
  await pg.stop()
  const server = await build(t, {
    yaml: appsYaml([{ name: 'early', port: await freePort() }]),
    env: { ROUTING_SYSTEM_API_TOKEN: TOKEN, EVENTS_STORE_TYPE: 'postgres', DATABASE_URL: pg.url }
  })
  t.ok(server.registry.get('early'), 'the apps are listed')
  t.ok(await eventually(() => server.events.health() !== undefined, 15_000))
  await pg.start()
  t.ok(await eventually(async () => {
    try {
      return (await pg.sql`SELECT count(*)::int AS n FROM paastis_events`)[0].n === 1
    } catch {
      return false
    }
  }, 15_000), 'schema created and the discovery written')
})

t.test('bad settings are clear errors at start', async (t) => {
  await t.rejects(build(t, { env: { EVENTS_STORE_TYPE: 'postgres' } }), /DATABASE_URL is required with EVENTS_STORE_TYPE=postgres/)
  await t.rejects(build(t, { env: { EVENTS_STORE_TYPE: 'redis' } }), /REGISTRY_REDIS_URL \(or REDIS_URL\) is required with EVENTS_STORE_TYPE=redis/)
  await t.rejects(build(t, { env: { EVENTS_STORE_TYPE: 'mysql' } }), /EVENTS_STORE_TYPE/)
  await t.rejects(build(t, { env: { EVENTS_STORE_TYPE: 'postgres', DATABASE_URL: 'mysql://x' } }), /DATABASE_URL/)
  await t.rejects(build(t, { env: { EVENTS_RETENTION: 'forever' } }), /EVENTS_RETENTION/)
})
