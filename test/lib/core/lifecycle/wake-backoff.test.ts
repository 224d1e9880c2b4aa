import t from 'tap'
import type { AppRecord } from '../../../../lib/core/app-record'
import { backoffLeft, backoffMs, DEFAULT_BACKOFF } from '../../../../lib/core/lifecycle/wake-backoff'

t.test('the backoff doubles at each failed wake, up to its maximum', async (t) => {
  const table: Array<[number, number]> = [[1, 10_000], [2, 20_000], [3, 40_000], [6, 320_000], [7, 600_000], [100, 600_000]]
  for (const [failures, expected] of table) t.equal(backoffMs(failures, DEFAULT_BACKOFF), expected, `${failures} failures`)
  t.equal(backoffMs(3, { baseMs: 100, maxMs: 250 }), 250)
})

t.test('a wake is refused only while a failed app\'s backoff lasts, with why and when', async (t) => {
  const failed = { name: 'shop', state: 'failed', nextWakeAt: 61_000, failedWakes: 2, lastError: 'shop could not be started: exit 1' } as AppRecord
  const refusal = backoffLeft(failed, 1_000)
  t.match(refusal, { name: 'WakeError', reason: 'backoff', message: 'shop could not be started: exit 1 (2 failed wakes in a row; next try in 60 s)' })
  t.equal(backoffLeft(failed, 61_000), undefined, 'over')
  t.equal(backoffLeft({ ...failed, state: 'stopped' }, 1_000), undefined, 'not failed')
  t.equal(backoffLeft({ ...failed, nextWakeAt: undefined }, 1_000), undefined, 'no backoff recorded')
  t.equal(backoffLeft(undefined, 1_000), undefined, 'unknown app')
  t.match(backoffLeft({ ...failed, lastError: undefined, failedWakes: undefined }, 60_500), { message: 'shop could not be started (1 failed wakes in a row; next try in 1 s)' })
})
