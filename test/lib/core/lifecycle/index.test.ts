import t from 'tap'
import { appsYaml, build, freePort, ManualClock } from '../../../helper'

t.test('an idle stop is cancelled when a request arrived after the idle decision', async (t) => {
  const clock = new ManualClock()
  const port = await freePort()
  const server = await build(t, { clock, yaml: appsYaml([{ name: 'lucky', port }]) })
  await server.lifecycle.wake('lucky', 'test')
  const decidedOn = server.registry.get('lucky')?.lastActivityAt as number
  clock.advance(1000)
  t.equal((await server.inject({ url: '/', headers: { host: 'lucky.example.com' } })).statusCode, 200)
  t.match(await server.lifecycle.stop('lucky', 'idle', decidedOn), { stopped: false, reason: 'active' })
  t.equal(server.registry.get('lucky')?.state, 'running')
  t.match(server.events.list({ app: 'lucky' })[0], { type: 'stop_cancelled', cause: 'idle' })
  t.match(await server.lifecycle.stop('lucky', 'idle', server.registry.get('lucky')?.lastActivityAt), { stopped: true }, 'with no request since, it stops')
})

t.test('concurrent stops and wakes share one operation each', async (t) => {
  const port = await freePort()
  const server = await build(t, { yaml: appsYaml([{ name: 'shared', port }]) })
  const wakes = await Promise.all([server.lifecycle.wake('shared', 'a'), server.lifecycle.wake('shared', 'b')])
  t.equal(wakes[0], wakes[1], 'one wake result for both callers')
  const stops = await Promise.all([server.lifecycle.stop('shared', 'admin'), server.lifecycle.stop('shared', 'idle')])
  t.equal(stops[0], stops[1], 'one stop for both callers')
  t.equal(server.provider.counts.start.calls, 1)
  t.equal(server.provider.counts.stop.calls, 1)
  await t.rejects(server.lifecycle.wake('nobody', 'test'), { name: 'WakeError', message: 'no app named "nobody"' })
})

t.test('a stop by hand ends the pin (the rule is the lifecycle\'s, whoever asks); any other stop leaves it', async (t) => {
  const clock = new ManualClock()
  const port = await freePort()
  const server = await build(t, { clock, yaml: appsYaml([{ name: 'held', port }]) })
  await server.lifecycle.wake('held', 'test')
  await server.lifecycle.pin('held', clock.now() + 3600_000, 'test')
  t.match(await server.lifecycle.stop('held', 'idle'), { stopped: false, reason: 'active' }, 'pinned: not stopped for idleness')
  t.ok((server.registry.get('held')?.pinnedUntil ?? 0) > clock.now(), 'and still pinned')
  t.match(await server.lifecycle.stop('held', 'admin'), { stopped: true })
  t.equal(server.registry.get('held')?.pinnedUntil, null, 'stopped by hand: unpinned')
  t.same(server.events.list({ app: 'held' }).slice(0, 2).map((event) => event.type), ['unpinned', 'stopped'], 'after the stop, newest first')
})
