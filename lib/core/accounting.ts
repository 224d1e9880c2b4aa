// What Paastis saved, read from the events alone: each app is awake from a start (ours or the
// provider's) until a stop, asleep from a stop until the next start. Replicas that saw the same
// change each told it; the fold is idempotent (a stop of a stopped app changes nothing), so the
// shared history of several replicas gives the same figures as one replica's.
import type { EventType, PaastisEvent } from './events'

/** The events that change an app's account; the stores read only these. */
export const ACCOUNTED_EVENTS: readonly EventType[] = [
  'discovered', 'forgotten', 'starting', 'started', 'started_outside', 'start_failed', 'stopped', 'stopped_outside', 'failed_outside',
  'would_stop', 'would_start'
]

/** `would-sleep`: running, but a dry run found it would have been stopped (DRY_RUN). */
type Phase = 'awake' | 'asleep' | 'would-sleep' | 'unknown'

const PHASE_OF: Partial<Record<EventType, Phase>> = {
  starting: 'awake',
  started: 'awake',
  started_outside: 'awake',
  // A failed start is stopped again (lib/core/lifecycle/waking.ts); a failed app serves nothing.
  start_failed: 'asleep',
  stopped: 'asleep',
  stopped_outside: 'asleep',
  failed_outside: 'asleep',
  would_stop: 'would-sleep',
  would_start: 'awake',
  forgotten: 'unknown'
}

export interface DayAccount { date: string, runningSeconds: number, asleepSeconds: number, wouldSleepSeconds: number }

export interface AppAccount {
  app: string
  /** When Paastis first saw the app (its first event). */
  firstSeenAt: string
  runningSeconds: number
  asleepSeconds: number
  /** Running, but asleep had DRY_RUN been off (included in runningSeconds). */
  wouldSleepSeconds: number
  /** Starts by Paastis (requests and admin calls) and failed ones, within the period. */
  wakes: number
  failedWakes: number
  medianWakeMs: number | null
  lastStartAt: string | null
  lastStopAt: string | null
  /** Per UTC day of the period. */
  days: DayAccount[]
}

const DAY_MS = 86_400_000
/** The median wake is read from the latest ones: an app's memory stays bounded whatever its history. */
const WAKES_KEPT = 1000

/** One app's fold: its phase, since when, and what it added up. */
export class Tally {
  phase: Phase = 'unknown'
  since = 0
  readonly days = new Map<number, DayAccount>()
  readonly wakeMs: number[] = []
  /** Every wake counted (wakeMs keeps the latest WAKES_KEPT for the median). */
  wakeCount = 0
  failedWakes = 0
  lastStartAt: string | null = null
  lastStopAt: string | null = null
  runningMs = 0
  asleepMs = 0
  wouldSleepMs = 0

  constructor (readonly app: string, readonly firstSeenAt: string) {}

  /** Adds [since, until) of the current phase, clipped to the period, split at UTC midnights. */
  close (until: number, from: number, to: number): void {
    if (this.phase === 'unknown') return
    let start = Math.max(this.since, from)
    const end = Math.min(until, to)
    while (start < end) {
      const day = Math.floor(start / DAY_MS) * DAY_MS
      const stop = Math.min(end, day + DAY_MS)
      const account = this.days.get(day) ?? { date: new Date(day).toISOString().slice(0, 10), runningSeconds: 0, asleepSeconds: 0, wouldSleepSeconds: 0 }
      this.days.set(day, account)
      if (this.phase !== 'asleep') {
        this.runningMs += stop - start
        account.runningSeconds += (stop - start) / 1000
      }
      if (this.phase === 'would-sleep') {
        this.wouldSleepMs += stop - start
        account.wouldSleepSeconds += (stop - start) / 1000
      } else if (this.phase === 'asleep') {
        this.asleepMs += stop - start
        account.asleepSeconds += (stop - start) / 1000
      }
      start = stop
    }
  }

  /** Folds one event (oldest first) into [from, to). */
  apply (event: PaastisEvent, from: number, to: number): void {
    const at = Date.parse(event.at)
    const inPeriod = at >= from
    if (event.type === 'started') {
      this.lastStartAt = event.at
      if (inPeriod && event.durationMs !== undefined) {
        this.wakeMs.push(event.durationMs)
        this.wakeCount++
        if (this.wakeMs.length > WAKES_KEPT) this.wakeMs.shift()
      }
    } else if (event.type === 'started_outside') {
      this.lastStartAt = event.at
    } else if (event.type === 'start_failed' && inPeriod) {
      this.failedWakes++
    } else if (event.type === 'stopped' || event.type === 'stopped_outside') {
      this.lastStopAt = event.at
    }
    const phase = event.type === 'discovered' ? discoveredPhase(event, this.phase) : PHASE_OF[event.type]
    if (phase === undefined || phase === this.phase) return
    this.close(at, from, to)
    this.phase = phase
    this.since = Math.max(this.since, at)
  }

  /** Its account as of `now`, the current phase counted up to then, without changing the fold (no days: totals only). */
  peek (now: number): AppAccount {
    const account = this.account(false)
    if (this.phase === 'unknown' || now <= this.since) return account
    const open = (now - this.since) / 1000
    if (this.phase === 'asleep') account.asleepSeconds += open
    else account.runningSeconds += open
    if (this.phase === 'would-sleep') account.wouldSleepSeconds += open
    return account
  }

  private median: { count: number, value: number | null } | undefined

  /** The median wake, sorted again only when a wake was added since. */
  private medianWake (): number | null {
    if (this.median?.count !== this.wakeCount) {
      const sorted = [...this.wakeMs].sort((a, b) => a - b)
      const middle = sorted.length >> 1
      this.median = { count: this.wakeCount, value: sorted.length === 0 ? null : sorted.length % 2 === 1 ? sorted[middle] : Math.round((sorted[middle - 1] + sorted[middle]) / 2) }
    }
    return this.median.value
  }

  account (withDays = true): AppAccount {
    const median = this.medianWake()
    return {
      app: this.app,
      firstSeenAt: this.firstSeenAt,
      runningSeconds: this.runningMs / 1000,
      asleepSeconds: this.asleepMs / 1000,
      wouldSleepSeconds: this.wouldSleepMs / 1000,
      wakes: this.wakeCount,
      failedWakes: this.failedWakes,
      medianWakeMs: median,
      lastStartAt: this.lastStartAt,
      lastStopAt: this.lastStopAt,
      days: withDays ? [...this.days.entries()].sort(([a], [b]) => a - b).map(([, day]) => ({ ...day })) : []
    }
  }
}

/**
 * Each app's account over [from, to) (epoch ms), from its events oldest first. Events before
 * `from` set the phase the period begins in; those at or after `to` are not read.
 */
export function account (events: readonly PaastisEvent[], from: number, to: number, initial: readonly PaastisEvent[] = []): Map<string, AppAccount> {
  const tallies = new Map<string, Tally>()
  // `initial`: each app's last event before `from` (when `events` start at `from`): its phase then.
  for (const event of [...initial, ...events]) {
    const at = Date.parse(event.at)
    // Not `break`: a dry run's would_start is written at the check after the request it dates.
    if (at >= to) continue
    let tally = tallies.get(event.app)
    if (tally === undefined) {
      tally = new Tally(event.app, event.at)
      tallies.set(event.app, tally)
    }
    tally.apply(event, from, to)
  }
  const accounts = new Map<string, AppAccount>()
  for (const [app, tally] of tallies) {
    tally.close(to, from, to)
    accounts.set(app, tally.account())
  }
  return accounts
}

function discoveredPhase (event: PaastisEvent, current: Phase): Phase {
  switch (event.state) {
    case 'running':
    case 'starting':
    case 'stopping':
      return 'awake'
    case 'stopped':
    case 'failed':
      return 'asleep'
    default:
      return current
  }
}
