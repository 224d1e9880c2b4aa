// Stopping an app: one stop per app however many ask, across replicas the one holding its lock;
// refused for the reasons stop-refusals.ts gives; the exchanges in flight drained first.
import { performance } from 'node:perf_hooks'
import type { AppRecord } from '../app-record'
import { withAppLock } from './app-lock'
import { wouldStop } from './dry-run'
import type { IdleDrains } from './idle-drains'
import type { InFlight } from './in-flight'
import type { LifecycleOptions, StopCause, StopResult } from './options'
import { pin } from './pins'
import { keptAwake, refusedStop } from './stop-refusals'
import { transition } from './transition'

export class Stopping {
  constructor (private readonly options: LifecycleOptions, private readonly inFlight: InFlight, private readonly drains: IdleDrains) {}

  /**
   * Stops the app. With `expectedActivityAt` (the idle decision's view), the stop is cancelled
   * if a request arrived since.
   */
  stop (name: string, cause: StopCause, expectedActivityAt?: number): Promise<StopResult> {
    return this.inFlight.stop(name, () => this.runStop(name, cause, expectedActivityAt))
  }

  private async runStop (name: string, cause: StopCause, expectedActivityAt?: number): Promise<StopResult> {
    const result = await withAppLock(this.options.locks, this.options.log, name, async (shared) => {
      // With a shared registry, this re-reads the activity of every replica (and their pins).
      if (shared) await this.options.registry.refresh(name)
      return await this.stopIfAllowed(name, cause, expectedActivityAt)
    })
    return result === 'held' ? { stopped: false, reason: 'busy', message: `another replica is starting or stopping ${name}` } : result
  }

  private async stopIfAllowed (name: string, cause: StopCause, expectedActivityAt?: number): Promise<StopResult> {
    const { options } = this
    const record = options.registry.get(name)
    if (record === undefined) return { stopped: false, reason: 'unknown', message: `no app named "${name}"` }
    if (record.state === 'stopped') return { stopped: false, reason: 'already-stopped', message: `${name} is already stopped` }
    const kept = keptAwake(options, record, cause)
    if (kept === undefined && options.dryRun === true && cause !== 'admin') return await wouldStop(options, record, cause, expectedActivityAt)
    const refusal = kept ?? await refusedStop(options, record, cause, expectedActivityAt)
    if (refusal !== undefined) {
      options.events.record({ app: name, type: refusal.event, cause, message: refusal.message })
      return { stopped: false, reason: refusal.reason, message: refusal.message }
    }
    return await this.stopNow(record, cause)
  }

  private async stopNow (record: AppRecord, cause: StopCause): Promise<StopResult> {
    const { registry, events, hooks, provider, log, clock } = this.options
    const name = record.name
    // From here new requests wait for the stop, then wake the app again.
    const previous = record.state
    const begin = performance.now()
    await transition(registry, events, record, 'stopping', { type: 'stopping', cause })
    const drained = await this.drains.drain(name, cause)
    if (drained === 'cancelled') {
      const message = `a request for ${name} arrived while its idle stop drained: it is not idle`
      await transition(registry, events, record, previous, { type: 'stop_cancelled', cause, message })
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
      await transition(registry, events, record, previous, { type: 'stop_failed', cause, message })
      log.warn({ app: name, cause }, message)
      return { stopped: false, reason: 'failed', message }
    }
    const durationMs = Math.round(performance.now() - begin)
    await transition(registry, events, record, 'stopped', { type: 'stopped', cause, durationMs })
    log.info({ app: name, provider: record.provider, cause, durationMs }, 'app stopped')
    void hooks.run('after-stop', record)
    // Stopped by hand: a pin would wake nothing, but would keep it up after its next wake.
    if (cause === 'admin' && (record.pinnedUntil ?? 0) > clock.now()) await pin(this.options, name, null, 'admin')
    return { stopped: true }
  }
}
