// GET /events/stream: the events as they happen, as server-sent events, to an admin only; each
// stream ends with its client (nothing left listening) or with Paastis (a shutdown never waits).
import { once } from 'node:events'
import t from 'tap'
import { request } from 'undici'
import { appsYaml, build, eventually, freePort, portOf } from '../../helper'

const TOKEN = 'stream-token'
const admin = { host: 'localhost', authorization: `Bearer ${TOKEN}` }

t.test('an admin reads each event as it happens; a stranger is refused; a client that leaves leaves nothing listening', async (t) => {
  const server = await build(t, { yaml: appsYaml([{ name: 'demo', port: await freePort() }]), listen: true, env: { ROUTING_SYSTEM_API_TOKEN: TOKEN } })
  const url = `http://127.0.0.1:${portOf(server)}/events/stream`
  const stranger = await request(url, { headers: { host: 'localhost' } })
  t.equal(stranger.statusCode, 401)
  await stranger.body.dump()

  const listening = server.events.listenerCount('event')
  const stream = await request(url, { headers: admin })
  t.equal(stream.statusCode, 200)
  t.match(stream.headers['content-type'], /^text\/event-stream/)
  t.equal(stream.headers['cache-control'], 'no-store')
  t.equal(server.events.listenerCount('event'), listening + 1)
  let text = ''
  const pinned = new Promise<void>((resolve) => {
    stream.body.on('data', (chunk: Buffer) => {
      text += chunk.toString()
      if (text.includes('"type":"pinned"')) resolve()
    })
  })
  await server.lifecycle.pin('demo', Date.now() + 60_000, 'test')
  await pinned
  const block = text.split('\n\n').find((part) => part.includes('"type":"pinned"')) ?? ''
  t.match(block, /^event: paastis\ndata: \{.*"app":"demo".*\}$/, 'one event, one data line of JSON')
  t.match(text, /^retry: 2000\n\n/, 'the browser is told how soon to reconnect')

  // The client leaves: its connection closes (undici keeps no stream it destroyed).
  stream.body.destroy()
  t.ok(await eventually(() => server.events.listenerCount('event') === listening, 10_000), 'the stream closed: no listener left')
})

t.test('a shutdown ends the open streams instead of waiting for them', async (t) => {
  const server = await build(t, { yaml: appsYaml([{ name: 'demo', port: await freePort() }]), listen: true, env: { ROUTING_SYSTEM_API_TOKEN: TOKEN } })
  const stream = await request(`http://127.0.0.1:${portOf(server)}/events/stream`, { headers: admin })
  t.equal(stream.statusCode, 200)
  const ended = once(stream.body, 'end')
  stream.body.resume()
  await server.close()
  await ended
  t.pass('closed, and the client saw its stream end')
})
