// A stop waits for the exchanges open on the app, up to STOP_DRAIN_TIMEOUT. An idle stop's drain
// ends as soon as a request arrives for the app: that request proves it is not idle.
import { waitWhile } from '../../common/poll'
import type { Registry } from '../registry'
import type { StopCause } from './options'

/** How long a stop waits for the requests in flight to finish before it cuts them (STOP_DRAIN_TIMEOUT). */
const DRAIN_TIMEOUT_MS = 10_000

export type Drained = 'drained' | 'cancelled' | 'deadline'

export class IdleDrains {
  private readonly cancels = new Map<string, () => void>()

  constructor (private readonly registry: Registry, private readonly timeoutMs = DRAIN_TIMEOUT_MS) {}

  /** A request arrived for the app: an idle stop draining it is cancelled. */
  interrupt (name: string): void {
    this.cancels.get(name)?.()
  }

  async drain (name: string, cause: StopCause): Promise<Drained> {
    const { registry } = this
    if (registry.inflightCount(name) === 0) return 'drained'
    let cancelled = false
    const cancel = new AbortController()
    if (cause === 'idle') {
      this.cancels.set(name, () => {
        cancelled = true
        cancel.abort()
      })
    }
    try {
      const drained = await waitWhile(() => registry.inflightCount(name) > 0, 25, this.timeoutMs, cancel.signal)
      return cancelled ? 'cancelled' : drained ? 'drained' : 'deadline'
    } finally {
      this.cancels.delete(name)
    }
  }
}
