// The event store's choice at start: memory by default is said, memory chosen is not.
import t from 'tap'
import { build, type LogLine } from '../helper'

const warning = (logs: LogLine[]): LogLine | undefined => logs.find((line) => line.level === 40 && /events are kept in memory only/.test(line.msg))

t.test('memory by default: a warning names what is lost at restart and the setting that keeps it', async (t) => {
  const logs: LogLine[] = []
  await build(t, { logs })
  t.match(warning(logs), { msg: /history, the hours and the money saved start again from zero at each restart or deploy; set EVENTS_STORE_TYPE=postgres \(with DATABASE_URL\) or redis/ })
})

t.test('memory chosen (EVENTS_STORE_TYPE=memory, as the demo does): no warning', async (t) => {
  const logs: LogLine[] = []
  await build(t, { logs, env: { EVENTS_STORE_TYPE: 'memory' } })
  t.equal(warning(logs), undefined)
  t.ok(logs.length > 0, 'the log was read')
})
