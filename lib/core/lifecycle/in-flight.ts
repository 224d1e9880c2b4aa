// The starts and stops under way, one per app each: what every job of the lifecycle asks before
// it begins ("is this app busy?"). An adoption of an app started elsewhere counts as a start.
import { SingleFlight } from '../../common/single-flight'
import type { Registry } from '../registry'
import type { StopResult, WakeResult } from './options'

export class InFlight {
  readonly waking = new SingleFlight<WakeResult>()
  readonly stopping = new SingleFlight<StopResult>()

  constructor (private readonly registry: Registry) {}

  /** True while a start or a stop of the app is under way. */
  isBusy (name: string): boolean {
    return this.waking.has(name) || this.stopping.has(name)
  }

  /** Runs `work` as the app's start (or joins the one under way), the record held from the sync. */
  wake (name: string, work: () => Promise<WakeResult>): Promise<WakeResult> {
    return this.waking.run(name, () => this.holding(name, work))
  }

  /** Runs `work` as the app's stop (or joins the one under way), the record held from the sync. */
  stop (name: string, work: () => Promise<StopResult>): Promise<StopResult> {
    return this.stopping.run(name, () => this.holding(name, work))
  }

  /** A replica's sync must not overwrite a record while this process changes its state. */
  private async holding<T> (name: string, work: () => Promise<T>): Promise<T> {
    const release = this.registry.hold(name)
    try {
      return await work()
    } finally {
      release()
    }
  }
}
