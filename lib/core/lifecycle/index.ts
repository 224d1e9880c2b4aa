// The one place where apps change state, one job per file: waking (waking.ts, with the held
// requests offered as a wake's probe, held-probes.ts), stopping (stopping.ts, with
// stop-refusals.ts and the drain), adopting what the provider shows (adoption.ts), checking an
// app a request found down (crash-check.ts), pins and DRY_RUN. They share the starts and stops
// under way (in-flight.ts): one per app, however many ask at once. This class only wires them,
// so that callers hold one object.
import type { AppRecord } from '../app-record'
import type { ProviderApp } from '../provider'
import type { ProbeAttempt } from '../../proxy/probe'
import { Adoption } from './adoption'
import { CrashCheck } from './crash-check'
import { HeldProbes, type HeldProbe } from './held-probes'
import { wouldStart } from './dry-run'
import { IdleDrains } from './idle-drains'
import { InFlight } from './in-flight'
import type { LifecycleOptions, StopCause, StopResult, WakeResult } from './options'
import { pin } from './pins'
import { Stopping } from './stopping'
import { Waking } from './waking'

export type { LifecycleOptions, StopCause, StopResult, WakeResult } from './options'

export class Lifecycle {
  private readonly inFlight: InFlight
  private readonly waking: Waking
  private readonly stopping: Stopping
  private readonly adoption: Adoption
  private readonly crashCheck: CrashCheck
  private readonly heldProbes = new HeldProbes()

  constructor (private readonly options: LifecycleOptions) {
    this.inFlight = new InFlight(options.registry)
    const drains = new IdleDrains(options.registry, options.drainTimeoutMs)
    this.waking = new Waking(options, this.inFlight, drains, this.heldProbes)
    this.stopping = new Stopping(options, this.inFlight, drains)
    this.adoption = new Adoption(options, this.inFlight)
    this.crashCheck = new CrashCheck(options, this.inFlight)
  }

  /** True while a start or a stop of the app is under way. */
  isBusy (name: string): boolean {
    return this.inFlight.isBusy(name)
  }

  /** True while a start (or the adoption of an app started elsewhere) is under way. */
  isWaking (name: string): boolean {
    return this.inFlight.waking.has(name)
  }

  /** See Waking.wake: shared, backed off after failures unless `force`. */
  wake (name: string, cause: string, force = false): Promise<WakeResult> {
    return this.waking.wake(name, cause, force)
  }

  /** See Waking.wakeForRequest: bounded waiters, linked apps, an idle drain interrupted. */
  wakeForRequest (app: AppRecord, withLinked: boolean): Promise<void> {
    return this.waking.wakeForRequest(app, withLinked)
  }

  /** See HeldProbes: a held request of a waking app offered as its readiness probe. */
  offerProbe (name: string, attempt: ProbeAttempt): HeldProbe {
    return this.heldProbes.offer(name, attempt)
  }

  /** See Stopping.stop. */
  stop (name: string, cause: StopCause, expectedActivityAt?: number): Promise<StopResult> {
    return this.stopping.stop(name, cause, expectedActivityAt)
  }

  /** See CrashCheck.suspect. */
  suspect (name: string): Promise<boolean> {
    return this.crashCheck.suspect(name)
  }

  /** See Adoption.observe. */
  observe (record: AppRecord, seen: ProviderApp): Promise<void> {
    return this.adoption.observe(record, seen)
  }

  /** Keeps the app awake until `until` (epoch ms), whatever its idleness; null ends the pin. */
  pin (name: string, until: number | null, cause: string): Promise<AppRecord | undefined> {
    return pin(this.options, name, until, cause)
  }

  /** DRY_RUN: a request reached an app that would be asleep. */
  wouldStart (record: AppRecord): Promise<void> {
    return wouldStart(this.options, record)
  }
}
