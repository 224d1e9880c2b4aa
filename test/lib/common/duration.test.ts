import t from 'tap'
import { formatDuration, parseDuration } from '../../../lib/common/duration'

t.test('plain numbers are minutes, units are honoured, never is null', async (t) => {
  t.equal(parseDuration('15'), 15 * 60_000)
  t.equal(parseDuration('0'), 0, '0 is a valid duration')
  t.equal(parseDuration(30), 30 * 60_000)
  t.equal(parseDuration('30s'), 30_000)
  t.equal(parseDuration('2h'), 7_200_000)
  t.equal(parseDuration('1d'), 86_400_000)
  t.equal(parseDuration('1.5m'), 90_000)
  t.equal(parseDuration('250ms'), 250)
  t.equal(parseDuration('never'), null)
  t.equal(parseDuration('10', 's'), 10_000, 'the default unit can be seconds')
  for (const bad of ['soon', '-1', '15 minutes', '', '1w']) t.throws(() => parseDuration(bad), { message: /invalid duration/ }, bad)
})

t.test('format', async (t) => {
  t.same([120 * 60_000, 60_000, 30_000, 250, null, 86_400_000].map(formatDuration), ['2h', '1m', '30s', '250ms', 'never', '1d'])
})
