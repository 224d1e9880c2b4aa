import t from 'tap'
import { checkTimezone, keptAwakeUntil, nextSleep, parseSleepAt, parseWindow, sleepDue, wallClock, windowOpened, type Schedule } from '../../../lib/config/schedule'

const PARIS = 'Europe/Paris'
const at = (iso: string): number => Date.parse(iso)
const schedule = (windows: string[], sleepAt?: string, timezone = PARIS): Schedule => ({
  timezone, windows: windows.map((spec) => parseWindow(spec, timezone)), prewarm: true, sleepAt: sleepAt === undefined ? undefined : parseSleepAt(sleepAt, timezone)
})

t.test('a weekday window in Paris across the spring DST change (2026-03-29)', async (t) => {
  const office = schedule(['Mon-Fri 08:00-19:00'])
  // Friday 27 March, winter time (UTC+1): 08:00 is 07:00Z, 19:00 is 18:00Z.
  t.equal(keptAwakeUntil(office, at('2026-03-27T06:59:00Z')), undefined, '07:59 Paris: not yet')
  t.equal(keptAwakeUntil(office, at('2026-03-27T07:00:00Z')), at('2026-03-27T18:00:00Z'), '08:00 Paris: open until 19:00 Paris')
  t.equal(keptAwakeUntil(office, at('2026-03-27T17:59:00Z')), at('2026-03-27T18:00:00Z'))
  t.equal(keptAwakeUntil(office, at('2026-03-27T18:00:00Z')), undefined, '19:00 Paris: closed')
  t.equal(keptAwakeUntil(office, at('2026-03-28T10:00:00Z')), undefined, 'Saturday: closed')
  // Monday 30 March, summer time (UTC+2): 08:00 is 06:00Z.
  t.equal(keptAwakeUntil(office, at('2026-03-30T05:59:00Z')), undefined, '07:59 Paris summer time: not yet')
  t.equal(keptAwakeUntil(office, at('2026-03-30T06:00:00Z')), at('2026-03-30T17:00:00Z'), '08:00 Paris is 06:00 UTC now; closes at 17:00 UTC')
  t.ok(windowOpened(office, at('2026-03-30T05:59:00Z'), at('2026-03-30T06:00:00Z')), 'the opening falls in (05:59, 06:00]')
  t.notOk(windowOpened(office, at('2026-03-30T06:00:00Z'), at('2026-03-30T06:01:00Z')), 'and only once')
  t.notOk(windowOpened(office, at('2026-03-30T05:00:00Z'), at('2026-03-30T05:59:00Z')), 'the winter-time hour is not an opening')
  t.equal(wallClock(at('2026-03-30T17:00:00Z'), PARIS), 'Mon 19:00')
})

t.test('overnight, wrapping and whole-day windows', async (t) => {
  const night = schedule(['Fri 22:00-02:00'], undefined, 'UTC')
  t.equal(keptAwakeUntil(night, at('2026-11-27T23:00:00Z')), at('2026-11-28T02:00:00Z'), 'Friday 23:00: until Saturday 02:00')
  t.equal(keptAwakeUntil(night, at('2026-11-28T01:59:00Z')), at('2026-11-28T02:00:00Z'))
  t.equal(keptAwakeUntil(night, at('2026-11-28T02:00:00Z')), undefined)
  t.equal(keptAwakeUntil(night, at('2026-11-26T23:00:00Z')), undefined, 'Thursday night: no')
  const weekend = schedule(['Fri-Mon 00:00-24:00'], undefined, 'UTC')
  t.equal(keptAwakeUntil(weekend, at('2026-11-29T12:00:00Z')), at('2026-11-30T00:00:00Z'), 'Sunday, in a Fri-Mon range')
  t.equal(keptAwakeUntil(weekend, at('2026-11-25T12:00:00Z')), undefined, 'Wednesday: no')
  const two = schedule(['* 08:00-12:00', 'Mon,Wed 11:00-14:00'], undefined, 'UTC')
  t.equal(keptAwakeUntil(two, at('2026-11-30T11:30:00Z')), at('2026-11-30T14:00:00Z'), 'overlapping windows: the later close')
})

t.test('sleep_at in the zone, across the DST change', async (t) => {
  const evening = schedule([], '0 20 * * *')
  t.equal(nextSleep(evening, at('2026-03-28T12:00:00Z')), at('2026-03-28T19:00:00Z'), 'Saturday 20:00 Paris is 19:00 UTC')
  t.equal(nextSleep(evening, at('2026-03-29T12:00:00Z')), at('2026-03-29T18:00:00Z'), 'Sunday 20:00 Paris is 18:00 UTC')
  t.ok(sleepDue(evening, at('2026-03-29T17:59:00Z'), at('2026-03-29T18:00:00Z')))
  t.notOk(sleepDue(evening, at('2026-03-29T18:00:00Z'), at('2026-03-29T18:59:00Z')))
})

t.test('what is refused, and why', async (t) => {
  t.throws(() => parseWindow('weekdays 8-19', 'UTC'), /is not a window such as "Mon-Fri 08:00-19:00"/)
  t.throws(() => parseWindow('Mon-Fry 08:00-19:00', 'UTC'), /"Mon-Fry" is not a day/)
  t.throws(() => parseWindow('Mon 25:00-26:00', 'UTC'), /hours are 00:00 to 24:00/)
  t.throws(() => parseSleepAt('at eight', 'UTC'), /is not a cron expression/)
  t.throws(() => checkTimezone('Mars/Olympus'), /"Mars\/Olympus" is not an IANA time zone/)
  t.doesNotThrow(() => checkTimezone('America/New_York'))
})
