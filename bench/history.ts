// The accounting reads against a heavy history: 500 apps waking and sleeping ~18 times a day, at
// 10k, 100k and 1M events. What /apps, /metrics and the waiting page's expected wait paid per read
// before (folding the whole history) and pay now (the ledger: O(apps) once caught up), and what a
// /savings of one day reads (its period's events only). In-process over an array, so that only the
// folding is measured (with PostgreSQL the old read also moved every row over the network).
import { performance } from 'node:perf_hooks'
import { account, ACCOUNTED_EVENTS } from '../lib/core/accounting'
import { AccountingLedger } from '../lib/core/accounting-ledger'
import type { EventType, PaastisEvent } from '../lib/core/event-store'

const APPS = 500
const DAY = 86_400_000

function history (count: number, start: number): PaastisEvent[] {
  const events: PaastisEvent[] = []
  const perApp = Math.floor(count / APPS)
  // Alternate stopped / started per app, evenly spread: a start takes 8 s.
  const step = Math.max(1, Math.floor(80 * DAY / perApp))
  for (let i = 0; i < perApp; i++) {
    for (let app = 0; app < APPS; app++) {
      const at = new Date(start + i * step + app).toISOString()
      events.push(i % 2 === 0
        ? { at, app: `app-${app}`, type: 'stopped', cause: 'idle' }
        : { at, app: `app-${app}`, type: 'started', cause: 'request', durationMs: 8000 })
    }
  }
  return events
}

function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[sorted.length >> 1]
}

async function measure (count: number): Promise<{ events: number, fullMs: number, ledgerMs: number, firstLedgerMs: number, dayMs: number, heapMiB: number }> {
  const start = Date.parse('2026-09-01T00:00:00Z')
  const events = history(count, start)
  const now = Date.parse(events[events.length - 1].at) + 1
  const wanted = new Set<string>(ACCOUNTED_EVENTS)
  const read = async (types: readonly EventType[], until: number, since: number): Promise<PaastisEvent[]> => {
    // A store's indexed range read: binary search for `since`, then the slice.
    let lo = 0
    let hi = events.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (Date.parse(events[mid].at) < since) lo = mid + 1
      else hi = mid
    }
    return events.slice(lo).filter((event) => types.includes(event.type) && wanted.has(event.type) && Date.parse(event.at) < until)
  }
  const full: number[] = []
  for (let i = 0; i < 3; i++) {
    const from = performance.now()
    account(await read(ACCOUNTED_EVENTS, now, 0), 0, now)
    full.push(performance.now() - from)
  }
  const ledger = new AccountingLedger(read)
  let from = performance.now()
  await ledger.all(now)
  const firstLedgerMs = performance.now() - from
  const reads: number[] = []
  for (let i = 0; i < 10; i++) {
    from = performance.now()
    await ledger.all(now + i * 1000)
    reads.push(performance.now() - from)
  }
  from = performance.now()
  const dayFrom = now - DAY
  account(await read(ACCOUNTED_EVENTS, now, dayFrom), dayFrom, now)
  const dayMs = performance.now() - from
  return { events: events.length, fullMs: median(full), ledgerMs: median(reads), firstLedgerMs, dayMs, heapMiB: process.memoryUsage().heapUsed / 2 ** 20 }
}

async function main (): Promise<void> {
  const sizes = process.env.QUICK === '1' ? [10_000] : [10_000, 100_000, 1_000_000]
  const rows = []
  for (const size of sizes) rows.push(await measure(size))
  process.stdout.write(JSON.stringify(rows))
}

void main()
