// With a shared (Redis) registry: about once a second, each replica writes the activity times it
// saw (keeping the maximum across replicas) and reads back everyone's records; a change published
// by another replica is read at once. The request path never waits for any of it. When Redis does
// not answer, the replica goes on from its memory (degraded) and catches up when Redis is back.
import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { Logger } from '../common/logger'
import type { RedisStore } from './redis-store'
import type { Registry } from '../core/registry'

export class RegistrySync {
  /** True while Redis does not answer. */
  degraded = false
  /** Why, while it does not. */
  lastError: string | undefined
  /** This replica's id in the shared in-flight counts. */
  readonly replica = randomUUID()
  private leaseMs = 3000
  private readonly flushed = new Map<string, number>()
  private timer: NodeJS.Timeout | undefined
  private subscriber: Redis | undefined
  private redis: Redis | undefined

  constructor (
    private readonly registry: Registry,
    private readonly store: RedisStore,
    private readonly log: Logger,
    /** The hash of the configuration this replica runs, published with its lease. */
    private readonly configHash: () => string | undefined = () => undefined
  ) {}

  async start (redis: Redis, intervalMs: number): Promise<void> {
    this.redis = redis
    this.subscriber = redis.duplicate()
    this.subscriber.on('error', () => {}) // the main connection reports the outage
    this.subscriber.on('message', (_channel: string, name: string) => {
      if (name === '*') this.registry.forgetAll()
      else if (!this.registry.isHeld(name)) this.registry.refresh(name).catch(() => {})
    })
    await this.subscriber.subscribe(this.store.keys.changes).catch(() => {})
    // Three missed syncs and this replica's open exchanges no longer count.
    this.leaseMs = Math.max(3000, intervalMs * 3)
    this.timer = setInterval(() => { void this.tick() }, intervalMs)
    this.timer.unref()
  }

  async stop (): Promise<void> {
    clearInterval(this.timer)
    await this.flush().catch(() => {})
    await this.store.publishInflight(this.replica, new Map(), this.leaseMs, Date.now()).catch(() => {})
    this.subscriber?.disconnect()
  }

  /** Writes the activity seen here since the last flush, then reads everyone's. */
  async tick (): Promise<void> {
    try {
      await this.flush()
      await this.store.publishInflight(this.replica, this.registry.inflightCounts(), this.leaseMs, Date.now(), this.configHash())
      await this.registry.sync()
      if (this.degraded) this.log.info('Redis is back: activity flushed, registry read again')
      this.degraded = false
      this.lastError = undefined
    } catch (err) {
      const message = (err as Error).message
      if (!this.degraded) this.log.warn(`Redis did not answer (${message}): going on from memory`)
      this.degraded = true
      this.lastError = message
      // A connection that let a command time out is not trusted again (its answers may come late,
      // or never): a new one is made, as ioredis does after an error.
      if (/timed out/i.test(message)) this.redis?.disconnect(true)
    }
  }

  /** Every live replica's configuration hash (this one's included once it synced). */
  async configs (): Promise<Map<string, string>> {
    return await this.store.configs(Date.now())
  }

  /** Exchanges open on the app on the other live replicas. */
  async remoteInflight (name: string): Promise<number> {
    return this.store.remoteInflight(name, this.replica, Date.now())
  }

  async flush (): Promise<void> {
    const pending = new Map<string, number>()
    for (const record of this.registry.list()) {
      if (record.lastActivityAt > (this.flushed.get(record.name) ?? 0)) pending.set(record.name, record.lastActivityAt)
    }
    await this.store.flushActivity(pending)
    for (const [name, at] of pending) this.flushed.set(name, at)
  }
}
