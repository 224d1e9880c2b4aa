// Events in this process's memory: a ring of the newest, with increasing ids as cursors.
import type { EventFilter, EventPage, EventStore, EventType, PaastisEvent, StoredEvent } from './event-store'

export class MemoryEvents implements EventStore {
  private readonly ring: StoredEvent[] = []
  private next = 0
  private seq = 0

  constructor (private readonly capacity: number) {}

  add (event: PaastisEvent): void {
    const stored: StoredEvent = { id: String(++this.seq), ...event }
    if (this.ring.length < this.capacity) {
      this.ring.push(stored)
    } else {
      this.ring[this.next] = stored
    }
    this.next = (this.next + 1) % this.capacity
  }

  async append (event: PaastisEvent): Promise<void> { this.add(event) }
  async page (filter: EventFilter): Promise<EventPage> { return this.pageSync(filter) }
  async prune (before: number): Promise<number> { return this.pruneSync(before) }

  pageSync (filter: EventFilter): EventPage {
    const limit = filter.limit ?? 100
    const before = filter.before === undefined ? Infinity : Number(filter.before)
    const events: StoredEvent[] = []
    for (const event of this.newestFirst()) {
      if (Number(event.id) >= before) continue
      if (filter.app !== undefined && event.app !== filter.app) continue
      if (filter.type !== undefined && event.type !== filter.type) continue
      if (events.length === limit) return { events, next: events[events.length - 1].id }
      events.push(event)
    }
    return { events }
  }

  async history (types: readonly EventType[], until: number, since = 0): Promise<PaastisEvent[]> {
    const wanted = new Set(types)
    return [...this.newestFirst()].reverse()
      .filter((event) => wanted.has(event.type) && Date.parse(event.at) < until && Date.parse(event.at) >= since)
      .map(({ id, ...event }) => event)
  }

  async lastBefore (types: readonly EventType[], before: number, apps: readonly string[]): Promise<PaastisEvent[]> {
    return lastOf(await this.history(types, before), apps)
  }

  pruneSync (before: number): number {
    const kept = [...this.newestFirst()].reverse().filter((event) => Date.parse(event.at) >= before)
    const pruned = this.ring.length - kept.length
    if (pruned > 0) {
      this.ring.length = 0
      this.ring.push(...kept)
      this.next = this.ring.length % this.capacity
    }
    return pruned
  }

  private * newestFirst (): Generator<StoredEvent> {
    for (let i = 1; i <= this.ring.length; i++) yield this.ring[(this.next - i + this.capacity) % this.capacity]
  }
}

/** Each app's last event in a history oldest first (stores without an index for it). */
export function lastOf (history: readonly PaastisEvent[], apps: readonly string[]): PaastisEvent[] {
  const wanted = new Set(apps)
  const last = new Map<string, PaastisEvent>()
  for (const event of history) if (wanted.has(event.app)) last.set(event.app, event)
  return [...last.values()]
}
