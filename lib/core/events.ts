// What happened to which app and why. Every event goes to this replica's memory (newest first,
// bounded) and, when one is configured, to a durable store that every replica shares (Redis or
// PostgreSQL); reads prefer the store and fall back to memory while it does not answer.
import { EventEmitter } from 'node:events'
import type { EventFilter, EventPage, EventStore, EventType, PaastisEvent, StoredEvent } from './event-store'
import { PaastisError } from '../common/errors'
import { MemoryEvents } from './memory-events'

export { EVENT_TYPES } from './event-store'
export type { EventFilter, EventPage, EventStore, EventType, PaastisEvent, StoredEvent } from './event-store'

export class EventLog extends EventEmitter<{ event: [PaastisEvent] }> {
  private readonly local: MemoryEvents
  /** Which provider an app is of: every event then names it. */
  providerOf: ((app: string) => string | undefined) | undefined

  /** `store` undefined: events live in this replica's memory only. */
  constructor (capacity = 1000, private readonly now: () => number = Date.now, readonly store?: EventStore) {
    super()
    this.local = new MemoryEvents(capacity)
  }

  /** `at`: when it happened, if earlier than now (a dry run's would-be wake, seen at the next check). */
  record (event: Omit<PaastisEvent, 'at'> & { at?: string }): PaastisEvent {
    const provider = event.provider ?? this.providerOf?.(event.app)
    const full: PaastisEvent = { ...event, at: event.at ?? new Date(this.now()).toISOString(), ...(provider === undefined ? {} : { provider }) }
    this.local.add(full)
    this.emit('event', full)
    // A store that does not answer buffers (event-buffer.ts): the caller never waits for it.
    this.store?.append(full).catch(() => {})
    return full
  }

  /** Every replica's events when they are shared, else this one's; newest first. */
  async page (filter: EventFilter = {}): Promise<EventPage> {
    if (this.store !== undefined) {
      try {
        return await this.store.page(filter)
      } catch (err) {
        // A cursor is the store's id: this replica's memory has other ids, so no page of it answers.
        if (filter.before !== undefined) throw new PaastisError('EVENTS_UNAVAILABLE', `the event store does not answer (${(err as Error).message}): the pages after the first need it; try again later`, 10)
        // The store does not answer: this replica's own events are better than none.
      }
    }
    return this.local.pageSync(filter)
  }

  async query (filter: EventFilter = {}): Promise<StoredEvent[]> {
    return (await this.page(filter)).events
  }

  async history (types: readonly EventType[], until: number, since = 0): Promise<PaastisEvent[]> {
    if (this.store !== undefined) {
      try {
        return await this.store.history(types, until, since)
      } catch {}
    }
    return await this.local.history(types, until, since)
  }

  async lastBefore (types: readonly EventType[], before: number, apps: readonly string[]): Promise<PaastisEvent[]> {
    if (this.store !== undefined) {
      try {
        return await this.store.lastBefore(types, before, apps)
      } catch {}
    }
    return await this.local.lastBefore(types, before, apps)
  }

  async prune (before: number): Promise<number> {
    const pruned = this.local.pruneSync(before)
    return this.store === undefined ? pruned : await this.store.prune(before)
  }

  /** Events waiting in memory for the store: 0 while it takes them, or without one. */
  buffered (): number {
    return this.store?.buffered ?? 0
  }

  health (): string | undefined {
    return this.store?.health?.()
  }

  /** This replica's events, newest first. */
  list (filter: EventFilter = {}): StoredEvent[] {
    return this.local.pageSync(filter).events
  }
}
