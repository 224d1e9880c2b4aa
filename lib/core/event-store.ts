// What an event is and where events are kept: the types every store shares (memory, Redis,
// PostgreSQL) and the contract each implements. lib/core/events.ts holds the log that records them.
import type { AppState } from './app-record'

export const EVENT_TYPES = [
  'discovered', 'forgotten', 'started_outside', 'stopped_outside', 'failed_outside', 'unreachable',
  'starting', 'started', 'start_failed',
  'stopping', 'stopped', 'stop_failed', 'stop_vetoed', 'stop_cancelled',
  'hook_failed', 'pinned', 'unpinned', 'conflict',
  // DRY_RUN: a stop Paastis would have made, and the request that would have woken the app again.
  'would_stop', 'would_start',
  // paastis.yml read again (app `*`): applied, or refused with the reason.
  'config_reloaded', 'config_rejected'
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
  /** Every event of these types that happened in [since, until) (epoch ms), oldest first. */
  history(types: readonly EventType[], until: number, since?: number): Promise<PaastisEvent[]>
  /** For each of `apps`, its last event of these types before `before` (the phase a period begins in). */
  lastBefore(types: readonly EventType[], before: number, apps: readonly string[]): Promise<PaastisEvent[]>
  /** Forgets events older than `before` (epoch ms); answers how many. */
  prune(before: number): Promise<number>
  /** Events held in memory until the store takes them (the buffer in front of a remote store). */
  readonly buffered?: number
  /** Why the store is degraded, or undefined while it is healthy. */
  health?(): string | undefined
  close?(): Promise<void>
}
