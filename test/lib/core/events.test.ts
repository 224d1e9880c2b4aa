import t from 'tap'
import { EventLog } from '../../../lib/core/events'

t.test('the event log is bounded and newest first', async (t) => {
  const events = new EventLog(3)
  for (let i = 0; i < 5; i++) events.record({ app: `app-${i}`, type: 'started' })
  t.same(events.list().map((e) => e.app), ['app-4', 'app-3', 'app-2'])
  t.same(events.list({ app: 'app-3' }).map((e) => e.app), ['app-3'])
  t.same(events.list({ limit: 1 }).map((e) => e.app), ['app-4'])
})
