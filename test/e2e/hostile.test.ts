// A hostile internet and unlucky upstreams against a real Paastis over sockets. For each: the
// right status, the process alive and serving, memory bounded, the in-flight count back to 0, and
// the app stopped on time afterwards. Every loop is bounded in count and time.
import net from 'node:net'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { request } from 'undici'
import { openFilesLimit } from '../../lib/proxy/connection-limit'
import { appsYaml, build, eventually, freePort, ManualClock, portOf, raw, statusOf } from '../helper'

// 5000 connections in one process: on a busy machine this file takes minutes, not the usual one.
t.setTimeout(600_000)

const MINUTE = 60_000
const HOST = 'app.example.com'

t.test('a hostile client and unlucky upstreams', async (t) => {
  const clock = new ManualClock()
  const port = await freePort()
  const dir = t.testdir({})
  const server = await build(t, {
    clock,
    listen: true,
    yaml: appsYaml([{ name: 'app', port, env: { ABORT_LOG: path.join(dir, 'aborts.log') } }]),
    env: {
      START_AND_STOP_MAX_IDLE_TIME: '5',
      CLIENT_HEADERS_TIMEOUT: '1s',
      CLIENT_BODY_TIMEOUT: '1s',
      PROXY_RESPONSE_TIMEOUT: '1s',
      PROXY_BODY_TIMEOUT: '1s',
      ROUTING_SYSTEM_API_TOKEN: 'admin-token'
    }
  })
  const paastis = portOf(server)
  await server.lifecycle.wake('app', 'test')
  const alive = async (): Promise<boolean> => {
    const response = await request(`http://127.0.0.1:${paastis}/alive`, { headers: { host: HOST }, headersTimeout: 5000 })
    await response.body.dump()
    return response.statusCode === 200
  }
  const settled = async (): Promise<boolean> => eventually(() => server.registry.inflightCount('app') === 0, 5000)

  await t.test('malformed and oversized Hosts: 400, never 500', async (t) => {
    const hosts = ['', ' ', 'a b', 'bad_host!', '-dash.example.com', 'a..b', 'x'.repeat(300), 'a.b:99999999',
      'app.example.com\u0001', '[::1', 'app.example.com:', 'ÿÿ.example.com', '%00.example.com']
    for (const host of hosts) {
      const exchange = await raw(paastis, `GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`, { until: (text) => text.includes('\r\n\r\n') && text.endsWith('}') })
      t.equal(statusOf(exchange.text), 400, `Host ${JSON.stringify(host.slice(0, 20))}`)
    }
    const missing = await raw(paastis, 'GET / HTTP/1.1\r\n\r\n')
    t.equal(statusOf(missing.text), 400, 'no Host at all')
    const twice = await raw(paastis, `GET / HTTP/1.1\r\nHost: ${HOST}\r\nHost: other.example.com\r\n\r\n`, { until: (text) => text.endsWith('}') })
    t.equal(statusOf(twice.text), 400, 'two Host headers')
    const huge = await raw(paastis, `GET / HTTP/1.1\r\nHost: ${HOST}\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n`)
    t.equal(statusOf(huge.text), 431, 'oversized headers: 431')
    t.ok(await alive())
  })

  await t.test('absolute-form URIs: the authority is the Host', async (t) => {
    const exchange = await raw(paastis, `GET http://${HOST}/abs?x=1 HTTP/1.1\r\nHost: ignored.example.com\r\n\r\n`, { until: (text) => text.endsWith('}') })
    t.equal(statusOf(exchange.text), 200)
    t.match(exchange.text, /"url":"\/abs\?x=1"/, 'the app sees the path')
    const stranger = await raw(paastis, 'GET http://nobody.example.com/ HTTP/1.1\r\nHost: app.example.com\r\n\r\n', { until: (text) => text.endsWith('}') })
    t.equal(statusOf(stranger.text), 404, 'an unknown authority is an unknown app')
  })

  await t.test('request smuggling: duplicate Content-Length and CL+TE are refused', async (t) => {
    const duplicate = await raw(paastis, `POST / HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!`)
    t.equal(statusOf(duplicate.text), 400, 'two Content-Length')
    const smuggled = 'GET /smuggled HTTP/1.1\r\nHost: app.example.com\r\n\r\n'
    const clte = await raw(paastis, `POST / HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: ${4 + smuggled.length}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`)
    t.equal(statusOf(clte.text), 400, 'Content-Length with Transfer-Encoding')
    t.notMatch(clte.text, /smuggled/, 'no second request came through')
    t.ok(await alive())
  })

  await t.test('slowloris: connections that never finish their headers are closed; others are served', async (t) => {
    const sockets = Array.from({ length: 200 }, () => {
      const socket = net.connect(paastis, '127.0.0.1')
      socket.on('error', () => {})
      socket.write(`GET / HTTP/1.1\r\nHost: ${HOST}\r\n`)
      return socket
    })
    const drip = setInterval(() => { for (const socket of sockets) if (!socket.destroyed) socket.write('X-a: b\r\n') }, 300)
    t.teardown(() => { clearInterval(drip); for (const socket of sockets) socket.destroy() })
    t.ok(await alive(), 'served meanwhile')
    t.ok(await eventually(() => sockets.every((socket) => socket.destroyed || socket.readableEnded), 6000), 'every slow connection closed by the headers timeout')
  })

  await t.test('many concurrent connections: 200, 503 or (here, with a 1 s headers timeout) 408, never a crash', async (t) => {
    const limit = openFilesLimit() ?? 1024
    // The clients and Paastis share this process: both ends count against its open files.
    const count = Math.max(100, Math.min(5000, Math.floor((limit - 300) / 2)))
    const statuses = await Promise.all(Array.from({ length: count }, async () => {
      // Each waits for the server to close (it answers, then closes: `Connection: close`); the
      // bound is a safety net: on a busy machine the last of 5000 are answered after 30 s and more.
      const exchange = await raw(paastis, `GET / HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`, { ms: 150_000 })
      return statusOf(exchange.text)
    }))
    const tally = new Map<number | undefined, number>()
    for (const status of statuses) tally.set(status, (tally.get(status) ?? 0) + 1)
    // CLIENT_HEADERS_TIMEOUT is 1 s in this suite: a connection whose headers wait longer than that
    // in the backlog of thousands is rightly answered 408.
    t.ok([...tally.keys()].every((status) => status === 200 || status === 503 || status === 408), `${count} connections: ${JSON.stringify([...tally])}`)
    t.ok((tally.get(200) ?? 0) > 0, 'most are served')
    t.ok(await settled(), 'in flight back to 0')
  })

  await t.test('a bounded fuzz of random Hosts, paths and headers: no 500, the process keeps serving, memory bounded', async (t) => {
    const rssBefore = process.memoryUsage().rss
    let seed = 42
    const random = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n }
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&\'()*+,;=% \t"<>\\^`{|}\u00ff'
    const text = (n: number): string => Array.from({ length: n }, () => alphabet[random(alphabet.length)]).join('')
    const until = Date.now() + 4000
    let sent = 0
    const seen = new Map<number | undefined, number>()
    while (Date.now() < until && sent < 2000) {
      const batch = Array.from({ length: 20 }, () => {
        const host = random(3) === 0 ? HOST : `${text(1 + random(40))}.example.com`
        const path = `/${text(random(200))}`
        const header = `X-${text(1 + random(10)).replace(/[^a-z0-9]/gi, 'a')}: ${text(random(100))}`
        return raw(paastis, `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${header}\r\nConnection: close\r\n\r\n`, { ms: 3000 })
      })
      for (const exchange of await Promise.all(batch)) {
        const status = statusOf(exchange.text)
        seen.set(status, (seen.get(status) ?? 0) + 1)
      }
      sent += batch.length
    }
    t.notOk(seen.has(500), `no 500 in ${sent} requests: ${JSON.stringify([...seen])}`)
    t.ok([...seen.keys()].every((status) => status === undefined || status < 600), 'well-formed answers')
    t.ok(await alive(), 'still serving')
    t.ok(await settled(), 'in flight back to 0')
    t.ok(process.memoryUsage().rss - rssBefore < 200 * 1024 * 1024, 'memory bounded')
    t.ok(server.hostRouter.cachedUnknownKeys <= 10_000 && server.hostRouter.cachedHosts <= 10_000, 'caches bounded')
  })

  await t.test('client aborts at every phase', async (t) => {
    // During the headers, during the body, while the app thinks, while it streams.
    await raw(paastis, `GET / HTTP/1.1\r\nHost: ${HOST}\r\n`, { ms: 50 })
    await raw(paastis, `POST /sha256 HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: 1000000\r\n\r\nsome`, { ms: 100 })
    await raw(paastis, `POST /sha256 HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: 100\r\n\r\nsome`, { ms: 100 })
    await raw(paastis, `GET /hang HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`, { ms: 100 })
    await raw(paastis, `GET /stream HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`, { until: (text) => text.includes('tick') })
    t.ok(await settled(), 'in flight back to 0')
    t.ok(await alive())
  })

  await t.test('upstreams that reset, hang, stall, answer garbage or stream for ever', async (t) => {
    const outcome = async (url: string): Promise<number | undefined> => statusOf((await raw(paastis, `GET ${url} HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`, {
      ms: 5000, until: (text) => /\r\n\r\n[\s\S]*\}$/.test(text)
    })).text)
    t.equal(await outcome('/reset'), 502, 'reset: 502')
    t.equal(await outcome('/garbage'), 502, 'garbage: 502')
    t.equal(await outcome('/hang'), 504, 'hang: 504 after PROXY_RESPONSE_TIMEOUT')
    const stalled = await raw(paastis, `GET /stall HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`, { ms: 5000 })
    t.equal(statusOf(stalled.text), 200)
    t.ok(stalled.closed, 'a stalled body is cut off: the connection closes short of its Content-Length')
    const streaming = await raw(paastis, `GET /stream HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`, { ms: 1500 })
    t.ok(streaming.text.split('tick').length > 5, 'an endless stream flows while the client reads')
    t.ok(await settled(), 'in flight back to 0')
  })

  await t.test('an upstream that refuses: found down, woken again for the next request', async (t) => {
    await server.provider.stop(server.registry.get('app')!)
    const response = await request(`http://127.0.0.1:${paastis}/after-death`, { headers: { host: HOST } })
    t.equal(response.statusCode, 200, 'the request that found it dead waited for a fresh wake')
    t.match(await response.body.json(), { url: '/after-death' })
    t.match(server.events.list({ app: 'app' }), [{ type: 'started' }, { type: 'starting' }, { type: 'unreachable' }])
  })

  await t.test('the app is stopped on time afterwards', async (t) => {
    await sleep(50)
    t.ok(await settled())
    clock.advance(6 * MINUTE)
    t.ok((await server.reconciler.tick()).stopped.includes('app'))
  })
})
