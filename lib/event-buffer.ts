// A remote event store that may be away (PostgreSQL restarting, Redis failing over): events it
// refuses wait in memory, bounded (the oldest go first), and are written in order once it answers
// again. Appends never fail, so the request path and the lifecycle never wait for the store.
import type { EventFilter, EventPage, EventStore, EventType, PaastisEvent } from './event-store'

export class EventBuffer implements EventStore {
  private readonly pending: PaastisEvent[] = []
  private dropped = 0
  private lastError: string | undefined
  private flushing: Promise<void> | undefined
  private readonly timer: NodeJS.Timeout

  constructor (
    private readonly store: EventStore,
    /** Named in /readyz: "PostgreSQL", "Redis". */
    private readonly name: string,
    private readonly capacity = 10_000,
    retryMs = 1000,
    private readonly onError: (message: string) => void = () => {}
  ) {
    this.timer = setInterval(() => { void this.flush() }, retryMs).unref()
  }

  get buffered (): number { return this.pending.length }

  async append (event: PaastisEvent): Promise<void> {
    if (this.pending.length === this.capacity) {
      this.pending.shift()
      this.dropped++
    }
    this.pending.push(event)
    await this.flush()
  }

  /** Writes what waits, in order, until the store refuses one (tried again on the next tick). */
  flush (): Promise<void> {
    if (this.flushing === undefined) {
      if (this.pending.length === 0) return Promise.resolve()
      // `.finally` runs after this assignment, even when the writes end at once.
      this.flushing = this.drain().finally(() => { this.flushing = undefined })
    }
    return this.flushing
  }

  private async drain (): Promise<void> {
    try {
      while (this.pending.length > 0) {
        await this.store.append(this.pending[0])
        this.pending.shift()
      }
      this.lastError = undefined
      this.dropped = 0
    } catch (err) {
      const message = (err as Error).message
      if (this.lastError === undefined) this.onError(message) // once per outage, not per event
      this.lastError = message
    }
  }

  async page (filter: EventFilter): Promise<EventPage> { return await this.store.page(filter) }
  async history (types: readonly EventType[], until: number): Promise<PaastisEvent[]> {
    const stored = await this.store.history(types, until)
    if (this.pending.length === 0) return stored
    // Waiting events count too: they happened.
    const waiting = this.pending.filter((event) => types.includes(event.type) && Date.parse(event.at) < until)
    return [...stored, ...waiting].sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
  }

  async prune (before: number): Promise<number> { return await this.store.prune(before) }

  health (): string | undefined {
    if (this.lastError === undefined) return undefined
    const lost = this.dropped > 0 ? `, ${this.dropped} older ones dropped` : ''
    return `${this.name} does not answer (${this.lastError}): ${this.pending.length} events buffered in memory${lost}`
  }

  async close (): Promise<void> {
    clearInterval(this.timer)
    await this.flush()
    await this.store.close?.()
  }
}
