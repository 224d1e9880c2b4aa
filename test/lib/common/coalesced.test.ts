// A burst of requests for one task: one run at a time, one more after it, never lost.
import t from 'tap'
import { coalesced } from '../../../lib/common/coalesced'

t.test('requests during a run make exactly one more run', async (t) => {
  let runs = 0
  let release = (): void => {}
  const task = coalesced(async () => {
    runs++
    await new Promise<void>((resolve) => { release = resolve })
  })
  task()
  for (let i = 0; i < 50; i++) task()
  t.equal(runs, 1, 'one run at a time')
  release()
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(runs, 2, 'the burst made one more')
  release()
  await task.idle()
  t.equal(runs, 2, 'and no more')
  task()
  release()
  await task.idle()
  t.equal(runs, 3, 'a later request runs again')
})

t.test('a failing run does not stop the next', async (t) => {
  let runs = 0
  const task = coalesced(async () => {
    runs++
    throw new Error('listing failed')
  })
  task()
  task()
  await task.idle()
  t.equal(runs, 2)
  task()
  await task.idle()
  t.equal(runs, 3)
})
