import t from 'tap'
import type { AppRecord } from '../../../../lib/core/app-record'
import { keptAwake, refusedStop } from '../../../../lib/core/lifecycle/stop-refusals'
import type { ShellHooks } from '../../../../lib/core/shell-hooks'

const NOW = Date.parse('2026-12-06T12:00:00Z')
const clock = { now: () => NOW }
const app = (fields: Partial<AppRecord> = {}): AppRecord => ({ name: 'shop', lastActivityAt: NOW - 60_000, ...fields }) as AppRecord

t.test('a pin keeps an app up against idleness and sleep_at, a keep_awake window against idleness; an admin is never refused', async (t) => {
  const pinned = app({ pinnedUntil: NOW + 3_600_000 })
  const windowCloses = (): number => NOW + 600_000
  const table: Array<[string, AppRecord, 'idle' | 'schedule' | 'admin', boolean, RegExp | undefined]> = [
    ['pinned, idle', pinned, 'idle', false, /pinned until 2026-12-06T13:00:00.000Z/],
    ['pinned, sleep_at', pinned, 'schedule', false, /pinned until/],
    ['pinned, admin', pinned, 'admin', false, undefined],
    ['pin over', app({ pinnedUntil: NOW - 1 }), 'idle', false, undefined],
    ['keep_awake, idle', app(), 'idle', true, /kept awake until 2026-12-06T12:10:00.000Z \(keep_awake\)/],
    ['keep_awake, sleep_at', app(), 'schedule', true, undefined],
    ['keep_awake, admin', app(), 'admin', true, undefined],
    ['nothing', app(), 'idle', false, undefined]
  ]
  for (const [what, record, cause, inWindow, message] of table) {
    const refusal = keptAwake({ clock, keptAwakeUntil: inWindow ? windowCloses : () => undefined }, record, cause)
    if (message === undefined) t.equal(refusal, undefined, what)
    else t.match(refusal, { event: 'stop_cancelled', reason: 'active', message }, what)
  }
})

t.test('the hook vetoes first, then a request since the idle decision or an exchange on another replica cancels', async (t) => {
  const hooks = (allow: boolean): ShellHooks => ({ run: async () => allow }) as unknown as ShellHooks
  const remote = (open: number) => async (): Promise<number> => open
  t.match(await refusedStop({ hooks: hooks(false), remoteInflight: remote(3) }, app(), 'idle', NOW), { event: 'stop_vetoed', reason: 'vetoed', message: 'the before-stop hook vetoed the stop of shop' })
  t.match(await refusedStop({ hooks: hooks(true) }, app(), 'idle', NOW - 120_000), { event: 'stop_cancelled', reason: 'active', message: 'shop received a request since it was found idle' })
  t.equal(await refusedStop({ hooks: hooks(true) }, app(), 'idle', NOW - 60_000), undefined, 'no request since')
  t.match(await refusedStop({ hooks: hooks(true), remoteInflight: remote(2) }, app(), 'idle'), { message: 'shop has 2 exchange(s) open on other replicas' })
  t.equal(await refusedStop({ hooks: hooks(true), remoteInflight: remote(2) }, app(), 'schedule'), undefined, 'only an idle stop asks the other replicas')
  t.equal(await refusedStop({ hooks: hooks(true), remoteInflight: async () => { throw new Error('redis away') } }, app(), 'idle'), undefined, 'replicas that do not answer hold nothing open')
})
