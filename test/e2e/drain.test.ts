// A stop waits for what is open on the app, but not without bound: past STOP_DRAIN_TIMEOUT what
// remains is cut. A request that arrives while an idle stop drains proves the app is not idle:
// the stop is cancelled and the request served at once.
import http from 'node:http'
import t, { type Test } from 'tap'
import { request } from 'undici'
import { appsYaml, build, freePort, portOf, type LogLine } from '../helper'

/** Opens /stream (an endless response) on the app; resolves with what tells its end. */
async function openStream (port: number, host: string): Promise<{ ended: Promise<void>, close: () => void }> {
  return await new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/stream', headers: { host } }, (res) => {
      res.resume()
      // A cut stream ends with an error ("aborted"): that is the end this test waits for.
      res.on('error', () => {})
      req.removeListener('error', reject)
      req.on('error', () => {})
      resolve({ ended: new Promise<void>((_resolve) => { res.on('close', () => { _resolve() }) }), close: () => { req.destroy() } })
    })
    req.on('error', reject)
  })
}

async function streaming (t: Test, drain: string) {
  const logs: LogLine[] = []
  const server = await build(t, {
    listen: true,
    logs,
    yaml: appsYaml([{ name: 'streamer', port: await freePort() }]),
    env: { STOP_DRAIN_TIMEOUT: drain, ROUTING_SYSTEM_API_TOKEN: 'tk' }
  })
  const port = portOf(server)
  const warm = await request(`http://127.0.0.1:${port}/`, { headers: { host: 'streamer.localhost' } })
  await warm.body.dump()
  const stream = await openStream(port, 'streamer.localhost')
  return { server, port, stream, logs }
}

t.test('sleep_at while a response streams: the stop waits STOP_DRAIN_TIMEOUT, then cuts it and stops the app', async (t) => {
  const { server, stream, logs } = await streaming(t, '300ms')
  t.equal(server.registry.inflightCount('streamer'), 1)
  const result = await server.lifecycle.stop('streamer', 'schedule')
  t.same(result, { stopped: true })
  await stream.ended
  t.ok(logs.some((line) => /1 exchange\(s\) still open on streamer after STOP_DRAIN_TIMEOUT: cut/.test(line.msg)), 'cut by Paastis, and said')
  t.equal(server.registry.get('streamer')?.state, 'stopped')
  t.equal(server.registry.inflightCount('streamer'), 0)
})

t.test('a request that arrives while an idle stop drains cancels it and is served at once', async (t) => {
  const { server, port, stream } = await streaming(t, '10m')
  const record = server.registry.get('streamer')
  if (record === undefined) throw new Error('listed')
  const stopping = server.lifecycle.stop('streamer', 'idle', record.lastActivityAt)
  // The stop is draining (the stream is open): a visitor comes.
  while (server.registry.get('streamer')?.state !== 'stopping') await new Promise((resolve) => setImmediate(resolve))
  const visit = await request(`http://127.0.0.1:${port}/`, { headers: { host: 'streamer.localhost' } })
  t.equal(visit.statusCode, 200, 'served (an idle stop that waited 10 minutes would have held it)')
  await visit.body.dump()
  t.match(await stopping, { stopped: false, reason: 'active' }, 'the idle stop is cancelled')
  t.equal(server.registry.get('streamer')?.state, 'running')
  t.match(server.events.list({ app: 'streamer', type: 'stop_cancelled' })[0], { cause: 'idle', message: /arrived while its idle stop drained/ })
  stream.close()
  await stream.ended
})
