import t from 'tap'
import { EventBuffer } from '../../../lib/stores/event-buffer'
import type { EventStore, PaastisEvent } from '../../../lib/core/events'
import { MemoryEvents } from '../../../lib/core/memory-events'

/** A store that refuses writes while `down`. */
class Flaky extends MemoryEvents implements EventStore {
  down = false
  writes = 0
  async append (event: PaastisEvent): Promise<void> {
    if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:5432')
    this.writes++
    await new Promise((resolve) => setImmediate(resolve))
    this.add(event)
  }
}

const event = (n: number): PaastisEvent => ({ at: new Date(n * 1000).toISOString(), app: 'a', type: 'started', durationMs: n })

t.test('writes in order; an empty flush (the retry tick) never blocks later writes', async (t) => {
  const store = new Flaky(100)
  const buffer = new EventBuffer(store, { name: 'Test', capacity: 10, retryMs: 60_000 })
  t.teardown(() => buffer.close())
  await buffer.flush() // nothing waits: the old code kept this settled promise for ever
  await Promise.all([buffer.append(event(1)), buffer.append(event(2))])
  await buffer.append(event(3))
  t.same((await store.page({})).events.map((e) => e.durationMs), [3, 2, 1])
  t.equal(buffer.buffered, 0)
})

t.test('a store away: bounded, reported once, written in order when back', async (t) => {
  const store = new Flaky(100)
  const errors: string[] = []
  const buffer = new EventBuffer(store, { name: 'Test', capacity: 3, retryMs: 60_000, onError: (message) => errors.push(message) })
  t.teardown(() => buffer.close())
  store.down = true
  for (let i = 1; i <= 5; i++) await buffer.append(event(i))
  t.equal(buffer.buffered, 3, 'at most its capacity')
  t.same(errors, ['connect ECONNREFUSED 127.0.0.1:5432'], 'one report per outage')
  t.equal(buffer.health(), 'Test does not answer (connect ECONNREFUSED 127.0.0.1:5432): 3 events buffered in memory, 2 older ones dropped')
  t.same((await buffer.history(['started'], Infinity)).map((e) => e.durationMs), [3, 4, 5], 'waiting events count in the history')
  store.down = false
  await buffer.flush()
  t.equal(buffer.health(), undefined)
  t.same((await store.page({})).events.map((e) => e.durationMs), [5, 4, 3])
})
