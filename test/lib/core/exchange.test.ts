// An exchange ends exactly once, however its response ends, and counts as activity unless passive.
import { EventEmitter } from 'node:events'
import t from 'tap'
import { Exchanges } from '../../../lib/core/exchange'
import { Registry } from '../../../lib/core/registry'
import { MemoryStore } from '../../../lib/core/store'
import { appRecord } from '../../records'

class Response extends EventEmitter {
  destroyed = false
  destroy (): void {
    this.destroyed = true
    this.emit('close')
  }
}

t.test('counted in flight from open to its one end, finish and close alike; its end is activity', async (t) => {
  const registry = new Registry(new MemoryStore())
  const app = appRecord('a', { lastActivityAt: 0 })
  await registry.save(app)
  let now = 100
  let ends = 0
  const response = new Response()
  const end = new Exchanges(registry, { now: () => now }, () => { ends++ }).open(response, app, false, false)
  t.equal(registry.inflightCount('a'), 1)
  t.equal(app.lastActivityAt, 100, 'the start is activity')
  now = 500
  response.emit('finish')
  response.emit('close')
  end()
  t.equal(ends, 1, 'one end')
  t.equal(registry.inflightCount('a'), 0)
  t.equal(app.lastActivityAt, 500, 'the end is activity')
})

t.test('a passive exchange is neither in flight nor activity; a response already closed ends at once', async (t) => {
  const registry = new Registry(new MemoryStore())
  const app = appRecord('a', { lastActivityAt: 0 })
  await registry.save(app)
  let ends = 0
  const passive = new Response()
  new Exchanges(registry, { now: () => 100 }, () => { ends++ }).open(passive, app, true, false)
  t.equal(registry.inflightCount('a'), 0)
  passive.emit('close')
  t.equal(ends, 1)
  t.equal(app.lastActivityAt, 0, 'not activity')
  const gone = new Response()
  gone.destroyed = true
  new Exchanges(registry, { now: () => 200 }, () => { ends++ }).open(gone, app, false, false)
  t.equal(ends, 2, 'the client left while its app woke: ended at once')
  t.equal(registry.inflightCount('a'), 0)
})

t.test('a drain past its deadline cuts the exchanges still open on the app, and only those', async (t) => {
  const registry = new Registry(new MemoryStore())
  const [a, b] = [appRecord('a'), appRecord('b')]
  await registry.save(a)
  await registry.save(b)
  const exchanges = new Exchanges(registry, { now: () => 1 }, () => {})
  const [first, second, other] = [new Response(), new Response(), new Response()]
  exchanges.open(first, a, false, false)
  exchanges.open(second, a, false, false)
  exchanges.open(other, b, false, false)
  t.equal(registry.inflightCount('a'), 2)
  t.equal(registry.cut('a'), 2)
  t.ok(first.destroyed && second.destroyed)
  t.notOk(other.destroyed, "another app's exchange is left")
  t.equal(registry.inflightCount('a'), 0, 'their ends uncount them (close)')
  t.equal(registry.cut('a'), 0, 'nothing left to cut')
})
