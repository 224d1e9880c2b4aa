// What discovery saw at the provider. An app started outside Paastis is watched until it passes
// its probe, then gets a fresh grace period (and is stopped when idle like any other); one stopped
// or failed outside is marked so.
import { performance } from 'node:perf_hooks'
import { WakeError } from '../../common/errors'
import type { AppRecord } from '../app-record'
import type { ProviderApp } from '../provider'
import type { InFlight } from './in-flight'
import { ALREADY_RUNNING, type LifecycleOptions, type WakeResult } from './options'
import { waitReady } from './readiness'

export class Adoption {
  constructor (private readonly options: LifecycleOptions, private readonly inFlight: InFlight) {}

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
    if (this.inFlight.isBusy(name)) return
    this.inFlight.wake(name, () => this.runAdopt(name)).catch(() => {}) // recorded as an event
  }

  private async runAdopt (name: string): Promise<WakeResult> {
    const { registry, events, clock, log, provider } = this.options
    const record = registry.get(name)
    if (record === undefined) throw new WakeError(name, 'unknown', `no app named "${name}"`)
    const begin = performance.now()
    const wakeOptions = this.options.wakeOptionsFor(record)
    const timeoutMs = wakeOptions.wakeTimeoutMs ?? this.options.wakeTimeoutMs
    const previous = record.state
    record.state = 'starting'
    await registry.save(record)
    try {
      await waitReady(record, wakeOptions, { at: begin + timeoutMs, timeoutMs }, provider, this.options.probeDispatcher)
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
}
