// Every app's account since it was first seen, kept up to date instead of folded again from the
// whole history at each read: /apps, /metrics and the waiting page's expected wait read it every
// few seconds, and a history of a million events must cost them O(apps), not O(history). Each read
// folds only the events since the last one (with an overlap, so that an event another replica
// wrote a little late is not missed, and a key per event, so that none is folded twice).
import { ACCOUNTED_EVENTS, Tally, type AppAccount } from './accounting'
import type { EventType, PaastisEvent } from './event-store'

/** Reads the events of these types in [since, until), oldest first. */
export type HistoryReader = (types: readonly EventType[], until: number, since: number) => Promise<PaastisEvent[]>

/** Events written this late after they happened are still folded (a store back from an outage). */
const OVERLAP_MS = 10 * 60_000

/** Events folded between two turns of the event loop. */
const YIELD_EVERY = 5000

const keyOf = (event: PaastisEvent): string => `${event.at}\u0000${event.app}\u0000${event.type}\u0000${event.cause ?? ''}`

export class AccountingLedger {
  private readonly tallies = new Map<string, Tally>()
  /** The latest event time folded. */
  private cursor = 0
  /** Keys of the events folded within the overlap (they come again at the next read). */
  private readonly folded = new Map<string, number>()
  private catchingUp: Promise<void> | undefined

  constructor (private readonly read: HistoryReader, private readonly overlapMs = OVERLAP_MS) {}

  /** Every app's account as of `now`. */
  async all (now: number): Promise<Map<string, AppAccount>> {
    await this.catchUp(now)
    const accounts = new Map<string, AppAccount>()
    for (const [app, tally] of this.tallies) accounts.set(app, tally.peek(now))
    return accounts
  }

  /** The apps seen so far (the /savings period's first phases are asked for these). */
  get apps (): string[] {
    return [...this.tallies.keys()]
  }

  /** One read at a time, however many callers. */
  private catchUp (now: number): Promise<void> {
    this.catchingUp ??= this.fold(now).finally(() => { this.catchingUp = undefined })
    return this.catchingUp
  }

  private async fold (now: number): Promise<void> {
    const previous = this.cursor
    const since = previous === 0 ? 0 : previous - this.overlapMs
    const events = await this.read(ACCOUNTED_EVENTS, now + 1, since)
    if (events.length === 0) return
    // Only the events of the last overlap are remembered, and only those up to the previous cursor can be folded already.
    const horizon = Date.parse(events[events.length - 1].at) - this.overlapMs
    for (const [i, event] of events.entries()) {
      // The first read after a start folds the whole history: in slices, so that no proxied request waits behind it.
      if (i > 0 && i % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve))
      const at = Date.parse(event.at)
      if (at >= horizon || at <= previous) {
        const key = keyOf(event)
        if (at <= previous && this.folded.has(key)) continue
        if (at >= horizon) this.folded.set(key, at)
      }
      let tally = this.tallies.get(event.app)
      if (tally === undefined) {
        tally = new Tally(event.app, event.at)
        this.tallies.set(event.app, tally)
      }
      tally.apply(event, 0, Infinity)
      if (at > this.cursor) this.cursor = at
    }
    for (const [key, at] of this.folded) if (at < this.cursor - this.overlapMs) this.folded.delete(key)
  }
}
