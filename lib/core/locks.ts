// Locks with a lease, so that one replica at a time starts or stops an app and runs the sweep.
// SET NX PX takes it, a timer renews it while the work runs, and only its owner releases it.
import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'

export interface Lease {
  release(): Promise<void>
}

/** `held`: another replica has it. `unavailable`: Redis did not answer (work goes on locally). */
export type Acquired = Lease | 'held' | 'unavailable'

export interface Locks {
  acquire(name: string): Promise<Acquired>
}

const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"
const RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"

export class RedisLocks implements Locks {
  constructor (
    private readonly redis: Redis,
    private readonly keyOf: (name: string) => string,
    private readonly leaseMs = 10_000,
    /** False while Redis is known not to answer: no lock is asked for (it would cost a deadline). */
    private readonly reachable: () => boolean = () => true
  ) {}

  async acquire (name: string): Promise<Acquired> {
    if (!this.reachable()) return 'unavailable'
    const key = this.keyOf(name)
    const token = randomUUID()
    let taken: string | null
    try {
      taken = await this.redis.set(key, token, 'PX', this.leaseMs, 'NX')
    } catch {
      return 'unavailable'
    }
    if (taken === null) return 'held'
    const renewal = setInterval(() => {
      this.redis.eval(RENEW, 1, key, token, this.leaseMs).catch(() => {})
    }, this.leaseMs / 3)
    renewal.unref()
    return {
      release: async () => {
        clearInterval(renewal)
        await this.redis.eval(RELEASE, 1, key, token).catch(() => {})
      }
    }
  }
}
