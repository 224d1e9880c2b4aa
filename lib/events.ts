// What happened to which app and why: a bounded, newest-first log that the admin API serves.
import { EventEmitter } from 'node:events'

export const EVENT_TYPES = [
  'discovered', 'forgotten', 'started_outside', 'stopped_outside', 'failed_outside', 'unreachable',
  'starting', 'started', 'start_failed',
  'stopping', 'stopped', 'stop_failed', 'stop_vetoed', 'stop_cancelled',
  'hook_failed'
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
}

export interface EventFilter { app?: string, type?: EventType, limit?: number }

/** Where every replica's events meet (a Redis stream). */
export interface SharedEvents {
  append(event: PaastisEvent): Promise<void>
  list(filter: EventFilter): Promise<PaastisEvent[]>
}

export class EventLog extends EventEmitter<{ event: [PaastisEvent] }> {
  private readonly ring: PaastisEvent[] = []
  private next = 0
  shared: SharedEvents | undefined

  constructor (private readonly capacity = 1000, private readonly now: () => number = Date.now) {
    super()
  }

  record (event: Omit<PaastisEvent, 'at'>): PaastisEvent {
    const full: PaastisEvent = { at: new Date(this.now()).toISOString(), ...event }
    if (this.ring.length < this.capacity) {
      this.ring.push(full)
    } else {
      this.ring[this.next] = full
    }
    this.next = (this.next + 1) % this.capacity
    this.emit('event', full)
    this.shared?.append(full).catch(() => {})
    return full
  }

  /** Every replica's events when they are shared, else this one's; newest first. */
  async query (filter: EventFilter = {}): Promise<PaastisEvent[]> {
    if (this.shared !== undefined) {
      try {
        return await this.shared.list(filter)
      } catch {
        // Redis does not answer: this replica's own events are better than none.
      }
    }
    return this.list(filter)
  }

  /** This replica's events, newest first. */
  list (filter: EventFilter = {}): PaastisEvent[] {
    const limit = filter.limit ?? 100
    const out: PaastisEvent[] = []
    for (let i = 1; i <= this.ring.length && out.length < limit; i++) {
      const event = this.ring[(this.next - i + this.capacity) % this.capacity]
      if (filter.app !== undefined && event.app !== filter.app) continue
      if (filter.type !== undefined && event.type !== filter.type) continue
      out.push(event)
    }
    return out
  }
}
