// The readiness probe against real sockets: ready on the expected status, not ready on a 502 or a
// wrong status, refused when nothing listens, and bounded by its timeout when the app hangs.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { DEFAULT_PROBE, isLocal, probe, probeOnce } from '../../lib/probe'
import { freePort } from '../helper'

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
