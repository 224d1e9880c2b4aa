// The registry in Redis, shared by every Paastis replica. Every key lives under one prefix; the
// records are one hash (no KEYS, no SCAN needed), the activity times one sorted set.
import type { Redis } from 'ioredis'
import type { AppRecord } from '../core/app-record'
import type { RegistryStore } from '../core/store'

export function redisKeys (prefix: string) {
  return {
    apps: `${prefix}apps`,
    activity: `${prefix}activity`,
    events: `${prefix}events`,
    changes: `${prefix}changes`,
    /** Live replicas, scored by the end of their lease. */
    replicas: `${prefix}replicas`,
    /** Dashboard sessions signed out, scored by when they would have expired. */
    revokedSessions: `${prefix}sessions:revoked`,
    /** Every dashboard session issued before this instant is refused. */
    sessionsNotBefore: `${prefix}sessions:not-before`,
    /** replica → the hash of the paastis.yml it runs. */
    configs: `${prefix}configs`,
    /** One hash per replica: app → exchanges open on it. */
    inflight: (replica: string) => `${prefix}inflight:${replica}`,
    lock: (name: string) => `${prefix}lock:${name}`
  }
}

export class RedisStore implements RegistryStore {
  readonly keys: ReturnType<typeof redisKeys>

  constructor (private readonly redis: Redis, prefix: string) {
    this.keys = redisKeys(prefix)
  }

  async all (): Promise<AppRecord[]> {
    const [records, activity] = await Promise.all([this.redis.hgetall(this.keys.apps), this.activity()])
    return Object.values(records).map((json) => {
      const record = JSON.parse(json) as AppRecord
      record.lastActivityAt = Math.max(record.lastActivityAt, activity.get(record.name) ?? 0)
      return record
    })
  }

  async get (name: string): Promise<AppRecord | undefined> {
    const [json, score] = await Promise.all([this.redis.hget(this.keys.apps, name), this.redis.zscore(this.keys.activity, name)])
    if (json === null) return undefined
    const record = JSON.parse(json) as AppRecord
    record.lastActivityAt = Math.max(record.lastActivityAt, Number(score ?? 0))
    return record
  }

  async put (record: AppRecord): Promise<void> {
    await this.redis.multi()
      .hset(this.keys.apps, record.name, JSON.stringify(record))
      .zadd(this.keys.activity, 'GT', record.lastActivityAt, record.name)
      .publish(this.keys.changes, record.name)
      .exec()
  }

  async delete (name: string): Promise<void> {
    await this.redis.multi().hdel(this.keys.apps, name).zrem(this.keys.activity, name).publish(this.keys.changes, name).exec()
  }

  /** The records and the activity; the event history (what the accounting reads) stays. */
  async clear (): Promise<void> {
    await this.redis.del(this.keys.apps, this.keys.activity)
    await this.redis.publish(this.keys.changes, '*')
  }

  /** Keeps the latest activity of each app across replicas (ZADD GT never lowers a time). */
  async flushActivity (times: Map<string, number>): Promise<void> {
    if (times.size === 0) return
    const batch = this.redis.pipeline()
    for (const [name, at] of times) batch.zadd(this.keys.activity, 'GT', at, name)
    await batch.exec()
  }

  async activity (): Promise<Map<string, number>> {
    const flat = await this.redis.zrange(this.keys.activity, '0', '-1', 'WITHSCORES')
    const times = new Map<string, number>()
    for (let i = 0; i < flat.length; i += 2) times.set(flat[i], Number(flat[i + 1]))
    return times
  }

  /**
   * Publishes this replica's open exchanges with a lease: a replica that dies stops counting
   * when its lease ends.
   */
  /** `configHash`: the configuration this replica runs (/readyz shows every live replica's). */
  async publishInflight (replica: string, counts: ReadonlyMap<string, number>, leaseMs: number, now: number, configHash?: string): Promise<void> {
    const key = this.keys.inflight(replica)
    const batch = this.redis.multi().del(key)
    if (configHash !== undefined) batch.hset(this.keys.configs, replica, configHash)
    if (counts.size > 0) batch.hset(key, Object.fromEntries(counts)).pexpire(key, leaseMs)
    await batch.zadd(this.keys.replicas, now + leaseMs, replica)
      .zremrangebyscore(this.keys.replicas, '-inf', now)
      .exec()
  }

  /** The configuration hash of every live replica. */
  async configs (now: number): Promise<Map<string, string>> {
    const replicas = await this.redis.zrangebyscore(this.keys.replicas, now, '+inf')
    const all = await this.redis.hgetall(this.keys.configs)
    const gone = Object.keys(all).filter((replica) => !replicas.includes(replica))
    if (gone.length > 0) await this.redis.hdel(this.keys.configs, ...gone)
    return new Map(replicas.flatMap((replica) => all[replica] === undefined ? [] : [[replica, all[replica]]]))
  }

  /** Exchanges open on the app on every live replica but `self`. */
  async remoteInflight (name: string, self: string, now: number): Promise<number> {
    const replicas = await this.redis.zrangebyscore(this.keys.replicas, now, '+inf')
    const others = replicas.filter((replica) => replica !== self)
    if (others.length === 0) return 0
    const batch = this.redis.pipeline()
    for (const replica of others) batch.hget(this.keys.inflight(replica), name)
    const results = await batch.exec() ?? []
    return results.reduce((sum, [, value]) => sum + Number(value ?? 0), 0)
  }
}

/** Revoked dashboard sessions, shared by every replica: one sorted set scored by expiry, one key. */
export class RedisRevocations {
  constructor (private readonly redis: Redis, private readonly keys: ReturnType<typeof redisKeys>) {}

  async revoke (session: string, expiresAt: number): Promise<void> {
    await this.redis.zadd(this.keys.revokedSessions, expiresAt, session)
  }

  async revokeAll (at: number): Promise<void> {
    // Kept as long as a session lives at most (12 h), then nothing issued before it is left.
    await this.redis.set(this.keys.sessionsNotBefore, String(at), 'PX', 24 * 3_600_000)
  }

  async read (now: number): Promise<{ sessions: Map<string, number>, before: number }> {
    const [, flat, before] = await Promise.all([
      this.redis.zremrangebyscore(this.keys.revokedSessions, '-inf', now),
      this.redis.zrangebyscore(this.keys.revokedSessions, now, '+inf', 'WITHSCORES'),
      this.redis.get(this.keys.sessionsNotBefore)
    ])
    const sessions = new Map<string, number>()
    for (let i = 0; i < flat.length; i += 2) sessions.set(flat[i], Number(flat[i + 1]))
    return { sessions, before: Number(before ?? 0) }
  }
}
