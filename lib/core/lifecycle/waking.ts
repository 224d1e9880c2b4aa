// Waking an app: one start per app however many ask, across replicas the one holding its lock;
// ready only once it answers its probe; a failure stops what was started and backs off.
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { Counts } from '../../common/counts'
import { PaastisError, WakeError, type WakeFailure } from '../../common/errors'
import type { WakeOptions } from '../../config/rules'
import type { AppRecord } from '../app-record'
import { withAppLock } from './app-lock'
import type { HeldProbes } from './held-probes'
import type { IdleDrains } from './idle-drains'
import type { InFlight } from './in-flight'
import { ALREADY_RUNNING, type LifecycleOptions, type WakeResult } from './options'
import { beforeDeadline, waitReady, type Deadline } from './readiness'
import { transition } from './transition'
import { backoffLeft, backoffMs, DEFAULT_BACKOFF } from './wake-backoff'
import { NO_TRACING } from '../wake-tracing'

export class Waking {
  /** Requests waiting for each app's wake: bounded, so that a burst cannot exhaust memory. */
  private readonly waiters = new Counts()

  constructor (
    private readonly options: LifecycleOptions,
    private readonly inFlight: InFlight,
    private readonly drains: IdleDrains,
    private readonly heldProbes: HeldProbes
  ) {}

  /**
   * Starts the app and waits until it answers; every concurrent caller shares one start. After a
   * failed wake the app is left alone for a growing backoff, unless `force` (an admin's start).
   */
  wake (name: string, cause: string, force = false): Promise<WakeResult> {
    const pending = this.inFlight.waking.get(name)
    if (pending !== undefined) return pending
    const backoff = backoffLeft(this.options.registry.get(name), this.options.clock.now())
    if (backoff !== undefined && !force) return Promise.reject(backoff)
    return this.inFlight.wake(name, () => this.runWake(name, cause))
  }

  /**
   * A request's wake: shared with every other waiter, refused when too many already wait, and
   * (`withLinked`) over only once the apps it is linked to answer too.
   */
  async wakeForRequest (app: AppRecord, withLinked: boolean): Promise<void> {
    const { registry, maxWaiting = 1000 } = this.options
    this.drains.interrupt(app.name)
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

  private async runWake (name: string, cause: string): Promise<WakeResult> {
    const { registry, locks, log } = this.options
    const stopping = this.inFlight.stopping.get(name)
    if (stopping !== undefined) await stopping
    const known = registry.get(name)
    if (known === undefined) throw new WakeError(name, 'unknown', `no app named "${name}"`)
    if (known.state === 'running') return ALREADY_RUNNING
    const begin = performance.now()
    const wakeOptions = this.options.wakeOptionsFor(known)
    const timeoutMs = wakeOptions.wakeTimeoutMs ?? this.options.wakeTimeoutMs
    const deadline: Deadline = { at: begin + timeoutMs, timeoutMs }

    // Across replicas: the one that holds the app's lock starts it; the others watch the shared
    // registry until it runs (or the lock is free again, and they try themselves).
    for (;;) {
      const started = await withAppLock(locks, log, name, async (shared) => {
        const record = shared ? await registry.refresh(name) : registry.get(name)
        if (record === undefined) throw new WakeError(name, 'unknown', `no app named "${name}"`)
        if (record.state === 'running') return ALREADY_RUNNING
        return await this.startNow(record, cause, wakeOptions, begin, deadline)
      })
      if (started !== 'held') return started
      await sleep(100)
      const record = await registry.refresh(name).catch(() => registry.get(name))
      if (record?.state === 'running') return { ...ALREADY_RUNNING, totalMs: Math.round(performance.now() - begin) }
      if (performance.now() > deadline.at) throw new WakeError(name, 'timeout', `${name} could not be started: another replica's start did not finish within ${timeoutMs} ms`)
    }
  }

  private async startNow (record: AppRecord, cause: string, wakeOptions: WakeOptions, begin: number, deadline: Deadline): Promise<WakeResult> {
    const { registry, events, hooks, provider, log } = this.options
    const name = record.name
    delete record.lastError
    await transition(registry, events, record, 'starting', { type: 'starting', cause })
    log.info({ app: name, provider: record.provider, cause }, 'waking app')
    const trace = (this.options.tracing ?? NO_TRACING).begin(record, cause)
    await hooks.run('before-start', record)
    for (const linked of record.linkedApps) this.wakeLinked(linked, name)

    let providerMs = 0
    let readyMs = 0
    let phaseEnd = trace.phase('provider')
    try {
      const providerFrom = performance.now()
      await beforeDeadline(provider.start(record), deadline, 'the provider did not start the app in time')
      phaseEnd()
      phaseEnd = trace.phase('readiness')
      const readyFrom = performance.now()
      providerMs = readyFrom - providerFrom
      await waitReady(record, wakeOptions, deadline, provider, this.options.probeDispatcher, () => this.heldProbes.next(name))
      phaseEnd()
      readyMs = performance.now() - readyFrom
    } catch (err) {
      phaseEnd(err as Error)
      const failure = await this.failed(record, cause, err as Error)
      trace.end(failure)
      throw failure
    }
    delete record.failedWakes
    delete record.nextWakeAt
    delete record.lastErrorDetail

    const totalMs = Math.round(performance.now() - begin)
    record.lastActivityAt = this.options.clock.now()
    const result = { totalMs, providerMs: Math.round(providerMs), readyMs: Math.round(readyMs) }
    try {
      await transition(registry, events, record, 'running', { type: 'started', cause, durationMs: totalMs, timings: result })
    } catch (err) {
      trace.end(err as Error)
      throw err
    }
    trace.end()
    log.info({ app: name, provider: record.provider, cause, ...result }, 'app woke up')
    void hooks.run('after-start', record)
    return result
  }

  /** A failed start: what was started is stopped again, the app marked failed and backed off. */
  private async failed (record: AppRecord, cause: string, err: Error): Promise<WakeError> {
    const { registry, events, provider, log, clock } = this.options
    const name = record.name
    const reason: WakeFailure = err instanceof WakeError ? err.reason : 'failed'
    let message = `${name} could not be started: ${err.message}`
    const detail = provider.diagnose(record)
    // Half-started is the worst state: the next check would find it alive and unready.
    const stopped = await this.stopHalfStarted(record)
    message += stopped === true ? '; what was started is stopped again' : `; stopping what was started failed too: ${stopped}`
    record.state = 'failed'
    record.lastError = message
    // What the app said is for operators: events, admin API and log, never a visitor's page.
    record.lastErrorDetail = detail
    record.failedWakes = (record.failedWakes ?? 0) + 1
    const waitMs = backoffMs(record.failedWakes, {
      baseMs: this.options.wakeBackoffMs ?? DEFAULT_BACKOFF.baseMs,
      maxMs: this.options.wakeBackoffMaxMs ?? DEFAULT_BACKOFF.maxMs
    })
    record.nextWakeAt = clock.now() + waitMs
    await registry.save(record)
    events.record({ app: name, type: 'start_failed', cause, reason, message: `${message}${detail === undefined ? '' : `; ${detail}`} (next try in ${Math.round(waitMs / 1000)} s at the earliest)` })
    log.warn({ app: name, cause, reason, failedWakes: record.failedWakes, detail }, message)
    return new WakeError(name, reason, message, waitMs)
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
}
