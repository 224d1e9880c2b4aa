// One contract, three stores: memory, a real redis-server, a real PostgreSQL.
import t, { type Test } from 'tap'
import { ACCOUNTED_EVENTS } from '../../lib/core/accounting'
import type { EventStore, PaastisEvent } from '../../lib/core/events'
import { MemoryEvents } from '../../lib/core/memory-events'
import { MIGRATIONS, migrate } from '../../lib/stores/postgres-migrations'
import { PostgresEvents } from '../../lib/stores/postgres-events'
import { RedisEvents } from '../../lib/stores/redis-events'
import { startPostgres } from '../postgres'
import { startRedis } from '../redis'
import { reportOpenHandles } from '../open-handles'

// Once (a full run beside two CPU burners) every case passed and the file did not exit: say what stays open.
reportOpenHandles(t)

// Real redis-server and PostgreSQL clusters started and stopped: minutes on a busy machine.
t.setTimeout(600_000)

const T0 = Date.parse('2026-11-30T00:00:00Z')
const at = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString()

async function contract (t: Test, store: EventStore, prunesByEventTime: boolean): Promise<void> {
  for (let i = 0; i < 25; i++) {
    await store.append({ at: at(i), app: i % 2 === 0 ? 'even' : 'odd', type: i % 5 === 0 ? 'stopped' : 'started', durationMs: i })
  }
  // Newest first, pages linked by the last id.
  const first = await store.page({ limit: 10 })
  t.same(first.events.map((e) => e.durationMs), [24, 23, 22, 21, 20, 19, 18, 17, 16, 15])
  t.equal(first.next, first.events[9].id, 'the cursor is the last event of the page')
  const second = await store.page({ limit: 10, before: first.next })
  t.same(second.events.map((e) => e.durationMs), [14, 13, 12, 11, 10, 9, 8, 7, 6, 5])
  const last = await store.page({ limit: 10, before: second.next })
  t.same(last.events.map((e) => e.durationMs), [4, 3, 2, 1, 0])
  t.equal(last.next, undefined, 'no next page after the last')
  const exact = await store.page({ limit: 5, before: second.next })
  t.equal(exact.next, undefined, 'a page that ends exactly with the history has no next')
  // Filters
  t.same((await store.page({ app: 'odd', type: 'stopped', limit: 100 })).events.map((e) => e.durationMs), [15, 5])
  const filtered = await store.page({ app: 'even', limit: 3 })
  t.same(filtered.events.map((e) => e.durationMs), [24, 22, 20])
  t.same((await store.page({ app: 'even', limit: 3, before: filtered.next })).events.map((e) => e.durationMs), [18, 16, 14])
  // History: oldest first, only the asked types, before `until`.
  const history = await store.history(['stopped'], T0 + 16 * 60_000)
  t.same(history.map((e) => e.durationMs), [0, 5, 10, 15])
  t.notOk('id' in history[0], 'history events are plain events')
  // Retention
  if (prunesByEventTime) {
    t.equal(await store.prune(T0 + 20 * 60_000), 20)
    t.same((await store.page({ limit: 100 })).events.map((e) => e.durationMs), [24, 23, 22, 21, 20])
  } else {
    t.equal(await store.prune(Date.now() + 60_000), 25, 'Redis prunes by the time each event was written')
    t.same((await store.page({})).events, [])
  }
}

t.test('memory', async (t) => {
  await contract(t, new MemoryEvents(100), true)
  const small = new MemoryEvents(3)
  for (let i = 0; i < 5; i++) small.add({ at: at(i), app: 'a', type: 'started', durationMs: i })
  t.same((await small.page({})).events.map((e) => e.durationMs), [4, 3, 2], 'bounded: the oldest go first')
  t.same((await small.history(ACCOUNTED_EVENTS, Infinity)).map((e) => e.durationMs), [2, 3, 4])
})

t.test('a real redis-server', async (t) => {
  const redis = await startRedis(t)
  await contract(t, new RedisEvents(redis.client, 'test:events'), false)
})

t.test('a real PostgreSQL: migrated once, however many replicas start together', async (t) => {
  const pg = await startPostgres(t)
  const results = await Promise.all([migrate(pg.sql), migrate(pg.sql), migrate(pg.sql)])
  t.same(results.sort(), [0, 0, MIGRATIONS.length], 'one replica applies the steps, the others find them applied')
  t.same(await pg.sql`SELECT version FROM paastis_migrations ORDER BY version`, MIGRATIONS.map((_, i) => ({ version: i + 1 })))
  const store = new PostgresEvents(pg.sql)
  t.equal(await store.ready(), 0)
  await contract(t, store, true)
  const odd: PaastisEvent = { at: at(1), app: "o'brien; DROP TABLE paastis_events --", type: 'started', message: 'é 🚀 \\ "quotes"' }
  await store.append(odd)
  t.match((await store.page({ app: odd.app })).events, [odd], 'values are parameters, never SQL')
})
