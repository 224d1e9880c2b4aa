// keep_awake, prewarm and sleep_at on real apps, with an injected clock walking across the
// spring DST change in Paris (Sunday 2026-03-29: 08:00 is 07:00 UTC before, 06:00 UTC after).
import t from 'tap'
import { appsYaml, build, eventually, freePort, ManualClock } from '../helper'

const at = (iso: string): number => Date.parse(iso)

t.test('a keep_awake window with prewarm, and sleep_at, across a DST change', async (t) => {
  const clock = new ManualClock(at('2026-03-27T06:00:00Z')) // Friday 07:00 in Paris
  const yaml = `${appsYaml([{ name: 'office', port: await freePort() }, { name: 'evening', port: await freePort() }, { name: 'vetoed', port: await freePort() }])}
rules:
  - pattern: '^office$'
    app_max_idle_time: 15m
    keep_awake: ['Mon-Fri 08:00-19:00']
    timezone: Europe/Paris
    prewarm: true
  - pattern: '^(evening|vetoed)$'
    app_max_idle_time: never
    sleep_at: '0 20 * * *'
    timezone: Europe/Paris
`
  const server = await build(t, { yaml, clock, env: { ROUTING_SYSTEM_API_TOKEN: 'tk', HOOKS_BEFORE_STOP: 'test "$PAASTIS_APP_NAME" != vetoed' } })
  const headers = { host: 'localhost', authorization: 'Bearer tk' }
  const tickAt = async (iso: string) => {
    clock.advance(at(iso) - clock.now())
    return await server.reconciler.tick()
  }
  const running = async (name: string) => await eventually(() => server.registry.get(name)?.state === 'running', 10_000)

  await tickAt('2026-03-27T06:59:00Z')
  t.equal(server.registry.get('office')?.state, 'stopped', '07:59 Paris: not prewarmed yet')
  await tickAt('2026-03-27T07:00:00Z')
  t.ok(await running('office'), '08:00 Paris: prewarmed, before any visitor')
  t.match(server.events.list({ app: 'office' })[1], { type: 'starting', cause: 'schedule' })
  const office = (await server.inject({ url: '/apps/office', headers })).json()
  t.match(office.schedule, {
    timezone: 'Europe/Paris',
    keepAwake: ['Mon-Fri 08:00-19:00'],
    prewarm: true,
    sleepAt: null,
    keptAwakeUntil: '2026-03-27T18:00:00.000Z',
    summary: 'kept awake until Fri 19:00 (Europe/Paris)'
  })
  t.equal(office.timeLeftMs, 11 * 3_600_000, 'it stops at the end of the window, not 15 min after its start')
  t.same((await tickAt('2026-03-27T17:59:00Z')).stopped, [], '18:59 Paris, idle for hours: kept awake')
  t.match(await server.lifecycle.stop('office', 'idle'), { stopped: false, message: /kept awake until 2026-03-27T18:00:00\.000Z \(keep_awake\)/ })
  t.same((await tickAt('2026-03-27T18:00:00Z')).stopped, ['office'], '19:00 Paris: the window closed, idle: stopped')

  // Saturday: evening and vetoed run, busy; 20:00 Paris (19:00 UTC, winter time) stops them anyway.
  clock.advance(at('2026-03-28T18:00:00Z') - clock.now())
  await server.lifecycle.wake('evening', 'test')
  await server.lifecycle.wake('vetoed', 'test')
  clock.advance(59 * 60_000)
  server.registry.touch(server.registry.get('evening')!, clock.now())
  t.same((await tickAt('2026-03-28T18:59:00Z')).stopped, [])
  t.same((await tickAt('2026-03-28T19:00:00Z')).stopped, ['evening'], 'sleep_at, whatever its activity')
  t.match(server.events.list({ app: 'evening' })[0], { type: 'stopped', cause: 'schedule' })
  t.match(server.events.list({ app: 'vetoed', type: 'stop_vetoed' })[0], { cause: 'schedule' }, 'the before-stop hook can still veto it')
  t.equal(server.registry.get('vetoed')?.state, 'running')
  t.same((await tickAt('2026-03-28T19:05:00Z')).stopped, [], 'once per sleep_at, not at every tick after it')

  // Sunday, summer time: 20:00 Paris is 18:00 UTC.
  clock.advance(at('2026-03-29T17:00:00Z') - clock.now())
  await server.lifecycle.wake('evening', 'test')
  const evening = (await server.inject({ url: '/apps/evening', headers })).json()
  t.match(evening.schedule, { sleepAt: '0 20 * * *', nextSleepAt: '2026-03-29T18:00:00.000Z', summary: 'stopped at Sun 20:00 (Europe/Paris)' })
  t.same((await tickAt('2026-03-29T17:59:00Z')).stopped, [])
  t.same((await tickAt('2026-03-29T18:00:00Z')).stopped, ['evening'], '20:00 Paris after the change is 18:00 UTC')

  // Monday: 08:00 Paris is now 06:00 UTC.
  await tickAt('2026-03-30T05:59:00Z')
  t.equal(server.registry.get('office')?.state, 'stopped', '07:59 Paris summer time: not yet')
  await tickAt('2026-03-30T06:00:00Z')
  t.ok(await running('office'), 'prewarmed at 08:00 Paris, 06:00 UTC')
  t.match((await server.inject({ url: '/apps/office', headers })).json().schedule, { keptAwakeUntil: '2026-03-30T17:00:00.000Z', summary: 'kept awake until Mon 19:00 (Europe/Paris)' })
})

t.test('bad schedules name the file, the line and the key', async (t) => {
  const cases = [
    ["keep_awake: ['weekdays']", /keep_awake\[0\].*is not a window such as "Mon-Fri 08:00-19:00"/],
    ["keep_awake: ['Mon-Fri 08:00-19:00']\n    timezone: Mars/Olympus", /timezone.*"Mars\/Olympus" is not an IANA time zone/],
    ["sleep_at: 'at eight'", /sleep_at.*is not a cron expression/],
    ['prewarm: yes please', /prewarm.*must be true or false/]
  ] as const
  for (const [lines, message] of cases) {
    await t.rejects(build(t, { yaml: `rules:\n  - pattern: x\n    ${lines}\n` }), message, lines)
  }
})

t.test('a pin wins over sleep_at; the hook is not even asked', async (t) => {
  const clock = new ManualClock(at('2026-11-30T19:00:00Z'))
  const yaml = `${appsYaml([{ name: 'late', port: await freePort() }])}rules:\n  - pattern: '^late$'\n    sleep_at: '0 20 * * *'\n`
  const server = await build(t, { yaml, clock, env: { HOOKS_BEFORE_STOP: 'exit 1' } })
  await server.lifecycle.wake('late', 'test')
  await server.lifecycle.pin('late', at('2026-11-30T22:00:00Z'), 'admin')
  clock.advance(at('2026-11-30T20:00:00Z') - clock.now())
  t.same((await server.reconciler.tick()).stopped, [])
  t.equal(server.registry.get('late')?.state, 'running')
  t.match(server.events.list({ app: 'late' })[0], { type: 'stop_cancelled', cause: 'schedule', message: /late is pinned until 2026-11-30T22:00:00\.000Z/ })
  t.same(server.events.list({ app: 'late', type: 'stop_vetoed' }), [], 'the pin answered before the before-stop hook')
})
