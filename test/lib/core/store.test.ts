// The in-memory and Redis stores pass the same suite.
import t, { type Test } from 'tap'
import type { AppRecord } from '../../../lib/core/app-record'
import { RedisStore } from '../../../lib/stores/redis-store'
import { MemoryStore, type RegistryStore } from '../../../lib/core/store'
import { startRedis } from '../../redis'
import { appRecord } from '../../records'
import { reportOpenHandles } from '../../open-handles'

reportOpenHandles(t)

const record = (name: string, extra: Partial<AppRecord> = {}): AppRecord => appRecord(name, { provider: 'scalingo', ...extra })

async function suite (t: Test, store: RegistryStore): Promise<void> {
  t.same(await store.all(), [])
  await store.put(record('a', { formation: { web: 2, worker: 0 }, state: 'running' }))
  await store.put(record('b'))
  t.same((await store.all()).map((r) => r.name).sort(), ['a', 'b'])
  t.same(await store.get('a'), record('a', { formation: { web: 2, worker: 0 }, state: 'running' }), 'a record comes back whole')
  t.equal(await store.get('nope'), undefined)
  const copy = await store.get('a') as AppRecord
  copy.state = 'failed'
  t.equal((await store.get('a'))?.state, 'running', 'the store holds copies')
  await store.put(record('a', { state: 'stopped', lastActivityAt: 2000 }))
  t.equal((await store.get('a'))?.state, 'stopped', 'put replaces')
  t.equal((await store.get('a'))?.lastActivityAt, 2000)
  await store.delete('b')
  t.same((await store.all()).map((r) => r.name), ['a'])
  await store.clear()
  t.same(await store.all(), [])
}

t.test('in-memory store', async (t) => {
  await suite(t, new MemoryStore())
})

t.test('Redis store: same behaviour, prefixed keys, only its own keys cleared, activity kept at its maximum', async (t) => {
  const redis = await startRedis(t)
  await redis.client.set('someone:else', 'keep me')
  const store = new RedisStore(redis.client, 'test:')
  await suite(t, store)
  await store.put(record('x', { lastActivityAt: 5000 }))
  t.same((await redis.client.keys('*')).sort(), ['someone:else', 'test:activity', 'test:apps'], 'every key under the prefix (KEYS only in this test)')
  await store.flushActivity(new Map([['x', 3000]]))
  t.equal((await store.get('x'))?.lastActivityAt, 5000, 'an older time from another replica never lowers it')
  await store.flushActivity(new Map([['x', 9000]]))
  t.equal((await store.get('x'))?.lastActivityAt, 9000)
  await store.clear()
  t.equal(await redis.client.get('someone:else'), 'keep me', 'clear() leaves other keys alone')
})
