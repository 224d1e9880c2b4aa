import t from 'tap'
import { ConfigReload, type ReloadTrigger } from '../../../lib/core/config-reload'
import { EventLog } from '../../../lib/core/events'
import { EMPTY_FILE_HASH, type PaastisFile } from '../../../lib/config/paastis-file'

const silent = { error () {}, warn () {}, info () {}, debug () {} }
const file = (hash: string): PaastisFile => ({ path: 'paastis.yml', hash, rules: [], apps: [], providers: [] })

/** A reloader over a file whose next reading the test sets: a PaastisFile or the error reading it throws. */
function reloader (): { reload: (trigger: ReloadTrigger) => Promise<unknown>, next: { value: PaastisFile | Error }, events: EventLog, applied: string[] } {
  const events = new EventLog(100)
  const applied: string[] = []
  const next: { value: PaastisFile | Error } = { value: file('first') }
  const config = new ConfigReload<PaastisFile>({
    initial: file('first'),
    events,
    log: silent,
    read: async () => { if (next.value instanceof Error) throw next.value; return next.value },
    prepare: async (candidate) => candidate,
    apply: async (candidate) => { applied.push(candidate.hash); return { rules: 0, apps: [], providersAdded: [], providersRemoved: [] } }
  })
  return { reload: async (trigger) => await config.reload(trigger), next, events, applied }
}

t.test('a refused file is refused once: the watcher seeing the file a SIGHUP already refused says nothing more', async (t) => {
  const { reload, next, events } = reloader()
  next.value = new Error('paastis.yml:3: rules[0].app_max_idle_tme: unknown key')
  await reload('signal')
  await reload('file')
  t.same(events.list({ type: 'config_rejected' }).map((event) => event.cause), ['signal'], 'one refusal for one file')
  next.value = new Error('paastis.yml:3: rules[0].app_max_idle_time: must be minutes')
  await reload('file')
  t.same(events.list({ type: 'config_rejected' }).map((event) => event.cause), ['file', 'signal'], 'a new mistake is a new refusal')
  await reload('admin')
  t.equal(events.list({ type: 'config_rejected' }).length, 3, 'asked for by the operator, the refusal is said again')
})

t.test('a file seen unchanged by the watcher is not applied again; a signal applies it', async (t) => {
  const { reload, next, events, applied } = reloader()
  next.value = file('second')
  await reload('signal')
  await reload('file')
  t.same(applied, ['second'])
  await reload('signal')
  t.same(applied, ['second', 'second'])
  t.equal(events.list({ type: 'config_reloaded' }).length, 2)
})

t.test('the watcher finding the file empty waits for the write that follows; asked for by the operator, an empty file applies', async (t) => {
  const { reload, next, events, applied } = reloader()
  // Seen once beside two CPU burners: a test's writeFileSync truncated the file, the watcher's
  // settle time passed before the write, and an empty configuration (no rules) was applied.
  next.value = file(EMPTY_FILE_HASH)
  t.match(await reload('file'), { applied: false, hash: 'first', message: /is empty: a write under way, not applied/ })
  t.same(applied, [], 'nothing applied')
  t.same(events.list({ type: 'config_rejected' }), [], 'and nothing refused: the write is not over')
  next.value = file('second')
  t.match(await reload('file'), { applied: true, hash: 'second' }, 'the write done, the file applies')
  next.value = file(EMPTY_FILE_HASH)
  t.match(await reload('signal'), { applied: true, hash: EMPTY_FILE_HASH }, 'SIGHUP applies an empty file')
})
