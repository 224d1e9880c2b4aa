// The registry over a store: write-through, merge of other replicas' records, holds, in-flight counts.
import t from 'tap'
import { Registry } from '../../../lib/core/registry'
import { MemoryStore } from '../../../lib/core/store'
import { appRecord } from '../../records'

t.test('saves through to the store and merges what the store holds, keeping the record objects and the latest activity', async (t) => {
  const store = new MemoryStore()
  const registry = new Registry(store)
  const version = registry.namesVersion
  const mine = appRecord('a', { lastActivityAt: 5000 })
  await registry.save(mine)
  t.same(await store.get('a'), mine, 'written through')
  t.ok(registry.namesVersion > version, 'a new name bumps the names version')
  await store.put(appRecord('a', { state: 'running', lastActivityAt: 3000 }))
  await store.put(appRecord('b'))
  await registry.sync()
  t.equal(registry.get('a'), mine, 'the same object (the host router holds it)')
  t.equal(mine.state, 'running', "another replica's change is taken")
  t.equal(mine.lastActivityAt, 5000, 'the latest activity of here and there')
  t.ok(registry.has('b'))
})

t.test('a held app is not overwritten by the sync until every hold is released', async (t) => {
  const store = new MemoryStore()
  const registry = new Registry(store)
  const app = appRecord('a', { state: 'starting' })
  await registry.save(app)
  const first = registry.hold('a')
  const second = registry.hold('a')
  await store.put(appRecord('a', { state: 'stopped' }))
  await registry.sync()
  t.equal(app.state, 'starting', 'held: kept as this process changes it')
  first()
  first() // a release is idempotent
  t.ok(registry.isHeld('a'), 'one hold left')
  await registry.sync()
  t.equal(app.state, 'starting')
  second()
  t.notOk(registry.isHeld('a'))
  await registry.sync()
  t.equal(app.state, 'stopped', 'released: the store is read again')
})

t.test('in-flight counts begin and end per app; a record the store lost is written back', async (t) => {
  const store = new MemoryStore()
  const registry = new Registry(store)
  await registry.save(appRecord('a'))
  registry.begin('a')
  registry.begin('a')
  registry.end('a')
  t.equal(registry.inflightCount('a'), 1)
  t.same([...registry.inflightCounts()], [['a', 1]])
  registry.end('a')
  t.equal(registry.inflightCount('a'), 0)
  await store.clear()
  await registry.sync()
  t.ok(await store.get('a'), 'written back after the store lost it')
  await registry.remove('a')
  t.notOk(registry.has('a'))
  t.equal(await store.get('a'), undefined)
})

t.test('a drain past its deadline cuts the exchanges still open, and only those', async (t) => {
  const registry = new Registry(new MemoryStore())
  await registry.save(appRecord('a'))
  const destroyed: string[] = []
  const exchange = (name: string): { destroy: () => void } => ({ destroy: () => { destroyed.push(name) } })
  const done = exchange('done')
  const open = exchange('open')
  const openSlot = registry.begin('a', open)
  const doneSlot = registry.begin('a', done)
  registry.end('a', done, doneSlot)
  t.equal(registry.cut('a'), 1)
  t.same(destroyed, ['open'])
  // An exchange begun after the cut takes the cut one's slot; the cut one's late end leaves it open.
  const next = exchange('next')
  t.equal(registry.begin('a', next), openSlot)
  registry.end('a', open, openSlot)
  t.equal(registry.cut('a'), 1, 'the exchange begun after the cut is still open')
  t.same(destroyed, ['open', 'next'])
})
