// The proxied exchanges, each counted in flight from its start to its one end, however it ends:
// the response finishes, the client aborts, the app resets, a timeout fires, a websocket closes.
// Its end is activity (unless the request is passive), so an app is never stopped under a request.
import type { AppRecord } from './app-record'
import type { Clock } from '../common/clock'
import type { Registry } from './registry'

/** The part of a response an exchange watches (Node's ServerResponse). */
export interface ExchangeResponse {
  readonly destroyed: boolean
  once(event: 'finish' | 'close', listener: () => void): unknown
  /** Cuts it (a stop's drain past STOP_DRAIN_TIMEOUT). */
  destroy(): void
}

export class Exchanges {
  /** `onEnd` is told of every end (request metrics); built once, not per request. */
  constructor (
    private readonly registry: Registry,
    private readonly clock: Clock,
    private readonly onEnd: (app: AppRecord, waited: boolean) => void
  ) {}

  /** Opens the exchange; returns its end (idempotent), also called by the response's own end. */
  open (response: ExchangeResponse, app: AppRecord, passive: boolean, waited: boolean): () => void {
    const { registry, clock } = this
    let ended = false
    let slot: number | undefined
    const end = (): void => {
      if (ended) return
      ended = true
      this.onEnd(app, waited)
      if (passive) return
      registry.touch(app, clock.now())
      registry.end(app.name, response, slot)
    }
    if (!passive) {
      registry.touch(app, clock.now())
      slot = registry.begin(app.name, response)
    }
    response.once('finish', end)
    response.once('close', end)
    // The client may have left while its app woke up: its close was before the listener.
    if (response.destroyed) end()
    return end
  }
}
