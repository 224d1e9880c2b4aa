// The readiness probe against real sockets: ready on the expected status, not ready on a 502 or a
// wrong status, refused when nothing listens, and bounded by its timeout when the app hangs; the
// schedule of probes while an app boots; the probe's connection left for the first request.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { Agent, request } from 'undici'
import { DEFAULT_PROBE, isLocal, nextPause, NOT_READY_MAX_PAUSE_MS, probe, probeOnce, waitUntilReady } from '../../../lib/proxy/probe'
import { freePort } from '../../helper'

async function app (t: Test, handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { server.closeAllConnections(); server.close() })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

t.test('ready, not ready, refused, and a hang bounded by the timeout', async (t) => {
  const ok = await app(t, (_req, res) => res.writeHead(204).end())
  t.equal(await probeOnce(ok, DEFAULT_PROBE, 1000), 'ready')
  t.equal(await probe(ok, DEFAULT_PROBE, 1000), true)
  const booting = await app(t, (_req, res) => res.writeHead(502).end())
  t.equal(await probeOnce(booting, DEFAULT_PROBE, 1000), 'not-ready', 'a router answering 502 while the app boots')
  t.equal(await probeOnce(`http://127.0.0.1:${await freePort()}`, DEFAULT_PROBE, 1000), 'refused')
  const hangs = await app(t, () => {})
  const started = Date.now()
  t.equal(await probeOnce(hangs, DEFAULT_PROBE, 300), 'not-ready')
  t.ok(Date.now() - started < 2000, 'bounded by the timeout')
  const health = await app(t, (req, res) => res.writeHead(req.url === '/health' && req.method === 'GET' ? 200 : 404).end())
  t.equal(await probeOnce(health, { method: 'GET', path: '/health', statusCode: /^200$/ }, 1000), 'ready', 'a probe of its own path and status')
  t.equal(await probeOnce(health, { method: 'GET', path: '/', statusCode: /^200$/ }, 1000), 'not-ready')
})

t.test('local upstreams are told apart from remote ones', async (t) => {
  t.ok(isLocal('http://127.0.0.1:3000'))
  t.ok(isLocal('http://localhost:3000'))
  t.notOk(isLocal('https://shop.osc-fr1.scalingo.io'))
})

t.test('the probe\'s connection is the one the first proxied request finds open (one connection to a just-booted app)', async (t) => {
  const port = await freePort()
  const server = http.createServer((_req, res) => { res.writeHead(200, { 'content-length': 2 }).end('ok') })
  t.teardown(() => { server.closeAllConnections(); server.close() })
  let connections = 0
  server.on('connection', () => { connections++ })
  const agent = new Agent({ connections: 128, keepAliveTimeout: 60_000 })
  t.teardown(() => agent.close())
  // The app listens once the probe has been refused: the wait sees the boot as a proxy would.
  let refusals = 0
  const probing = waitUntilReady(`http://127.0.0.1:${port}`, DEFAULT_PROBE, {
    deadline: performance.now() + 30_000,
    dispatcher: agent,
    failure: () => { if (++refusals === 2) server.listen(port, '127.0.0.1'); return undefined }
  })
  t.equal(await probing, undefined, 'ready')
  const response = await request(`http://127.0.0.1:${port}/`, { dispatcher: agent })
  t.equal(await response.body.text(), 'ok')
  t.equal(connections, 1, 'the request went over the probe\'s connection')
})

t.test('the schedule: a refusing local port is asked again at once, an app that is not ready at least every 60 ms', async (t) => {
  t.equal(nextPause('refused', true, 0), 2)
  t.equal(nextPause('refused', true, 60_000), 2, 'however long the boot')
  t.equal(nextPause('not-ready', true, 0), 10)
  t.equal(nextPause('not-ready', false, 0), 10, 'a PaaS router\'s 502: asked again soon')
  t.equal(nextPause('refused', false, 0), 10, 'a remote host that refuses is not asked every 2 ms')
  t.equal(nextPause('not-ready', false, 60_000), NOT_READY_MAX_PAUSE_MS, 'capped: answered at most this long after it is ready')
  t.equal(NOT_READY_MAX_PAUSE_MS, 60)
  // The load of a 20 s boot behind a router: the probes the schedule sends, each answered at once.
  let elapsed = 0
  let probes = 0
  while (elapsed < 20_000) {
    probes++
    elapsed += nextPause('not-ready', false, elapsed)
  }
  t.ok(probes <= 360, `a 20 s boot costs ${probes} probes (≤ 360: about 17 a second)`)
  t.ok(probes >= 20_000 / NOT_READY_MAX_PAUSE_MS, 'never fewer than one per 60 ms')
})

t.test('a held request offered is the probe: the wait sends it instead of its own, and probes again once it is withdrawn', async (t) => {
  const agents: string[] = []
  const ok = await app(t, (req, res) => { agents.push(String(req.headers['user-agent'])); res.end('ok') })
  const tries: Array<[string, number]> = []
  const results: Array<'refused' | 'not-ready' | 'ready'> = ['refused', 'not-ready', 'ready']
  const ready = await waitUntilReady(ok, DEFAULT_PROBE, {
    deadline: performance.now() + 30_000,
    offered: () => async (upstream, timeoutMs) => {
      tries.push([upstream, timeoutMs])
      return results[tries.length - 1]
    }
  })
  t.equal(ready, undefined, 'ready when the held request\'s answer says so')
  t.equal(tries.length, 3, 'asked after a refusal and after a not-ready answer')
  t.ok(tries.every(([upstream, timeoutMs]) => upstream === ok && timeoutMs > 0 && timeoutMs <= 2000), 'with the app\'s address and a probe\'s deadline')
  t.same(agents, [], 'the wait sent nothing of its own')

  let offers = 1
  const withdrawn = await waitUntilReady(ok, DEFAULT_PROBE, {
    deadline: performance.now() + 30_000,
    offered: () => offers-- > 0 ? async () => 'withdrawn' : undefined
  })
  t.equal(withdrawn, undefined)
  t.same(agents, ['paastis-readiness-probe'], 'its client left: the wait probed the app itself, at once')
})
