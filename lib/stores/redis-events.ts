// Events of every replica in one Redis stream. Stream ids are the cursors; they begin with the
// time of the write, so retention is one XTRIM MINID. MAXLEN caps memory whatever the retention.
import type { Redis } from 'ioredis'
import { lastOf } from '../core/memory-events'
import type { EventFilter, EventPage, EventStore, EventType, PaastisEvent, StoredEvent } from '../core/event-store'

const PAGE = 500

export class RedisEvents implements EventStore {
  constructor (private readonly redis: Redis, private readonly key: string, private readonly maxLength = 100_000) {}

  async append (event: PaastisEvent): Promise<void> {
    await this.redis.xadd(this.key, 'MAXLEN', '~', this.maxLength, '*', 'event', JSON.stringify(event))
  }

  async page (filter: EventFilter): Promise<EventPage> {
    const limit = filter.limit ?? 100
    const events: StoredEvent[] = []
    // Newest first, a stream page at a time, until the filter has one more than asked.
    let end = filter.before === undefined ? '+' : `(${filter.before}`
    for (;;) {
      const entries = await this.redis.xrevrange(this.key, end, '-', 'COUNT', PAGE)
      for (const [id, fields] of entries) {
        const event = JSON.parse(fields[1]) as PaastisEvent
        if (filter.app !== undefined && event.app !== filter.app) continue
        if (filter.type !== undefined && event.type !== filter.type) continue
        if (events.length === limit) return { events, next: events[events.length - 1].id }
        events.push({ id, ...event })
      }
      if (entries.length < PAGE) return { events }
      end = `(${entries[entries.length - 1][0]}`
    }
  }

  async history (types: readonly EventType[], until: number, since = 0): Promise<PaastisEvent[]> {
    const wanted = new Set<string>(types)
    const out: PaastisEvent[] = []
    // Stream ids are write times: nothing written before `since` (less a margin for the clocks) is read.
    let start = since > 0 ? `${Math.max(0, Math.floor(since) - 60_000)}-0` : '-'
    for (;;) {
      const entries = await this.redis.xrange(this.key, start, '+', 'COUNT', PAGE)
      for (const [, fields] of entries) {
        const event = JSON.parse(fields[1]) as PaastisEvent
        const at = Date.parse(event.at)
        if (wanted.has(event.type) && at < until && at >= since) out.push(event)
      }
      if (entries.length < PAGE) break
      start = `(${entries[entries.length - 1][0]}`
    }
    // Stream order is write order; a buffered event may have been written late.
    return out.sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
  }

  /** Reads the stream up to `before`: a Redis stream has no index by app (PostgreSQL's answer is O(apps)). */
  async lastBefore (types: readonly EventType[], before: number, apps: readonly string[]): Promise<PaastisEvent[]> {
    return lastOf(await this.history(types, before), apps)
  }

  async prune (before: number): Promise<number> {
    return await this.redis.xtrim(this.key, 'MINID', `${Math.floor(before)}-0`)
  }
}
