import t from 'tap'
import { SingleFlight } from '../../../lib/common/single-flight'

/** A task the test settles by hand, counting how often it was started. */
function manualTask (): { work: () => Promise<string>, starts: () => number, settle: (value: string | Error) => void } {
  let starts = 0
  let settle: (value: string | Error) => void = () => {}
  return {
    work: async () => {
      starts++
      return await new Promise<string>((resolve, reject) => {
        settle = (value) => { value instanceof Error ? reject(value) : resolve(value) }
      })
    },
    starts: () => starts,
    settle: (value) => { settle(value) }
  }
}

t.test('callers asking while a key\'s task runs share it; another key runs its own', async (t) => {
  const flights = new SingleFlight<string>()
  const task = manualTask()
  const first = flights.run('a', task.work)
  const second = flights.run('a', task.work)
  t.equal(first, second, 'the same promise')
  t.equal(flights.get('a'), first)
  t.ok(flights.has('a'))
  const other = manualTask()
  const third = flights.run('b', other.work)
  t.not(third, first)
  t.equal(task.starts(), 1)
  t.equal(other.starts(), 1)
  task.settle('done')
  other.settle('other')
  t.equal(await first, 'done')
  t.equal(await third, 'other')
})

t.test('once settled (resolved or rejected) the key is free and the next call starts again', async (t) => {
  const flights = new SingleFlight<string>()
  const task = manualTask()
  const failing = flights.run('a', task.work)
  task.settle(new Error('refused'))
  await t.rejects(failing, { message: 'refused' })
  t.notOk(flights.has('a'), 'a failure frees the key')
  t.equal(flights.get('a'), undefined)
  const again = flights.run('a', task.work)
  t.equal(task.starts(), 2, 'a new run')
  task.settle('ok')
  t.equal(await again, 'ok')
  t.notOk(flights.has('a'))
})
