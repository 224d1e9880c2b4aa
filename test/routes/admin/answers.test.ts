// What the admin API answers must be true and stay private: no hour that has not happened, no day
// the calendar does not have, no cache, no countdown for an app that will not be stopped, and no
// page of this replica's memory for a cursor that only the database gave.
import t from 'tap'
import { appsYaml, build, freePort, ManualClock } from '../../helper'
import { startPostgres } from '../../postgres'

const TOKEN = 'answers-token'
const headers = { host: 'localhost', authorization: `Bearer ${TOKEN}` }
const NOW = Date.parse('2026-12-06T12:00:00Z')

t.test('/savings: a period ends at now; impossible dates are refused', async (t) => {
  const clock = new ManualClock(NOW)
  const server = await build(t, {
    clock,
    yaml: `${appsYaml([{ name: 'dozing', port: await freePort() }])}rules:\n  - pattern: dozing\n    cost_per_hour: 2\n`,
    env: { ROUTING_SYSTEM_API_TOKEN: TOKEN }
  })
  // Found stopped seconds ago; asked about the next ten days.
  clock.advance(10_000)
  const ahead = await server.inject({ url: '/savings?from=2026-12-06T12:00:00Z&to=2026-12-16T12:00:00Z', headers })
  t.equal(ahead.statusCode, 200)
  t.match(ahead.json(), { to: '2026-12-06T12:00:10.000Z', hoursAsleep: 0.003, saved: 0.01 }, 'ten seconds asleep, not 240 hours')
  const future = await server.inject({ url: '/savings?from=2026-12-10&to=2026-12-20', headers })
  t.equal(future.statusCode, 400)
  t.match(future.json(), { code: 'BAD_REQUEST', message: /`from` is in the future/ })
  const impossible = await server.inject({ url: '/savings?from=2026-02-31', headers })
  t.equal(impossible.statusCode, 400)
  t.match(impossible.json(), { message: 'from: 2026-02-31 is not a day of the calendar' })
})

t.test('admin answers carry Cache-Control: no-store; a failed app shows no countdown', async (t) => {
  const server = await build(t, {
    yaml: 'apps:\n  - name: broken\n    run: exit 1\n    port: 1\n',
    env: { ROUTING_SYSTEM_API_TOKEN: TOKEN, WAKE_TIMEOUT: '5s' }
  })
  const apps = await server.inject({ url: '/apps', headers })
  t.equal(apps.headers['cache-control'], 'no-store')
  t.equal((await server.inject({ url: '/events', headers })).headers['cache-control'], 'no-store')
  t.equal((await server.inject({ url: '/savings', headers })).headers['cache-control'], 'no-store')
  const start = await server.inject({ method: 'POST', url: '/apps/broken/start?wait=true', headers })
  t.equal(start.statusCode, 503)
  const broken = (await server.inject({ url: '/apps/broken', headers })).json()
  t.match(broken, { state: 'failed', timeLeftMs: null }, 'a failed app is not "stopped in 14 min"')
})

t.test('PostgreSQL: a cursor is always the database\'s, never answered from this replica\'s memory', async (t) => {
  const pg = await startPostgres(t)
  const server = await build(t, {
    yaml: appsYaml([{ name: 'paged', port: await freePort() }]),
    env: { ROUTING_SYSTEM_API_TOKEN: TOKEN, EVENTS_STORE_TYPE: 'postgres', DATABASE_URL: pg.url, STORE_TIMEOUT: '1s' }
  })
  await server.inject({ method: 'POST', url: '/apps/paged/start?wait=true', headers })
  const beyond = await server.inject({ url: '/events?before=99999999999999999999', headers })
  t.equal(beyond.statusCode, 200, 'a cursor beyond every id: every event is older')
  t.ok((beyond.json() as unknown[]).length >= 3)
  await pg.stop()
  const away = await server.inject({ url: '/events?before=5', headers })
  t.equal(away.statusCode, 503, 'the database away: a cursor cannot be answered from memory')
  t.match(away.json(), { code: 'EVENTS_UNAVAILABLE' })
  const first = await server.inject({ url: '/events', headers })
  t.equal(first.statusCode, 200, 'the first page still is, from memory')
})

t.test('a request the schema refuses is told in words: the values allowed, what a pattern stands for, what is missing (never a regex)', async (t) => {
  const server = await build(t, { yaml: appsYaml([{ name: 'demo', port: await freePort() }]), env: { ROUTING_SYSTEM_API_TOKEN: TOKEN } })
  const cases: Array<[string, string, string]> = [
    ['GET', '/apps?state=sleeping', 'state (in the query) must be one of: running, stopped, starting, stopping, failed, unknown'],
    ['POST', '/apps/demo/pin?for=2', 'for (in the query) must be a duration with its unit, as 30m, 2h or 1d (at most 30 days)'],
    ['POST', '/apps/demo/pin', 'the query needs "for"'],
    ['GET', '/events?limit=0', 'limit (in the query) must be >= 1'],
    ['GET', '/events?before=x', 'before (in the query) must be the id of the last event of the previous page, as an earlier answer gave it']
  ]
  for (const [method, url, message] of cases) {
    const response = await server.inject({ method: method as 'GET' | 'POST', url, headers })
    t.equal(response.statusCode, 400, url)
    t.same(response.json(), { statusCode: 400, code: 'BAD_REQUEST', error: 'Bad Request', message }, url)
  }
})
