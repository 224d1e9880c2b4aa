// The ledger gives the figures of a whole fold, reading only what is new: each event folded once,
// a late one within the overlap folded too, the open phase counted up to now.
import t from 'tap'
import { account, ACCOUNTED_EVENTS } from '../../../lib/core/accounting'
import { AccountingLedger } from '../../../lib/core/accounting-ledger'
import type { EventType, PaastisEvent } from '../../../lib/core/events'

const DAY = Date.parse('2026-11-30T00:00:00Z')
const H = 3_600_000
const at = (hours: number): string => new Date(DAY + hours * H).toISOString()
const ev = (hours: number, app: string, type: PaastisEvent['type'], extra: Partial<PaastisEvent> = {}): PaastisEvent => ({ at: at(hours), app, type, ...extra })

/** A store of events: what each read asked for is kept. */
function store (events: PaastisEvent[]) {
  const reads: Array<{ since: number, returned: number }> = []
  const read = async (types: readonly EventType[], until: number, since: number): Promise<PaastisEvent[]> => {
    const found = events.filter((event) => types.includes(event.type) && Date.parse(event.at) < until && Date.parse(event.at) >= since)
      .sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
    reads.push({ since, returned: found.length })
    return found
  }
  return { read, reads }
}

const totals = (accounts: Map<string, { runningSeconds: number, asleepSeconds: number, wakes: number, failedWakes: number, medianWakeMs: number | null }>) =>
  Object.fromEntries([...accounts].map(([app, a]) => [app, { running: a.runningSeconds, asleep: a.asleepSeconds, wakes: a.wakes, failed: a.failedWakes, median: a.medianWakeMs }]))

t.test('the same figures as folding the whole history, read after read', async (t) => {
  const events = [
    ev(0, 'a', 'discovered', { state: 'running' }),
    ev(0, 'b', 'discovered', { state: 'stopped' }),
    ev(2, 'a', 'stopped')
  ]
  const { read, reads } = store(events)
  const ledger = new AccountingLedger(read, H)
  t.same(totals(await ledger.all(DAY + 3 * H)), totals(account(events, 0, DAY + 3 * H)), 'at 03:00')
  events.push(ev(5, 'a', 'starting'), ev(5, 'a', 'started', { durationMs: 4000 }), ev(6, 'b', 'starting'), ev(6, 'b', 'start_failed'), ev(9, 'a', 'stopped'))
  t.same(totals(await ledger.all(DAY + 10 * H)), totals(account(events, 0, DAY + 10 * H)), 'at 10:00, with what happened since')
  t.same(totals(await ledger.all(DAY + 12 * H)), totals(account(events, 0, DAY + 12 * H)), 'at 12:00, nothing new: the open phases grew')
  t.equal(reads[0].since, 0, 'the first read folds the history')
  t.equal(reads[1].since, DAY + 2 * H - H, 'later reads start one overlap before the last event folded')
  t.equal(reads[2].since, DAY + 9 * H - H)
})

t.test('an event written late, within the overlap, is folded once; those read again are not folded twice', async (t) => {
  const events = [ev(0, 'a', 'discovered', { state: 'running' }), ev(1, 'a', 'starting'), ev(1, 'a', 'started', { durationMs: 1000 })]
  const { read } = store(events)
  const ledger = new AccountingLedger(read, 2 * H)
  await ledger.all(DAY + 2 * H)
  // Another replica's stop at 01:30, written after the read at 02:00 (its store was away).
  events.push(ev(1.5, 'a', 'stopped'))
  const accounts = await ledger.all(DAY + 3 * H)
  t.equal(accounts.get('a')?.wakes, 1, 'the wake read twice counts once')
  t.equal(accounts.get('a')?.asleepSeconds, 1.5 * 3600, 'asleep from 01:30 to 03:00')
  t.same(totals(accounts), totals(account(events, 0, DAY + 3 * H)))
})

t.test('a read that fails leaves the ledger as it was; the next one catches up', async (t) => {
  const events = [ev(0, 'a', 'discovered', { state: 'running' }), ev(1, 'a', 'stopped')]
  let fail = false
  const { read } = store(events)
  const ledger = new AccountingLedger(async (types, until, since) => {
    if (fail) throw new Error('store away')
    return await read(types, until, since)
  }, H)
  await ledger.all(DAY + 2 * H)
  fail = true
  events.push(ev(3, 'a', 'starting'))
  await t.rejects(ledger.all(DAY + 4 * H), { message: 'store away' })
  fail = false
  t.same(totals(await ledger.all(DAY + 4 * H)), totals(account(events, 0, DAY + 4 * H)))
  t.equal(ACCOUNTED_EVENTS.includes('starting'), true)
})
