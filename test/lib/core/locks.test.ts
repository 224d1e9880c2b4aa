// Locks in a real redis-server: one holder at a time, released by its owner only, renewed while
// held, and "unavailable" (work goes on locally) when Redis does not answer.
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import t from 'tap'
import { RedisLocks } from '../../../lib/core/locks'
import { freePort } from '../../helper'
import { startRedis } from '../../redis'

t.test('one holder at a time; a release frees it; a lease outlives its length while renewed', async (t) => {
  const redis = await startRedis(t)
  const locks = new RedisLocks(redis.client, (name) => `test:lock:${name}`, 300)
  const first = await locks.acquire('tick')
  t.type(first, 'object', 'taken')
  t.equal(await locks.acquire('tick'), 'held', 'a second replica is refused')
  await sleep(700)
  t.equal(await locks.acquire('tick'), 'held', 'still held after twice its lease: renewed')
  if (typeof first === 'object') await first.release()
  const second = await locks.acquire('tick')
  t.type(second, 'object', 'free once released')
  await redis.client.set('test:lock:tick', 'someone-else')
  if (typeof second === 'object') await second.release()
  t.equal(await redis.client.get('test:lock:tick'), 'someone-else', 'a release never frees a lock it no longer owns')
  // A Redis that does not answer: nothing listens on its port.
  const away = new Redis(await freePort(), '127.0.0.1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null })
  away.on('error', () => {})
  t.teardown(() => away.disconnect())
  t.equal(await new RedisLocks(away, (name) => `test:lock:${name}`).acquire('other'), 'unavailable', 'Redis away: unavailable, not held')
})
