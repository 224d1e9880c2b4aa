// The request path against aborts, hostile headers and slow peers, over real sockets: every
// exchange has exactly one end, and the app is stopped on time afterwards.
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import net from 'node:net'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { request } from 'undici'
import WebSocket from 'ws'
import { parsePaastisFile } from '../../lib/config/paastis-file'
import { appsYaml, build, eventually, freePort, ManualClock, portOf, raw, RENAMING_AND_IGNORE_RULES, statusOf, type LogLine } from '../helper'

const MINUTE = 60_000
const get = (url: string, host: string, extra = ''): string => `GET ${url} HTTP/1.1\r\nHost: ${host}\r\n${extra}\r\n`
const lines = (file: string): string[] => {
  try { return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '') } catch { return [] }
}

t.test('1. every ending of an exchange uncounts it, and the app is stopped on time afterwards', async (t) => {
  const clock = new ManualClock()
  const [a, b] = [await freePort(), await freePort()]
  const dir = t.testdir({})
  const abortLog = path.join(dir, 'aborts.log')
  const server = await build(t, {
    clock,
    listen: true,
    yaml: appsYaml([{ name: 'app', port: a, env: { ABORT_LOG: abortLog } }, { name: 'slowboot', port: b, env: { READY_DELAY_MS: '800' } }]),
    env: { START_AND_STOP_MAX_IDLE_TIME: '5', WEBSOCKET_PING_INTERVAL: '300ms' }
  })
  const port = portOf(server)
  const host = 'app.example.com'
  const inflight = (name = 'app'): number => server.registry.inflightCount(name)
  await server.lifecycle.wake('app', 'test')

  await t.test('the client aborts mid-response', async (t) => {
    const exchange = await raw(port, get('/stream', host), { until: (text) => text.includes('tick') })
    t.equal(statusOf(exchange.text), 200)
    t.ok(await eventually(() => inflight() === 0), 'uncounted')
  })

  await t.test('the client gives up while the app thinks: the upstream request is aborted too', async (t) => {
    await raw(port, get('/hang', host), { ms: 300 })
    t.ok(await eventually(() => inflight() === 0), 'uncounted')
    t.ok(await eventually(() => lines(abortLog).includes('/hang'), 3000), 'the app saw its request closed (not after undici\'s 300 s)')
  })

  await t.test('the client aborts while its app wakes', async (t) => {
    await raw(port, get('/', 'slowboot.example.com'), { ms: 200 })
    t.ok(await eventually(() => server.registry.get('slowboot')?.state === 'running'), 'the wake completes')
    await sleep(100)
    t.equal(inflight('slowboot'), 0, 'the aborted request was never counted')
  })

  await t.test('the app resets the connection', async (t) => {
    const exchange = await raw(port, get('/reset', host), { until: (text) => text.includes('\r\n\r\n{') && text.endsWith('}') })
    t.equal(statusOf(exchange.text), 502)
    t.match(exchange.text, /APP_UNREACHABLE/)
    t.ok(await eventually(() => inflight() === 0), 'uncounted')
  })

  await t.test('the client half-closes after its request: taken as gone (as Node and nginx do), its app request aborted', async (t) => {
    const socket = net.connect(port, '127.0.0.1')
    socket.on('error', () => {})
    socket.end(get('/hang?half', host))
    await once(socket, 'close')
    t.ok(await eventually(() => inflight() === 0), 'uncounted')
    t.ok(await eventually(() => lines(abortLog).includes('/hang?half'), 3000), 'the app saw its request closed')
  })

  await t.test('an Upgrade that is no websocket: ordinary requests, counted until their answer, never until the socket closes', async (t) => {
    const warnings: Error[] = []
    const onWarning = (warning: Error): void => { warnings.push(warning) }
    process.on('warning', onWarning)
    t.teardown(() => { process.off('warning', onWarning) })
    const socket = net.connect(port, '127.0.0.1')
    let text = ''
    socket.on('data', (chunk: Buffer) => { text += chunk.toString() })
    socket.write(get('/', host, 'Upgrade: foo\r\n').repeat(11))
    t.ok(await eventually(() => (text.match(/HTTP\/1\.1 200/g) ?? []).length === 11), '11 answers on one keep-alive socket')
    t.ok(await eventually(() => inflight() === 0), 'uncounted while the socket stays open')
    t.notOk(socket.destroyed, 'the socket is still open')
    socket.destroy()
    const h2c = await raw(port, get('/', host, 'Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n'))
    t.equal(statusOf(h2c.text), 200, 'curl --http2 on http://: the h2c offer is ignored, the request served')
    t.ok(h2c.closed, 'that connection is closed after the answer (its offer made it unusable)')
    t.ok(await eventually(() => inflight() === 0), 'uncounted')
    t.same(warnings.filter((w) => w.name === 'MaxListenersExceededWarning'), [], 'no listener leak')
  })

  await t.test('a websocket whose client vanishes without a FIN is pinged, then closed', async (t) => {
    const client = new WebSocket(`ws://127.0.0.1:${port}/`, { headers: { host } })
    await once(client, 'open')
    client.send('hello')
    const [echo] = await once(client, 'message') as [Buffer]
    t.equal(echo.toString(), 'echo: hello')
    t.equal(inflight(), 1, 'an open websocket is in flight')
    // A frozen client: it reads nothing more, so it answers no ping.
    const socket = (client as unknown as { _socket: net.Socket })._socket
    socket.pause()
    t.ok(await eventually(() => inflight() === 0, 3000), 'closed after a silent ping interval')
    client.terminate()
  })

  clock.advance(6 * MINUTE)
  const report = await server.reconciler.tick()
  t.ok(report.stopped.includes('app'), 'the app is stopped on time after all those endings')
})

t.test('2. hop-by-hop headers are the proxy\'s, both ways; Expect: 100-continue is honoured', async (t) => {
  const port = await freePort()
  const server = await build(t, { listen: true, yaml: appsYaml([{ name: 'echo', port, env: { READY_DELAY_MS: '300' } }]) })
  const paastis = portOf(server)
  const host = 'echo.example.com'

  await t.test('a 50 MB upload with Expect: 100-continue, through a wake: 100 only once the app is up, the body byte for byte', async (t) => {
    t.equal(server.registry.get('echo')?.state, 'stopped')
    const body = Buffer.alloc(50 * 1024 * 1024)
    for (let i = 0; i < body.length; i += 4096) body.writeUInt32LE(i * 2654435761 >>> 0, i)
    const socket = net.connect(paastis, '127.0.0.1')
    let text = ''
    socket.on('data', (chunk: Buffer) => { text += chunk.toString('latin1') })
    socket.write(`POST /sha256 HTTP/1.1\r\nHost: ${host}\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`)
    t.ok(await eventually(() => text.startsWith('HTTP/1.1 100 Continue'), 10_000), '100 Continue received')
    t.equal(server.registry.get('echo')?.state, 'running', 'only once the app was awake')
    socket.write(body)
    t.ok(await eventually(() => text.includes('sha256'), 20_000), 'answered')
    const answer = JSON.parse(text.slice(text.lastIndexOf('\r\n\r\n') + 4)) as { length: number, sha256: string }
    t.equal(answer.length, body.length)
    t.equal(answer.sha256, createHash('sha256').update(body).digest('hex'), 'byte for byte')
    socket.destroy()
  })

  await t.test('request: Keep-Alive, Connection-listed headers, Proxy-Authorization, TE, Upgrade never reach the app', async (t) => {
    // Raw bytes: a well-behaved client library refuses to send some of these itself.
    const exchange = await raw(paastis, get('/', host, 'Keep-Alive: timeout=300\r\nConnection: keep-alive, x-foo\r\nX-Foo: hop\r\n' +
      'Proxy-Authorization: Basic c2VjcmV0\r\nTE: trailers\r\nX-End-To-End: kept\r\n'), { until: (text) => text.endsWith('}') })
    t.equal(statusOf(exchange.text), 200, 'no 500 "invalid keep-alive header"')
    const seen = JSON.parse(exchange.text.slice(exchange.text.indexOf('\r\n\r\n') + 4)) as { headers: Record<string, string> }
    for (const name of ['keep-alive', 'x-foo', 'proxy-authorization', 'upgrade', 'te', 'expect']) t.notOk(name in seen.headers, `${name} consumed`)
    t.equal(seen.headers['x-end-to-end'], 'kept')
  })

  await t.test('response: the app\'s hop-by-hop headers never reach the client', async (t) => {
    const exchange = await raw(paastis, get('/hop', host), { until: (text) => text.endsWith('hop') })
    t.equal(statusOf(exchange.text), 200)
    const head = exchange.text.slice(0, exchange.text.indexOf('\r\n\r\n')).toLowerCase()
    for (const name of ['x-foo', 'proxy-connection', 'upgrade', 'trailer']) t.notMatch(head, new RegExp(`^${name}:`, 'm'), `${name} consumed`)
    t.notMatch(head, /^keep-alive: timeout=300/m, "the app's Keep-Alive is consumed (Paastis states its own)")
    t.notMatch(head, /^connection: x-foo/m, "the app's Connection is not the client's")
    t.match(head, /^x-end-to-end: kept$/m)
  })

  await t.test('a client that stops reading pauses the app (nothing piles up in Paastis); once it reads again, the body arrives byte for byte', async (t) => {
    const responses: ServerResponse[] = []
    const record = (req: IncomingMessage, res: ServerResponse): void => { if (req.url === '/big?mb=32') responses.push(res) }
    server.server.on('request', record)
    t.teardown(() => { server.server.off('request', record) })
    const socket = net.connect(paastis, '127.0.0.1')
    await once(socket, 'connect')
    socket.pause()
    socket.write(get('/big?mb=32', host))
    // The client's socket is full: Paastis's write said "wait", and undici stopped reading the app.
    t.ok(await eventually(() => responses[0]?.writableNeedDrain === true, 20_000), 'the client\'s socket is full')
    t.ok(responses[0].writableLength < 8 * 1024 * 1024, `${responses[0].writableLength} bytes wait in Paastis, not the 32 MB`)
    const chunks: Buffer[] = []
    let received = 0
    socket.on('data', (chunk: Buffer) => { chunks.push(chunk); received += chunk.length })
    socket.resume()
    const expected = createHash('sha256')
    for (let i = 0; i < 32 * 16; i++) expected.update(Buffer.alloc(65536, i % 251))
    const headLength = (): number => {
      const start = Buffer.concat(chunks.slice(0, 2))
      const end = start.indexOf('\r\n\r\n')
      return end < 0 ? Infinity : end + 4
    }
    t.ok(await eventually(() => received >= headLength() + 32 * 1024 * 1024, 30_000), 'the whole body, once the client reads again')
    const whole = Buffer.concat(chunks)
    const headEnd = whole.indexOf('\r\n\r\n') + 4
    t.equal(statusOf(whole.subarray(0, headEnd).toString('latin1')), 200)
    t.equal(createHash('sha256').update(whole.subarray(headEnd)).digest('hex'), expected.digest('hex'), 'byte for byte, nothing more')
    t.equal(whole.length - headEnd, 32 * 1024 * 1024)
    socket.destroy()
  })

  await t.test("a client's Connection: close is honoured", async (t) => {
    const exchange = await raw(paastis, get('/', host, 'Connection: close\r\n'))
    t.equal(statusOf(exchange.text), 200)
    t.match(exchange.text.toLowerCase(), /^connection: close$/m)
    t.ok(exchange.closed, 'the socket is closed')
  })
})

t.test('3. patterns run in linear time (RE2): a stranger\'s Host or User-Agent against a pattern that would backtrack catastrophically is answered; a stranger\'s Host costs a bounded key', async (t) => {
  // Star height 1, yet a digit is both \\d and \\w: 2^n ways to split n digits for a backtracking engine.
  const ambiguous = '^(\\d|\\w)*-preview$'
  const renaming = await build(t, {
    yaml: appsYaml([{ name: 'renamed', port: await freePort() }]) +
      `rules:\n  - pattern: '${ambiguous}'\n    app_name: renamed\n  - pattern: '^renamed$'\n    ignore_user_agents: ['^(\\d|\\w)*botx?$', 'UptimeRobot']\n`
  })
  const digits = '1'.repeat(40)
  const host = await renaming.inject({ url: '/', headers: { host: `${digits}-previewx.example.com` } })
  t.equal(host.statusCode, 404, '40 digits + -previewx: an unknown app, answered (a backtracking engine would take days)')
  const agent = await renaming.inject({ url: '/', headers: { host: 'renamed.example.com', 'user-agent': `${digits}botx!` } })
  t.not(agent.statusCode, 0, 'a User-Agent of 40 digits + botx! is answered too')
  t.throws(() => parsePaastisFile("rules:\n  - pattern: '^(?!admin)'\n", 'paastis.yml'),
    /paastis\.yml:2: rules\[0\]\.pattern: invalid regular expression: .*lookarounds and backreferences are not RE2 syntax/, 'what RE2 cannot run is refused at load')
  const port = await freePort()
  const server = await build(t, {
    yaml: appsYaml([{ name: 'app-preview', port }]) + "rules:\n  - pattern: '^[a-z0-9-]*-preview$'\n    app_max_idle_time: 5\n"
  })
  const started = process.hrtime.bigint()
  const evil = await server.inject({ url: '/', headers: { host: `${'a-'.repeat(20)}!.example.com` } })
  t.equal(evil.statusCode, 400)
  const long = await server.inject({ url: '/', headers: { host: `${'a'.repeat(64)}.example.com` } })
  t.equal(long.statusCode, 400, 'a label longer than 63 characters is no app key')
  for (let i = 0; i < 200; i++) {
    const stranger = await server.inject({ url: '/', headers: { host: `${'ab-'.repeat(20)}${i}.example.com` } })
    if (stranger.statusCode !== 404) t.fail('a stranger got something else than 404')
  }
  t.ok(server.hostRouter.cachedUnknownKeys <= 10_000, 'negative answers cached within the bound')
  t.ok(process.hrtime.bigint() - started < 60_000_000_000n, 'answered (the process did not freeze)')
})

t.test('4. a Host never rewrites an app\'s record', async (t) => {
  const port = await freePort()
  const server = await build(t, {
    yaml: appsYaml([{ name: 'renamed-app-pr1-back', port }]) + RENAMING_AND_IGNORE_RULES
  })
  const before = structuredClone(server.registry.get('renamed-app-pr1-back'))
  const stranger = await server.inject({ url: '/', headers: { host: 'internal-app-review-pr1-back.example.com' } })
  t.not(stranger.statusCode, 500)
  const record = server.registry.get('renamed-app-pr1-back')
  t.equal(record?.ignored, false, 'not made ignored by a stranger')
  t.same(record?.linkedApps, before?.linkedApps, 'linked apps unchanged')
  t.equal(record?.maxIdleTimeMs, 30 * MINUTE)
  const wake = await server.inject({ url: '/', headers: { host: 'app-review-pr1-back.example.com' } })
  t.equal(wake.statusCode, 200, 'the app still wakes')
})

t.test('5. a timeout on every phase a peer controls', async (t) => {
  const port = await freePort()
  const server = await build(t, {
    listen: true,
    yaml: appsYaml([{ name: 'app', port }]),
    env: {
      CLIENT_HEADERS_TIMEOUT: '1s',
      CLIENT_BODY_TIMEOUT: '1s',
      PROXY_RESPONSE_TIMEOUT: '1s',
      PROXY_BODY_TIMEOUT: '1s'
    }
  })
  const paastis = portOf(server)
  const host = 'app.example.com'
  await server.lifecycle.wake('app', 'test')

  await t.test('an app that never answers: 504 APP_TIMEOUT', async (t) => {
    const response = await request(`http://127.0.0.1:${paastis}/hang`, { headers: { host } })
    t.equal(response.statusCode, 504)
    t.match(await response.body.json(), { code: 'APP_TIMEOUT' })
  })

  await t.test('an app that sends headers then stalls: the response is cut off, never a short 200', async (t) => {
    const response = await request(`http://127.0.0.1:${paastis}/stall`, { headers: { host } })
    t.equal(response.statusCode, 200)
    await t.rejects(response.body.text(), 'the body ends in an error')
  })

  await t.test('a client that stops sending its headers: 408, connection closed', async (t) => {
    const exchange = await raw(paastis, `GET / HTTP/1.1\r\nHost: ${host}\r\nX-Slow: `, { ms: 5000 })
    t.ok(exchange.closed, 'closed')
    t.equal(statusOf(exchange.text), 408)
  })

  for (const [label, length] of [['buffered', 100], ['streamed', 1_000_000]] as const) {
    await t.test(`a client whose ${label} body stalls: 408, connection closed`, async (t) => {
      const exchange = await raw(paastis, `POST /sha256 HTTP/1.1\r\nHost: ${host}\r\nContent-Length: ${length}\r\n\r\nonly this`, { ms: 5000 })
      t.ok(exchange.closed, 'closed')
      t.equal(statusOf(exchange.text), 408)
      t.match(exchange.text, /CLIENT_TIMEOUT/)
    })
  }

  await t.test('130 clients trickling a body do not starve a legitimate request', async (t) => {
    const sockets = Array.from({ length: 130 }, () => {
      const socket = net.connect(paastis, '127.0.0.1')
      socket.on('error', () => {})
      socket.write(`POST /sha256 HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 50\r\n\r\n`)
      return socket
    })
    const trickle = setInterval(() => { for (const socket of sockets) socket.write('x') }, 400)
    t.teardown(() => {
      clearInterval(trickle)
      for (const socket of sockets) socket.destroy()
    })
    await sleep(500)
    const response = await request(`http://127.0.0.1:${paastis}/legit`, { headers: { host }, headersTimeout: 5000 })
    t.equal(response.statusCode, 200, 'served while 130 clients trickle')
    t.equal((await response.body.json() as { url: string }).url, '/legit')
  })
})

t.test('6. an error answered before the body is read closes the connection; a connection cap answers 503', async (t) => {
  const port = await freePort()
  const server = await build(t, { listen: true, yaml: appsYaml([{ name: 'app', port }]), env: { MAX_CONNECTIONS: '20' } })
  const paastis = portOf(server)
  const unread = await raw(paastis, 'POST / HTTP/1.1\r\nHost: nobody.example.com\r\nContent-Length: 1000\r\n\r\nten bytes.', { ms: 3000 })
  t.equal(statusOf(unread.text), 404)
  t.ok(unread.closed, 'the connection is closed, not left open for ever')
  t.match(unread.text.toLowerCase(), /^connection: close$/m)
  const waiting = await raw(paastis, 'POST / HTTP/1.1\r\nHost: nobody.example.com\r\nContent-Length: 1000\r\nExpect: 100-continue\r\n\r\n', { ms: 3000 })
  t.equal(statusOf(waiting.text), 404, 'a client waiting for 100 Continue gets the error instead')
  t.ok(waiting.closed)

  const held = await Promise.all(Array.from({ length: 20 }, async () => {
    const socket = net.connect(paastis, '127.0.0.1')
    await once(socket, 'connect')
    return socket
  }))
  await eventually(() => server.connections.open >= 20)
  const refused = await raw(paastis, get('/', 'app.example.com'))
  t.equal(statusOf(refused.text), 503, 'beyond the cap: 503')
  t.match(refused.text, /TOO_MANY_CONNECTIONS/)
  t.ok(refused.closed)
  for (const socket of held) socket.destroy()
  t.ok(await eventually(() => server.connections.open === 0))
  const ok = await request(`http://127.0.0.1:${paastis}/`, { headers: { host: 'app.example.com' } })
  t.equal(ok.statusCode, 200, 'accepting again')
  await ok.body.dump()
})

t.test('7. forwarded headers follow TRUST_PROXY', async (t) => {
  const spoofed = {
    'x-forwarded-proto': 'https',
    'x-forwarded-for': '203.0.113.9',
    'x-forwarded-host': 'public.example.com',
    forwarded: 'for=203.0.113.9;proto=https',
    'x-real-ip': '203.0.113.9'
  }
  for (const trust of ['false', 'loopback'] as const) {
    await t.test(`TRUST_PROXY=${trust}`, async (t) => {
      const port = await freePort()
      const server = await build(t, { listen: true, yaml: appsYaml([{ name: 'app', port }]), env: { TRUST_PROXY: trust } })
      const response = await request(`http://127.0.0.1:${portOf(server)}/`, { headers: { host: 'app.example.com', ...spoofed } })
      const seen = (await response.body.json() as { headers: Record<string, string> }).headers
      if (trust === 'false') {
        t.equal(seen['x-forwarded-proto'], 'http', 'a stranger cannot claim https')
        t.equal(seen['x-forwarded-for'], '127.0.0.1')
        t.equal(seen['x-forwarded-host'], 'app.example.com')
        t.equal(seen['x-real-ip'], '127.0.0.1')
        t.equal(seen.forwarded, 'for=127.0.0.1;host="app.example.com";proto=http')
      } else {
        t.equal(seen['x-forwarded-proto'], 'https', "the router's https is kept")
        t.equal(seen['x-forwarded-for'], '203.0.113.9, 127.0.0.1', 'appended to')
        t.equal(seen['x-forwarded-host'], 'public.example.com')
        t.equal(seen['x-real-ip'], '203.0.113.9')
        t.equal(seen.forwarded, 'for=203.0.113.9;proto=https, for=127.0.0.1;host="app.example.com";proto=http')
      }
    })
  }
})

t.test('8. client aborts and dead apps cost one quiet line each, counted in /metrics', async (t) => {
  const port = await freePort()
  const logs: LogLine[] = []
  const server = await build(t, {
    listen: true,
    logs,
    yaml: appsYaml([{ name: 'app', port }]),
    env: { ROUTING_SYSTEM_API_TOKEN: 'token', METRICS_PUBLIC: 'true', WAKE_FAILURE_BACKOFF: '1m' }
  })
  const paastis = portOf(server)
  await server.lifecycle.wake('app', 'test')
  const socket = net.connect(paastis, '127.0.0.1')
  socket.write('POST /sha256 HTTP/1.1\r\nHost: app.example.com\r\nContent-Length: 1000000\r\n\r\npart of it')
  await sleep(200)
  socket.destroy()
  t.ok(await eventually(() => server.registry.inflightCount('app') === 0))
  await server.provider.stop(server.registry.get('app')!) // the app dies behind Paastis's back
  for (let i = 0; i < 5; i++) {
    const response = await request(`http://127.0.0.1:${paastis}/`, { headers: { host: 'app.example.com' } })
    t.not(response.statusCode, 500, 'never a 500')
    await response.body.dump()
  }
  const loud = logs.filter((line) => line.level >= 40 && line.component === 'proxy')
  t.same(loud, [], 'no warn or error from the proxy')
  t.notOk(logs.some((line) => JSON.stringify(line).includes('"stack"')), 'no stack anywhere')
  const proxyLines = logs.filter((line) => line.component === 'proxy')
  t.ok(proxyLines.length >= 1 && proxyLines.length <= 6, `one line per failed exchange (${proxyLines.length})`)
  const metrics = await server.inject({ url: '/metrics', headers: { host: 'localhost' } })
  t.match(metrics.body, /paastis_proxy_failures_total\{failure="client_aborted"\} 1/)
  t.match(metrics.body, /paastis_proxy_failures_total\{failure="upstream_refused"\} [1-9]/)
})

t.test('9. every method token reaches the app (WebDAV, CalDAV, CardDAV)', async (t) => {
  const port = await freePort()
  const server = await build(t, { listen: true, yaml: appsYaml([{ name: 'dav', port }]) })
  for (const method of ['PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'REPORT', 'SEARCH', 'PURGE', 'MKCALENDAR']) {
    const response = await request(`http://127.0.0.1:${portOf(server)}/calendars/`, { method, headers: { host: 'dav.example.com', depth: '1' } })
    t.equal(response.statusCode, 200, method)
    t.equal((await response.body.json() as { method: string }).method, method, `${method} reached the app`)
  }
})

t.test('errors that say what to do', async (t) => {
  const port = await freePort()
  const server = await build(t, {
    listen: true,
    yaml: appsYaml([{ name: 'hello', port }]) + '  - name: typo\n    run: nodee server.js\n    port: 4999\n',
    env: { ROUTING_SYSTEM_API_TOKEN: 'token' }
  })
  const admin = { host: 'localhost', authorization: 'Bearer token' }
  const viaIp = await request(`http://127.0.0.1:${portOf(server)}/apps`)
  t.equal(viaIp.statusCode, 404)
  t.match(await viaIp.body.json(), { message: /The admin API is served on ADMIN_HOST: use http:\/\/localhost:\d+\/apps/ }, 'a loopback client asking 127.0.0.1 is told where the admin API is')

  const started = await server.inject({ method: 'POST', url: '/apps/hello/start', headers: admin })
  t.equal(started.statusCode, 202)
  t.equal(started.json().state, 'starting', 'a start under way says so')

  const filter = await server.inject({ url: '/apps?state=sleeping', headers: admin })
  t.equal(filter.statusCode, 400)
  t.match(filter.json().message, /^state \(in the query\) must be one of: running, stopped, starting, stopping, failed, unknown$/)

  const typo = await server.inject({ url: '/', headers: { host: 'typo.example.com' } })
  t.equal(typo.statusCode, 503)
  t.match(typo.json().message, /exited with code 127/)
  t.notMatch(typo.json().message, /not found/, "the app's own output is not shown to a visitor")
  t.match(server.events.list({ app: 'typo', type: 'start_failed' })[0], { message: /its last error output: .*nodee: not found/ })
  const record = await server.inject({ url: '/apps/typo', headers: admin })
  t.match(record.json(), { lastErrorDetail: /nodee: not found/ }, 'the admin API has it')
})
