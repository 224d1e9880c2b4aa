// What the scheduler does at every tick: discover the provider's apps (one listing), then stop
// every managed app idle for longer than its limit. One failing app never aborts the tick.
import type { ProviderApp } from './provider'
import type { ProviderGroup } from './provider-set'
import type { AppRecord } from './app-record'
import { idleDeadline } from './idle'
import type { Clock } from '../common/clock'
import type { EventLog } from './events'
import type { Lifecycle, StopResult } from './lifecycle'
import type { Locks } from './locks'
import type { Logger } from '../common/logger'
import type { Registry } from './registry'
import type { Rules } from '../config/rules'
import { keptAwakeUntil, sleepDue, windowOpened } from '../config/schedule'
import { configure, configurationOf, type ManagementPolicy } from './app-policy'
import { ListingTrust } from './listing-trust'

export interface ReconcilerOptions {
  registry: Registry
  provider: ProviderGroup
  lifecycle: Lifecycle
  rules: Rules
  events: EventLog
  clock: Clock
  log: Logger
  /** What the configuration says of each app (idle time, managed or not). */
  policy: ManagementPolicy
  /** With several replicas: one of them runs each tick. */
  locks?: Locks
  /** With a shared registry: merges every replica's activity before the idle decisions. */
  sync?: { tick(): Promise<void> }
  /** A listing that loses most apps at once is believed once this many checks agree (listing-trust.ts). */
  suspectChecks?: number
}

export interface TickReport {
  discovered: number
  forgotten: number
  stopped: string[]
  /** Set when the provider could not be listed. */
  discoveryError?: string
  /** Another replica ran this tick. */
  skipped?: boolean
}

/** The tick lock is kept a little after the tick, so that a slower replica does not run it again. */
const TICK_LOCK_MIN_MS = 5000
/** How far back a tick looks for sleep_at and window openings it has not seen. */
const SCHEDULE_LOOKBACK_MS = 10 * 60_000

export class Reconciler {
  /** Whether the provider answered at the last tick (readiness). */
  lastDiscoveryOk: boolean | undefined
  /** Why the last listing failed. */
  lastDiscoveryError: string | undefined
  private readonly trust: ListingTrust
  private listedOnce = false
  private discovering: Promise<unknown> = Promise.resolve()
  /** Conflicts already reported: each is told once, while it lasts. */
  private readonly reportedConflicts = new Set<string>()
  /** The previous tick: prewarms and sleep_at fire for the instants in between. */
  private lastTickAt: number
  private readonly firstListing: { promise: Promise<void>, resolve: () => void }

  constructor (private readonly options: ReconcilerOptions) {
    let resolve = (): void => {}
    const promise = new Promise<void>((_resolve) => { resolve = _resolve })
    this.firstListing = { promise, resolve }
    this.lastTickAt = options.clock.now()
    this.trust = new ListingTrust(options.log, options.suspectChecks)
  }

  /** Why the last listing was not believed, while it is not (readiness, metrics). */
  get suspectListing (): string | undefined {
    return this.trust.suspect
  }

  /** Whether the provider's apps were listed at least once since start. */
  get listed (): boolean {
    return this.listedOnce
  }

  /** Resolves once the first listing succeeded, or after `ms`; true when it did. */
  async waitListed (ms: number): Promise<boolean> {
    if (this.listedOnce) return true
    let timer: NodeJS.Timeout | undefined
    await Promise.race([this.firstListing.promise, new Promise((resolve) => { timer = setTimeout(resolve, ms) })])
    clearTimeout(timer)
    return this.listedOnce
  }

  async tick (): Promise<TickReport> {
    const report: TickReport = { discovered: 0, forgotten: 0, stopped: [] }
    const lock = await (this.options.locks?.acquire('tick') ?? Promise.resolve(undefined))
    if (lock === 'held') return { ...report, skipped: true }
    const acquiredAt = Date.now()
    try {
      await this.options.sync?.tick()
      return await this.run(report)
    } finally {
      if (lock !== undefined && typeof lock !== 'string') {
        setTimeout(() => { void lock.release() }, Math.max(0, TICK_LOCK_MIN_MS - (Date.now() - acquiredAt))).unref()
      }
    }
  }

  private async run (report: TickReport): Promise<TickReport> {
    const outcome = await this.tryDiscover()
    if ('error' in outcome) report.discoveryError = outcome.error
    else Object.assign(report, outcome)
    const now = this.options.clock.now()
    // A replica that took the tick over after a while fires only what fell due lately.
    const since = Math.max(this.lastTickAt, now - SCHEDULE_LOOKBACK_MS)
    this.lastTickAt = now
    await this.wouldStarts()
    const slept = await this.sleepAt(since, now)
    report.stopped = [...slept, ...await this.sweep()]
    this.prewarm(since, now)
    return report
  }

  /** DRY_RUN: apps that would be asleep and got a request since: they would have been woken then. */
  private async wouldStarts (): Promise<void> {
    for (const record of this.options.registry.list()) {
      if (typeof record.wouldStopAt !== 'number') continue
      if (record.lastActivityAt > record.wouldStopAt || record.state !== 'running') await this.options.lifecycle.wouldStart(record)
    }
  }

  /** Apps whose sleep_at fell in (since, now]: stopped whatever their activity (a pin wins, in the lifecycle). */
  private async sleepAt (since: number, now: number): Promise<string[]> {
    const { registry, lifecycle, rules, log } = this.options
    const stopped: string[] = []
    for (const record of registry.list()) {
      if (record.ignored || record.state === 'stopped' || typeof record.wouldStopAt === 'number' || !sleepDue(rules.policyFor(record.name).schedule, since, now)) continue
      try {
        const result = await lifecycle.stop(record.name, 'schedule')
        if (result.stopped) stopped.push(record.name)
      } catch (err) {
        log.error({ app: record.name, err }, 'scheduled stop failed')
      }
    }
    return stopped
  }

  /** Apps with `prewarm` whose window opened in (since, now]: started before their first visitor. */
  private prewarm (since: number, now: number): void {
    const { registry, lifecycle, rules } = this.options
    for (const record of registry.list()) {
      if (record.ignored || record.state === 'running' || lifecycle.isBusy(record.name)) continue
      const schedule = rules.policyFor(record.name).schedule
      if (schedule?.prewarm !== true || !windowOpened(schedule, since, now)) continue
      lifecycle.wake(record.name, 'schedule').catch(() => {}) // recorded as an event
    }
  }

  /** One listing; a failure is recorded for readiness and logged once, never thrown. */
  async tryDiscover (): Promise<{ discovered: number, forgotten: number } | { error: string }> {
    try {
      return await this.discover()
    } catch (err) {
      this.lastDiscoveryOk = false
      this.lastDiscoveryError = (err as Error).message
      this.options.log.error({ provider: this.options.provider.name }, `discovery failed: ${this.lastDiscoveryError}`)
      return { error: this.lastDiscoveryError }
    }
  }

  /** A record for an app seen for the first time, shaped by the rules matching its name. */
  newRecord (app: ProviderApp): AppRecord {
    const { rules, clock, policy } = this.options
    const provider = app.provider ?? this.options.provider.name
    return {
      name: app.name,
      provider,
      appName: app.appName,
      providerId: app.providerId,
      owner: app.owner,
      region: app.region,
      upstream: app.upstream,
      hosts: [],
      state: app.state === 'running' || app.state === 'stopped' || app.state === 'failed' ? app.state : 'unknown',
      lastErrorDetail: app.state === 'failed' ? app.detail : undefined,
      lastActivityAt: clock.now(),
      formation: app.formation,
      ...configurationOf(app.name, provider, rules, policy)
    }
  }

  /**
   * One listing at a time: a slow listing taken before a change (the tick's) must not be applied
   * after a quick one taken after it (asked for by a provider's event).
   */
  async discover (): Promise<{ discovered: number, forgotten: number }> {
    const run = this.discovering.then(async () => await this.discoverNow())
    this.discovering = run.catch(() => {})
    return await run
  }

  private async discoverNow (): Promise<{ discovered: number, forgotten: number }> {
    const { registry, provider, lifecycle, events } = this.options
    const apps = await provider.list()
    this.lastDiscoveryOk = true
    if (!this.listedOnce) {
      this.listedOnce = true
      this.firstListing.resolve()
    }
    const seen = new Set(apps.map((app) => app.name))
    let discovered = 0
    this.reportConflicts()
    // A provider that did not answer this time lost none of its apps.
    const missing = registry.list().filter((record) => !seen.has(record.name) && !lifecycle.isBusy(record.name) && !provider.unlisted(record))
    const forget = this.trust.believe(missing.length, registry.size)
    for (const app of apps) {
      const record = registry.get(app.name)
      // An app's own rule (its labels) is configuration: a changed one reaches its record now.
      if (this.options.rules.declare(app.name, app.rule) && record !== undefined && configure(record, this.options.rules, this.options.policy)) {
        await registry.save(record)
      }
      if (record === undefined) {
        const fresh = this.newRecord(app)
        await registry.save(fresh)
        events.record({ app: app.name, type: 'discovered', cause: 'scheduler', message: `found ${app.state}`, state: fresh.state })
        discovered++
        continue
      }
      if (lifecycle.isBusy(app.name)) continue
      await lifecycle.observe(record, app)
    }
    let forgotten = 0
    for (const record of forget ? missing : []) {
      await registry.remove(record.name)
      this.options.rules.declare(record.name, undefined)
      events.record({ app: record.name, type: 'forgotten', cause: 'scheduler', message: 'no longer listed by the provider' })
      forgotten++
    }
    return { discovered, forgotten }
  }

  /** An app key two providers serve without a distinction: told once (log, event, /readyz). */
  private reportConflicts (): void {
    const conflicts = this.options.provider.conflicts()
    for (const [key, providers] of conflicts) {
      if (this.reportedConflicts.has(key)) continue
      this.reportedConflicts.add(key)
      const message = conflictMessage(key, providers)
      this.options.log.warn({ app: key, providers }, message)
      this.options.events.record({ app: key, type: 'conflict', cause: 'scheduler', message, provider: providers.join(', ') })
    }
    for (const key of this.reportedConflicts) if (!conflicts.has(key)) this.reportedConflicts.delete(key)
  }

  /** Stops idle apps, a few at a time (provider APIs are rate-limited). */
  async sweep (concurrency = 4): Promise<string[]> {
    const { registry, lifecycle, clock, log } = this.options
    const now = clock.now()
    const due = registry.list().filter((record) => {
      const deadline = idleDeadline(record, keptAwakeUntil(this.options.rules.policyFor(record.name).schedule, now))
      return deadline !== null && now >= deadline && registry.inflightCount(record.name) === 0 && !lifecycle.isBusy(record.name) &&
        typeof record.wouldStopAt !== 'number'
    })
    const stopped: string[] = []
    const queue = [...due]
    const worker = async (): Promise<void> => {
      for (let record = queue.shift(); record !== undefined; record = queue.shift()) {
        let result: StopResult
        try {
          result = await lifecycle.stop(record.name, 'idle', record.lastActivityAt)
        } catch (err) {
          log.error({ app: record.name, err }, 'idle stop failed')
          continue
        }
        if (result.stopped) stopped.push(record.name)
      }
    }
    await Promise.all(Array.from({ length: Math.min(concurrency, due.length) }, worker))
    return stopped
  }
}

/** What operators read of a conflict, in the log, the event and /readyz. */
export function conflictMessage (key: string, providers: readonly string[]): string {
  return `"${key}" is served by ${providers.join(' and ')}: no Host can tell them apart, so neither is woken; give one of these providers an app_prefix or a domain`
}
