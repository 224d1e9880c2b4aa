// A request found an app believed running refusing connections (a crash, an OOM kill, a deploy):
// one probe tells whether it is down; then it is marked stopped, so that the next request wakes it
// again instead of reading errors until the next check.
import { SingleFlight } from '../../common/single-flight'
import { DEFAULT_PROBE, PROBE_TIMEOUT_MS, probe } from '../../proxy/probe'
import type { InFlight } from './in-flight'
import type { LifecycleOptions } from './options'
import { transition } from './transition'

export class CrashCheck {
  private readonly checks = new SingleFlight<boolean>()

  constructor (private readonly options: LifecycleOptions, private readonly inFlight: InFlight) {}

  /** Resolves true when the app was found down (and is marked stopped). */
  suspect (name: string): Promise<boolean> {
    return this.checks.run(name, () => this.check(name))
  }

  private async check (name: string): Promise<boolean> {
    const { registry, events, log } = this.options
    const record = registry.get(name)
    if (record?.state !== 'running' || record.upstream === undefined || this.inFlight.isBusy(name)) return false
    const spec = this.options.wakeOptionsFor(record).ping ?? DEFAULT_PROBE
    if (await probe(record.upstream, spec, PROBE_TIMEOUT_MS, this.options.probeDispatcher)) return false
    if (record.state !== 'running' || this.inFlight.isBusy(name)) return false
    const message = 'its address refused connections and it failed its readiness probe'
    await transition(registry, events, record, 'stopped', { type: 'unreachable', cause: 'request', message })
    log.warn({ app: name }, `${name} is down: ${message}`)
    return true
  }
}
