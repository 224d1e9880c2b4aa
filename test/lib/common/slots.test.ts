import t from 'tap'
import { Slots } from '../../../lib/common/slots'

const item = (name: string): { name: string } => ({ name })

t.test('an item added is held until its slot is freed; a freed slot is given again', async (t) => {
  const slots = new Slots<{ name: string }>()
  const a = item('a')
  const b = item('b')
  const slotA = slots.add(a)
  const slotB = slots.add(b)
  t.not(slotA, slotB)
  t.equal(slots.size, 2)
  t.same(slots.values(), [a, b])
  slots.delete(slotA, a)
  t.equal(slots.size, 1)
  t.same(slots.values(), [b])
  const c = item('c')
  t.equal(slots.add(c), slotA, 'the freed slot')
  t.same(slots.values().map((held) => held.name).sort(), ['b', 'c'])
})

t.test('freeing a slot twice, or a slot given since to another item, leaves the other held', async (t) => {
  const slots = new Slots<{ name: string }>()
  const a = item('a')
  const keep = item('keep')
  slots.add(keep)
  const slotA = slots.add(a)
  slots.delete(slotA, a)
  slots.delete(slotA, a)
  t.equal(slots.size, 1, 'counted once')
  const b = item('b')
  t.equal(slots.add(b), slotA)
  slots.delete(slotA, a) // a's end, late: the slot is b's now
  t.same(slots.values(), [keep, b])
  t.equal(slots.size, 2)
})

t.test('emptied, by frees or by clear, it starts again from the first slot', async (t) => {
  const slots = new Slots<{ name: string }>()
  const items = [item('a'), item('b'), item('c')]
  const given = items.map((one) => slots.add(one))
  for (const [i, one] of items.entries()) slots.delete(given[i], one)
  t.equal(slots.size, 0)
  t.same(slots.values(), [])
  t.equal(slots.add(item('d')), 0)
  slots.add(item('e'))
  slots.clear()
  t.equal(slots.size, 0)
  t.equal(slots.add(item('f')), 0)
  t.equal(slots.size, 1)
})
