// The one place where apps change state. Starts and stops are single-flight per app: however
// many requests, admin calls and scheduler ticks ask at once, the provider is called once.
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import type { ShellHooks } from './shell-hooks'
import type { Provider, ProviderApp } from './provider'
import type { AppRecord, AppState } from './app-record'
import type { Clock } from '../common/clock'
import { Counts } from '../common/counts'
import { PaastisError, WakeError, type WakeFailure } from '../common/errors'
import type { EventLog, PaastisEvent } from './events'
import type { Locks } from './locks'
import type { Logger } from '../common/logger'
import { waitWhile } from '../common/poll'
import { DEFAULT_PROBE, PROBE_TIMEOUT_MS, probe, waitUntilReady } from '../proxy/probe'
import type { Registry } from './registry'
import type { WakeOptions } from '../config/rules'
import type { Dispatcher } from 'undici'

export interface WakeResult {
  /** 0 when the app was already running. */
  totalMs: number
  providerMs: number
  readyMs: number
}

export type StopCause = 'idle' | 'admin' | 'schedule'

export interface StopResult {
  stopped: boolean
  /** Why it did not stop (`dry-run`: DRY_RUN recorded that it would have). */
  reason?: 'already-stopped' | 'vetoed' | 'active' | 'failed' | 'unknown' | 'busy' | 'dry-run'
  message?: string
}

export interface LifecycleOptions {
  registry: Registry
  provider: Provider
  hooks: ShellHooks
  events: EventLog
  clock: Clock
  log: Logger
  /** The rules' wake options of an app (probe, timeout); defaults apply where they say nothing. */
  wakeOptionsFor: (app: AppRecord) => WakeOptions
  /** When the keep_awake window the app is in closes (epoch ms); undefined outside them. */
  keptAwakeUntil?: (app: AppRecord, now: number) => number | undefined
  wakeTimeoutMs: number
  /** After a failed wake the app is left alone this long, doubled at each further failure... */
  wakeBackoffMs?: number
  /** ...up to this. */
  wakeBackoffMaxMs?: number
  /** Requests that may wait for one app's wake at once (WAKE_MAX_PENDING); more are refused. */
  maxWaiting?: number
  /** Cross-replica locks (Redis); one process needs none. */
  locks?: Locks
  /** The proxy's connection pool, for the readiness probes (see probe()). */
  probeDispatcher?: Dispatcher
  /** Exchanges open on the app on the other replicas (Redis); one process has none. */
  remoteInflight?: (name: string) => Promise<number>
  /** DRY_RUN: idle and scheduled stops are recorded as would_stop, never made (an admin's stop still is). */
  dryRun?: boolean
  /** STOP_DRAIN_TIMEOUT: how long a stop waits for the exchanges open on the app; then they are cut. */
  drainTimeoutMs?: number
}

/** How long a stop waits for the requests in flight to finish before it cuts them (STOP_DRAIN_TIMEOUT). */
const DRAIN_TIMEOUT_MS = 10_000
const ALREADY_RUNNING: WakeResult = { totalMs: 0, providerMs: 0, readyMs: 0 }

export class Lifecycle {
  private readonly waking = new Map<string, Promise<WakeResult>>()
  private readonly stopping = new Map<string, Promise<StopResult>>()
  private readonly suspected = new Map<string, Promise<boolean>>()
  /** Requests waiting for each app's wake: bounded, so that a burst cannot exhaust memory. */
  private readonly waiters = new Counts()
  /** Idle stops draining: a request that arrives meanwhile proves the app is not idle and ends the drain. */
  private readonly idleDrains = new Map<string, () => void>()

  constructor (private readonly options: LifecycleOptions) {}

  /** True while a start or a stop of the app is under way. */
  isBusy (name: string): boolean {
    return this.waking.has(name) || this.stopping.has(name)
  }

  /** True while a start (or the adoption of an app started elsewhere) is under way. */
  isWaking (name: string): boolean {
    return this.waking.has(name)
  }

  /**
   * Starts the app and waits until it answers; every concurrent caller shares one start. After a
   * failed wake the app is left alone for a growing backoff, unless `force` (an admin's start).
   */
  wake (name: string, cause: string, force = false): Promise<WakeResult> {
    const pending = this.waking.get(name)
    if (pending !== undefined) return pending
    const backoff = this.backoffLeft(name)
    if (backoff !== undefined && !force) return Promise.reject(backoff)
    const release = this.options.registry.hold(name)
    const wake = this.runWake(name, cause).finally(() => {
      this.waking.delete(name)
      release()
    })
    this.waking.set(name, wake)
    return wake
  }

  /**
   * A request's wake: shared with every other waiter, refused when too many already wait, and
   * (`withLinked`) over only once the apps it is linked to answer too.
   */
  async wakeForRequest (app: AppRecord, withLinked: boolean): Promise<void> {
    const { registry, maxWaiting = 1000 } = this.options
    // An idle stop still draining: this request cancels it (the app is not idle) and is served.
    this.idleDrains.get(app.name)?.()
    const pending = this.waiters.get(app.name)
    if (pending >= maxWaiting) throw new PaastisError('TOO_MANY_WAITING', `${app.name} is waking up and ${pending} requests already wait for it`, 5)
    this.waiters.add(app.name)
    try {
      await this.wake(app.name, 'request')
      if (withLinked) {
        await Promise.all(app.linkedApps.filter((name) => registry.has(name)).map((name) => this.wake(name, `linked to ${app.name}`)))
      }
    } finally {
      this.waiters.remove(app.name)
    }
  }

  /**
   * Stops the app. With `expectedActivityAt` (the idle decision's view), the stop is cancelled
   * if a request arrived since.
   */
  stop (name: string, cause: StopCause, expectedActivityAt?: number): Promise<StopResult> {
    const pending = this.stopping.get(name)
    if (pending !== undefined) return pending
    const release = this.options.registry.hold(name)
    const stop = this.runStop(name, cause, expectedActivityAt).finally(() => {
      this.stopping.delete(name)
      release()
    })
    this.stopping.set(name, stop)
    return stop
  }

  /** The error of a wake refused because the last ones failed, while their backoff lasts. */
  private backoffLeft (name: string): WakeError | undefined {
    const record = this.options.registry.get(name)
    if (record?.state !== 'failed' || record.nextWakeAt === undefined) return undefined
    const left = record.nextWakeAt - this.options.clock.now()
    if (left <= 0) return undefined
    const why = record.lastError ?? `${name} could not be started`
    return new WakeError(name, 'backoff', `${why} (${record.failedWakes ?? 1} failed wakes in a row; next try in ${Math.ceil(left / 1000)} s)`, left)
  }

  /** The backoff after `failures` consecutive failed wakes. */
  private backoffMs (failures: number): number {
    const base = this.options.wakeBackoffMs ?? 10_000
    const max = this.options.wakeBackoffMaxMs ?? 600_000
    return Math.min(max, base * 2 ** Math.min(30, failures - 1))
  }

  /**
   * A request found an app believed running refusing connections (a crash, an OOM kill, a
   * deploy): one probe tells whether it is down; then it is marked stopped, so that the next
   * request wakes it again instead of reading errors until the next check. Resolves true when
   * the app was found down.
   */
  suspect (name: string): Promise<boolean> {
    const pending = this.suspected.get(name)
    if (pending !== undefined) return pending
    const check = this.runSuspect(name).finally(() => this.suspected.delete(name))
    this.suspected.set(name, check)
    return check
  }

  private async runSuspect (name: string): Promise<boolean> {
    const { registry, log } = this.options
    const record = registry.get(name)
    if (record?.state !== 'running' || record.upstream === undefined || this.isBusy(name)) return false
    const spec = this.options.wakeOptionsFor(record).ping ?? DEFAULT_PROBE
    if (await probe(record.upstream, spec, PROBE_TIMEOUT_MS, this.options.probeDispatcher)) return false
    if (record.state !== 'running' || this.isBusy(name)) return false
    const message = 'its address refused connections and it failed its readiness probe'
    await this.transition(record, 'stopped', { type: 'unreachable', cause: 'request', message })
    log.warn({ app: name }, `${name} is down: ${message}`)
    return true
  }

  /**
   * What discovery saw at the provider. An app started outside Paastis is watched until it
   * passes its probe, then gets a fresh grace period (and is stopped when idle like any other);
   * one stopped outside is marked stopped.
   */
  async observe (record: AppRecord, seen: ProviderApp): Promise<void> {
    const { registry, events } = this.options
    let changed = record.upstream !== seen.upstream || record.region !== seen.region || record.providerId !== seen.providerId
    record.upstream = seen.upstream
    record.region = seen.region
    record.providerId = seen.providerId
    record.owner = seen.owner
    if (seen.state === 'running' && record.state !== 'running') {
      // Running for the proxy only once it answers its probe, whoever started it.
      if (changed) await registry.save(record)
      this.adopt(record.name)
      return
    } else if (seen.state === 'stopped' && record.state !== 'stopped' && record.state !== 'failed') {
      record.state = 'stopped'
      events.record({ app: record.name, type: 'stopped_outside', cause: 'scheduler' })
      changed = true
    } else if (seen.state === 'failed' && record.state !== 'failed' && record.state !== 'stopped') {
      // A start that failed at the provider (not ours): the app serves nothing, as if stopped,
      // but operators see why. A request still tries to wake it.
      record.state = 'failed'
      record.lastErrorDetail = seen.detail
      events.record({ app: record.name, type: 'failed_outside', cause: 'scheduler', message: seen.detail })
      changed = true
    }
    if (changed) await registry.save(record)
  }

  /** An app started outside Paastis: watched until it passes its probe, like a wake of ours. */
  private adopt (name: string): void {
    if (this.isBusy(name)) return
    const release = this.options.registry.hold(name)
    const adoption = this.runAdopt(name).finally(() => {
      this.waking.delete(name)
      release()
    })
    this.waking.set(name, adoption)
    adoption.catch(() => {}) // recorded as an event
  }

  private async runAdopt (name: string): Promise<WakeResult> {
    const { registry, events, clock, log } = this.options
    const record = registry.get(name)
    if (record === undefined) throw new WakeError(name, 'unknown', `no app named "${name}"`)
    const begin = performance.now()
    const wakeOptions = this.options.wakeOptionsFor(record)
    const timeoutMs = wakeOptions.wakeTimeoutMs ?? this.options.wakeTimeoutMs
    const previous = record.state
    record.state = 'starting'
    await registry.save(record)
    try {
      await this.waitReady(record, wakeOptions, begin + timeoutMs, timeoutMs)
    } catch (err) {
      // Paastis did not start it: it is left as the provider has it, and checked again next time.
      record.state = previous === 'starting' ? 'unknown' : previous
      await registry.save(record)
      log.info({ app: name }, `${name} runs at the provider but does not answer: ${(err as Error).message}`)
      throw err
    }
    record.state = 'running'
    record.lastActivityAt = clock.now()
    await registry.save(record)
    events.record({ app: name, type: 'started_outside', cause: 'scheduler' })
    return { ...ALREADY_RUNNING, totalMs: Math.round(performance.now() - begin) }
  }

  private async runWake (name: string, cause: string): Promise<WakeResult> {
    const { registry } = this.options
    const stopping = this.stopping.get(name)
    if (stopping !== undefined) await stopping
    const known = registry.get(name)
    if (known === undefined) throw new WakeError(name, 'unknown', `no app named "${name}"`)
    if (known.state === 'running') return ALREADY_RUNNING
    const begin = performance.now()
    const wakeOptions = this.options.wakeOptionsFor(known)
    const timeoutMs = wakeOptions.wakeTimeoutMs ?? this.options.wakeTimeoutMs
    const deadline = begin + timeoutMs

    // Across replicas: the one that holds the app's lock starts it; the others watch the shared
    // registry until it runs (or the lock is free again, and they try themselves).
    for (;;) {
      const started = await this.withLock(name, async (shared) => {
        const record = shared ? await registry.refresh(name) : registry.get(name)
        if (record === undefined) throw new WakeError(name, 'unknown', `no app named "${name}"`)
        if (record.state === 'running') return ALREADY_RUNNING
        return await this.startNow(record, cause, wakeOptions, begin, deadline, timeoutMs)
      })
      if (started !== 'held') return started
      await sleep(100)
      const record = await registry.refresh(name).catch(() => registry.get(name))
      if (record?.state === 'running') return { ...ALREADY_RUNNING, totalMs: Math.round(performance.now() - begin) }
      if (performance.now() > deadline) throw new WakeError(name, 'timeout', `${name} could not be started: another replica's start did not finish within ${timeoutMs} ms`)
    }
  }

  private async startNow (record: AppRecord, cause: string, wakeOptions: WakeOptions, begin: number, deadline: number, timeoutMs: number): Promise<WakeResult> {
    const { registry, events, hooks, provider, log } = this.options
    const name = record.name
    delete record.lastError
    await this.transition(record, 'starting', { type: 'starting', cause })
    log.info({ app: name, provider: record.provider, cause }, 'waking app')
    await hooks.run('before-start', record)
    for (const linked of record.linkedApps) this.wakeLinked(linked, name)

    let providerMs = 0
    let readyMs = 0
    try {
      const providerFrom = performance.now()
      await beforeDeadline(provider.start(record), deadline, 'the provider did not start the app in time')
      const readyFrom = performance.now()
      providerMs = readyFrom - providerFrom
      await this.waitReady(record, wakeOptions, deadline, timeoutMs)
      readyMs = performance.now() - readyFrom
    } catch (err) {
      const reason: WakeFailure = err instanceof WakeError ? err.reason : 'failed'
      let message = `${name} could not be started: ${(err as Error).message}`
      const detail = provider.diagnose(record)
      // Half-started is the worst state: the next check would find it alive and unready.
      const stopped = await this.stopHalfStarted(record)
      message += stopped === true ? '; what was started is stopped again' : `; stopping what was started failed too: ${stopped}`
      record.state = 'failed'
      record.lastError = message
      // What the app said is for operators: events, admin API and log, never a visitor's page.
      record.lastErrorDetail = detail
      record.failedWakes = (record.failedWakes ?? 0) + 1
      const backoffMs = this.backoffMs(record.failedWakes)
      record.nextWakeAt = this.options.clock.now() + backoffMs
      await registry.save(record)
      events.record({ app: name, type: 'start_failed', cause, reason, message: `${message}${detail === undefined ? '' : `; ${detail}`} (next try in ${Math.round(backoffMs / 1000)} s at the earliest)` })
      log.warn({ app: name, cause, reason, failedWakes: record.failedWakes, detail }, message)
      throw new WakeError(name, reason, message, backoffMs)
    }
    delete record.failedWakes
    delete record.nextWakeAt
    delete record.lastErrorDetail

    const totalMs = Math.round(performance.now() - begin)
    record.lastActivityAt = this.options.clock.now()
    const result = { totalMs, providerMs: Math.round(providerMs), readyMs: Math.round(readyMs) }
    await this.transition(record, 'running', { type: 'started', cause, durationMs: totalMs, timings: result })
    log.info({ app: name, provider: record.provider, cause, ...result }, 'app woke up')
    void hooks.run('after-start', record)
    return result
  }

  /** true once stopped, or why the stop failed. */
  private async stopHalfStarted (record: AppRecord): Promise<true | string> {
    try {
      const formation = await this.options.provider.stop(record)
      if (formation !== undefined && Object.values(formation).some((amount) => amount > 0)) record.formation = formation
      return true
    } catch (err) {
      return (err as Error).message
    }
  }

  private wakeLinked (linked: string, parent: string): void {
    if (!this.options.registry.has(linked)) {
      this.options.log.warn({ app: parent, linked }, 'linked app is not known to the provider')
      return
    }
    this.wake(linked, `linked to ${parent}`).catch((err: Error) => {
      this.options.log.warn({ app: linked, parent }, err.message)
    })
  }

  /** Ready = the provider has not reported a failure and the upstream passes its probe. */
  private async waitReady (record: AppRecord, wakeOptions: WakeOptions, deadline: number, timeoutMs: number): Promise<void> {
    if (record.upstream === undefined) throw new WakeError(record.name, 'failed', 'the provider gave no URL for it')
    const failed = await waitUntilReady(record.upstream, wakeOptions.ping ?? DEFAULT_PROBE, {
      deadline, dispatcher: this.options.probeDispatcher, failure: () => this.options.provider.failure(record)
    })
    if (failed === 'timeout') throw new WakeError(record.name, 'timeout', `it did not answer within ${timeoutMs} ms`)
    if (failed !== undefined) throw new WakeError(record.name, 'failed', failed.failure)
  }

  private async runStop (name: string, cause: StopCause, expectedActivityAt?: number): Promise<StopResult> {
    const result = await this.withLock(name, async (shared) => {
      // With a shared registry, this re-reads the activity of every replica.
      if (shared) await this.options.registry.refresh(name)
      return await this.stopNow(name, cause, expectedActivityAt)
    })
    return result === 'held' ? { stopped: false, reason: 'busy', message: `another replica is starting or stopping ${name}` } : result
  }

  /** Keeps the app awake until `until` (epoch ms), whatever its idleness; null ends the pin. */
  async pin (name: string, until: number | null, cause: string): Promise<AppRecord | undefined> {
    const { registry, events } = this.options
    const record = registry.get(name)
    if (record === undefined) return undefined
    record.pinnedUntil = until
    await registry.save(record)
    events.record(until === null
      ? { app: name, type: 'unpinned', cause }
      : { app: name, type: 'pinned', cause, message: `kept awake until ${new Date(until).toISOString()}` })
    return record
  }

  private async stopNow (name: string, cause: StopCause, expectedActivityAt?: number): Promise<StopResult> {
    const { registry, events, hooks, provider, log, clock } = this.options
    const record = registry.get(name)
    if (record === undefined) return { stopped: false, reason: 'unknown', message: `no app named "${name}"` }
    if (record.state === 'stopped') return { stopped: false, reason: 'already-stopped', message: `${name} is already stopped` }
    // Re-read after the lock (runStop refreshes the record): another replica may have pinned it.
    // A pin wins over idleness and sleep_at; a keep_awake window over idleness only.
    const keptUntil = cause === 'idle' ? this.options.keptAwakeUntil?.(record, clock.now()) : undefined
    if (cause !== 'admin' && ((record.pinnedUntil ?? 0) > clock.now() || keptUntil !== undefined)) {
      const message = keptUntil === undefined
        ? `${name} is pinned until ${new Date(record.pinnedUntil ?? 0).toISOString()}`
        : `${name} is kept awake until ${new Date(keptUntil).toISOString()} (keep_awake)`
      events.record({ app: name, type: 'stop_cancelled', cause, message })
      return { stopped: false, reason: 'active', message }
    }

    if (this.options.dryRun === true && cause !== 'admin') return await this.wouldStop(record, cause, expectedActivityAt)
    if (!await hooks.run('before-stop', record)) {
      const message = `the before-stop hook vetoed the stop of ${name}`
      events.record({ app: name, type: 'stop_vetoed', cause, message })
      return { stopped: false, reason: 'vetoed', message }
    }
    if (expectedActivityAt !== undefined && record.lastActivityAt > expectedActivityAt) {
      const message = `${name} received a request since it was found idle`
      events.record({ app: name, type: 'stop_cancelled', cause, message })
      return { stopped: false, reason: 'active', message }
    }
    if (cause === 'idle') {
      // A response streaming on another replica: the app is not idle there.
      const remote = await (this.options.remoteInflight?.(name) ?? Promise.resolve(0)).catch(() => 0)
      if (remote > 0) {
        const message = `${name} has ${remote} exchange(s) open on other replicas`
        events.record({ app: name, type: 'stop_cancelled', cause, message })
        return { stopped: false, reason: 'active', message }
      }
    }

    // From here new requests wait for the stop, then wake the app again.
    const previous = record.state
    const begin = performance.now()
    await this.transition(record, 'stopping', { type: 'stopping', cause })
    const drained = await this.drain(name, cause)
    if (drained === 'cancelled') {
      const message = `a request for ${name} arrived while its idle stop drained: it is not idle`
      await this.transition(record, previous, { type: 'stop_cancelled', cause, message })
      return { stopped: false, reason: 'active', message }
    }
    if (drained === 'deadline') {
      const cut = registry.cut(name)
      if (cut > 0) log.warn({ app: name, cause, cut }, `${cut} exchange(s) still open on ${name} after STOP_DRAIN_TIMEOUT: cut`)
    }
    try {
      const formation = await provider.stop(record)
      if (formation !== undefined) record.formation = formation
    } catch (err) {
      const message = `${name} could not be stopped: ${(err as Error).message}`
      await this.transition(record, previous, { type: 'stop_failed', cause, message })
      log.warn({ app: name, cause }, message)
      return { stopped: false, reason: 'failed', message }
    }
    const durationMs = Math.round(performance.now() - begin)
    await this.transition(record, 'stopped', { type: 'stopped', cause, durationMs })
    log.info({ app: name, provider: record.provider, cause, durationMs }, 'app stopped')
    void hooks.run('after-stop', record)
    // Stopped by hand: a pin would wake nothing, but would keep it up after its next wake.
    if (cause === 'admin' && (record.pinnedUntil ?? 0) > clock.now()) await this.pin(name, null, 'admin')
    return { stopped: true }
  }

  /**
   * DRY_RUN: what would have been stopped is recorded once per idle period (the reconciler
   * records would_start when a request comes), and nothing else happens: no hook, no drain.
   */
  private async wouldStop (record: AppRecord, cause: StopCause, expectedActivityAt?: number): Promise<StopResult> {
    const { registry, events, log, clock } = this.options
    const message = `${record.name} would be stopped (${cause === 'idle' ? 'idle' : 'sleep_at'}); DRY_RUN is on, so it keeps running`
    if (expectedActivityAt !== undefined && record.lastActivityAt > expectedActivityAt) return { stopped: false, reason: 'active' }
    if (typeof record.wouldStopAt === 'number') return { stopped: false, reason: 'dry-run', message }
    record.wouldStopAt = clock.now()
    await registry.save(record)
    events.record({ app: record.name, type: 'would_stop', cause, message })
    log.info({ app: record.name, provider: record.provider, cause, dryRun: true }, message)
    return { stopped: false, reason: 'dry-run', message }
  }

  /** DRY_RUN: a request reached an app that would be asleep: it would have been woken then (or it stopped). */
  async wouldStart (record: AppRecord): Promise<void> {
    if (typeof record.wouldStopAt !== 'number') return
    const at = Math.max(record.lastActivityAt, record.wouldStopAt)
    record.wouldStopAt = null
    await this.options.registry.save(record)
    // Stopped since (outside Paastis, or by an admin): its own events tell that part.
    if (record.state !== 'running') return
    this.options.events.record({ at: new Date(at).toISOString(), app: record.name, type: 'would_start', cause: 'request', message: `a request would have woken ${record.name}` })
  }

  /** One change of state: saved (through to a shared store), then told as an event. */
  private async transition (record: AppRecord, state: AppState, event: Omit<PaastisEvent, 'app' | 'at'>): Promise<void> {
    record.state = state
    await this.options.registry.save(record)
    this.options.events.record({ app: record.name, ...event })
  }

  /**
   * Runs `work` holding the app's cross-replica lock (`shared`: the store has the latest word),
   * or answers `held` when another replica holds it. One process takes no lock.
   */
  private async withLock<T> (name: string, work: (shared: boolean) => Promise<T>): Promise<T | 'held'> {
    const lock = await (this.options.locks?.acquire(`app:${name}`) ?? Promise.resolve(undefined))
    if (lock === 'held') return 'held'
    if (lock === 'unavailable') this.options.log.warn({ app: name }, 'the shared registry does not answer: acting on this replica alone')
    try {
      return await work(lock !== undefined && lock !== 'unavailable')
    } finally {
      if (lock !== undefined && lock !== 'unavailable') await lock.release()
    }
  }

  /**
   * A stop waits for the exchanges in flight, up to STOP_DRAIN_TIMEOUT; an idle stop is cancelled
   * by a request that arrives meanwhile (wakeForRequest).
   */
  private async drain (name: string, cause: StopCause): Promise<'drained' | 'cancelled' | 'deadline'> {
    const { registry, drainTimeoutMs = DRAIN_TIMEOUT_MS } = this.options
    if (registry.inflightCount(name) === 0) return 'drained'
    let cancelled = false
    const cancel = new AbortController()
    if (cause === 'idle') {
      this.idleDrains.set(name, () => {
        cancelled = true
        cancel.abort()
      })
    }
    try {
      const drained = await waitWhile(() => registry.inflightCount(name) > 0, 25, drainTimeoutMs, cancel.signal)
      return cancelled ? 'cancelled' : drained ? 'drained' : 'deadline'
    } finally {
      this.idleDrains.delete(name)
    }
  }
}

function beforeDeadline<T> (work: Promise<T>, deadline: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((resolve, reject) => {
    timer = setTimeout(() => reject(new WakeError('', 'timeout', message)), Math.max(0, deadline - performance.now()))
  })
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
}
