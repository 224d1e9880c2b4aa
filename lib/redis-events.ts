// Events of every replica in one Redis stream, capped (XADD MAXLEN ~).
import type { Redis } from 'ioredis'
import type { EventFilter, PaastisEvent, SharedEvents } from './events'

export class RedisEvents implements SharedEvents {
  constructor (private readonly redis: Redis, private readonly key: string, private readonly maxLength = 10_000) {}

  async append (event: PaastisEvent): Promise<void> {
    await this.redis.xadd(this.key, 'MAXLEN', '~', this.maxLength, '*', 'event', JSON.stringify(event))
  }

  async list (filter: EventFilter): Promise<PaastisEvent[]> {
    const limit = filter.limit ?? 100
    const out: PaastisEvent[] = []
    // Newest first, a page at a time, until the filter has enough.
    let end = '+'
    while (out.length < limit) {
      const page = await this.redis.xrevrange(this.key, end, '-', 'COUNT', 500)
      for (const [, fields] of page) {
        const event = JSON.parse(fields[1]) as PaastisEvent
        if ((filter.app === undefined || event.app === filter.app) && (filter.type === undefined || event.type === filter.type)) out.push(event)
        if (out.length === limit) break
      }
      if (page.length < 500) break
      end = `(${page[page.length - 1][0]}`
    }
    return out
  }
}
