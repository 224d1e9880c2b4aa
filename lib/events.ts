// What happened to which app and why. Every event goes to this replica's memory (newest first,
// bounded) and, when one is configured, to a durable store that every replica shares (Redis or
// PostgreSQL); reads prefer the store and fall back to memory while it does not answer.
import { EventEmitter } from 'node:events'
import type { AppState } from './app-record'
import { MemoryEvents } from './memory-events'

export const EVENT_TYPES = [
  'discovered', 'forgotten', 'started_outside', 'stopped_outside', 'failed_outside', 'unreachable',
  'starting', 'started', 'start_failed',
  'stopping', 'stopped', 'stop_failed', 'stop_vetoed', 'stop_cancelled',
  'hook_failed', 'pinned', 'unpinned', 'conflict'
] as const
export type EventType = typeof EVENT_TYPES[number]

export interface PaastisEvent {
  at: string
  app: string
  type: EventType
  cause?: string
  /** Why a wake failed: `failed` or `timeout`. */
  reason?: string
  message?: string
  durationMs?: number
  /** A wake's split: provider start, then readiness wait. */
  timings?: { providerMs: number, readyMs: number }
  /** The app's state when it was discovered. */
  state?: AppState
  /** The provider of the app, by its name (several providers: `providers:` in paastis.yml). */
  provider?: string
}

/** An event as a store returns it: with the store's own id, the cursor of `/events` pages. */
export interface StoredEvent extends PaastisEvent { id: string }

export interface EventFilter {
  app?: string
  type?: EventType
  limit?: number
  /** Only events older than the one with this id (the previous page's last). */
  before?: string
}

export interface EventPage {
  events: StoredEvent[]
  /** The `before` of the next page; absent on the last one. */
  next?: string
}

/** Where events are kept: memory, a Redis stream, a PostgreSQL table. */
export interface EventStore {
  append(event: PaastisEvent): Promise<void>
  /** Newest first. */
  page(filter: EventFilter): Promise<EventPage>
  /** Every event of these types that happened before `until` (epoch ms), oldest first. */
  history(types: readonly EventType[], until: number): Promise<PaastisEvent[]>
  /** Forgets events older than `before` (epoch ms); answers how many. */
  prune(before: number): Promise<number>
  /** Why the store is degraded, or undefined while it is healthy. */
  health?(): string | undefined
  close?(): Promise<void>
}

export class EventLog extends EventEmitter<{ event: [PaastisEvent] }> {
  private readonly local: MemoryEvents
  /** Which provider an app is of: every event then names it. */
  providerOf: ((app: string) => string | undefined) | undefined

  /** `store` undefined: events live in this replica's memory only. */
  constructor (capacity = 1000, private readonly now: () => number = Date.now, readonly store?: EventStore) {
    super()
    this.local = new MemoryEvents(capacity)
  }

  record (event: Omit<PaastisEvent, 'at'>): PaastisEvent {
    const provider = event.provider ?? this.providerOf?.(event.app)
    const full: PaastisEvent = { at: new Date(this.now()).toISOString(), ...event, ...(provider === undefined ? {} : { provider }) }
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
      } catch {
        // The store does not answer: this replica's own events are better than none.
      }
    }
    return this.local.pageSync(filter)
  }

  async query (filter: EventFilter = {}): Promise<StoredEvent[]> {
    return (await this.page(filter)).events
  }

  async history (types: readonly EventType[], until: number): Promise<PaastisEvent[]> {
    if (this.store !== undefined) {
      try {
        return await this.store.history(types, until)
      } catch {}
    }
    return this.local.history(types, until)
  }

  async prune (before: number): Promise<number> {
    const pruned = this.local.pruneSync(before)
    return this.store === undefined ? pruned : await this.store.prune(before)
  }

  health (): string | undefined {
    return this.store?.health?.()
  }

  /** This replica's events, newest first. */
  list (filter: EventFilter = {}): StoredEvent[] {
    return this.local.pageSync(filter).events
  }
}
