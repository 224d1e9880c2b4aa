import t from 'tap'
import { account } from '../../../lib/core/accounting'
import type { PaastisEvent } from '../../../lib/core/events'
import { savings } from '../../../lib/core/savings'

const DAY = Date.parse('2026-11-30T00:00:00Z')
const H = 3_600_000
const at = (hours: number): string => new Date(DAY + hours * H).toISOString()
const ev = (hours: number, app: string, type: PaastisEvent['type'], extra: Partial<PaastisEvent> = {}): PaastisEvent => ({ at: at(hours), app, type, ...extra })

t.test('a day: asleep from each stop to the next start, awake otherwise, split at UTC midnight', async (t) => {
  const events = [
    ev(0, 'a', 'discovered', { state: 'running' }),
    ev(0, 'b', 'discovered', { state: 'running' }),
    ev(2, 'a', 'stopping'),
    ev(2, 'a', 'stopped'),
    ev(12, 'a', 'starting'),
    ev(12, 'a', 'started', { durationMs: 8000 }),
    ev(14, 'a', 'stopped'),
    ev(22, 'a', 'starting'),
    ev(22, 'a', 'start_failed'),
    ev(23, 'a', 'starting'),
    ev(23, 'a', 'started', { durationMs: 4000 }),
    ev(23.5, 'a', 'stopped'),
    ev(26, 'a', 'started_outside')
  ]
  const accounts = account(events, DAY, DAY + 24 * H)
  t.match(accounts.get('a'), {
    asleepSeconds: (10 + 8 + 1 + 0.5) * 3600,
    runningSeconds: (2 + 2 + 0.5) * 3600,
    wakes: 2,
    failedWakes: 1,
    medianWakeMs: 6000,
    lastStartAt: at(23),
    lastStopAt: at(23.5),
    days: [{ date: '2026-11-30' }]
  })
  t.equal(accounts.get('a')!.asleepSeconds + accounts.get('a')!.runningSeconds, 24 * 3600, 'every second of the day is accounted once')
  t.match(accounts.get('b'), { asleepSeconds: 0, runningSeconds: 24 * 3600, wakes: 0, medianWakeMs: null, lastStopAt: null })
  // The next day begins asleep (stopped at 23:30) and wakes outside Paastis at 02:00.
  const next = account(events, DAY + 24 * H, DAY + 48 * H).get('a')!
  t.equal(next.asleepSeconds, 2 * 3600)
  t.equal(next.runningSeconds, 22 * 3600)
  t.equal(next.wakes, 0, 'wakes are counted in their period')
  const both = account(events, DAY, DAY + 48 * H).get('a')!
  t.same(both.days.map((d) => d.date), ['2026-11-30', '2026-12-01'])
  t.same(both.days.map((d) => d.asleepSeconds), [19.5 * 3600, 2 * 3600])
})

t.test('the same change told by several replicas counts once', async (t) => {
  const one = [ev(0, 'a', 'discovered', { state: 'stopped' }), ev(10, 'a', 'started_outside'), ev(20, 'a', 'stopped_outside')]
  const three = [
    ev(0, 'a', 'discovered', { state: 'stopped' }), ev(0.1, 'a', 'discovered', { state: 'stopped' }),
    ev(10, 'a', 'started_outside'), ev(10.01, 'a', 'discovered', { state: 'running' }), ev(10.02, 'a', 'started_outside'),
    ev(20, 'a', 'stopped_outside'), ev(20.001, 'a', 'stopped_outside')
  ]
  const a = account(one, DAY, DAY + 24 * H).get('a')!
  const b = account(three, DAY, DAY + 24 * H).get('a')!
  t.equal(b.asleepSeconds, a.asleepSeconds)
  t.equal(b.runningSeconds, a.runningSeconds)
  t.equal(a.asleepSeconds, 14 * 3600)
})

t.test('a forgotten app stops counting; an unknown state counts nothing', async (t) => {
  const events = [ev(0, 'a', 'discovered', { state: 'unknown' }), ev(1, 'a', 'stopped'), ev(5, 'a', 'forgotten'), ev(9, 'a', 'discovered', { state: 'running' })]
  t.match(account(events, DAY, DAY + 10 * H).get('a'), { asleepSeconds: 4 * 3600, runningSeconds: 3600 })
})

t.test('savings: hours and money per app, per day and in all', async (t) => {
  const events = [ev(0, 'a', 'discovered', { state: 'running' }), ev(2, 'a', 'stopped'), ev(22, 'a', 'started'), ev(0, 'b', 'discovered', { state: 'running' })]
  const report = savings(account(events, DAY, DAY + 24 * H).values(), (app) => app === 'a' ? 0.25 : undefined, DAY, DAY + 24 * H)
  t.same(report, {
    from: at(0),
    to: at(24),
    hoursAsleep: 20,
    hoursRunning: 28,
    saved: 5,
    hoursWouldSleep: 0,
    wouldHaveSaved: 0,
    apps: [
      { app: 'a', hoursAsleep: 20, hoursRunning: 4, costPerHour: 0.25, saved: 5, hoursWouldSleep: 0, wouldHaveSaved: 0, days: [{ date: '2026-11-30', hoursAsleep: 20, hoursRunning: 4 }] },
      { app: 'b', hoursAsleep: 0, hoursRunning: 24, costPerHour: null, saved: null, hoursWouldSleep: 0, wouldHaveSaved: null, days: [{ date: '2026-11-30', hoursAsleep: 0, hoursRunning: 24 }] }
    ],
    days: [{ date: '2026-11-30', hoursAsleep: 20, saved: 5 }]
  })
})
