// A held GET or HEAD is its waking app's readiness probe (lib/core/lifecycle/held-probes.ts): a
// just-booted app answers its first visitor once, not a probe and then the visitor. Only an
// answer that says ready reaches the client, and only once the app is running; a request that
// may not be sent twice waits for the lifecycle's own probe. Over real sockets, against the
// fixture app, which logs every request it gets (method, path, user agent, client port).
import { readFileSync } from 'node:fs'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { request } from 'undici'
import { appsYaml, build, eventually, freePort, portOf, raw } from '../helper'

const PROBE_AGENT = 'paastis-readiness-probe'

interface Logged { method: string, url: string, agent: string, port: string }

function logged (file: string): Logged[] {
  let text = ''
  try { text = readFileSync(file, 'utf8') } catch {}
  return text.split('\n').filter((line) => line !== '').map((line) => {
    const [method, url, agent, port] = line.split(' ')
    return { method, url, agent, port }
  })
}

async function paastisWith (t: Test, env: Record<string, string>, rules = ''): Promise<{ port: number, log: string, server: FastifyInstance }> {
  const appPort = await freePort()
  const log = path.join(t.testdir({}), 'requests.log')
  const server = await build(t, { yaml: appsYaml([{ name: 'app', port: appPort, env: { REQUEST_LOG: log, ...env } }]) + rules, listen: true })
  return { port: portOf(server), log, server }
}

const visitor = { host: 'app.localhost', 'user-agent': 'visitor/1' }

t.test('a GET wakes the app: the app answers it once, and no probe of its own', async (t) => {
  const { port, log, server } = await paastisWith(t, { READY_DELAY_MS: '300' })
  const response = await request(`http://127.0.0.1:${port}/first?x=1`, { headers: visitor })
  // Before anything else of the answer: its head leaves only once the app is running.
  t.equal(server.registry.get('app')?.state, 'running', 'the app is running when its answer arrives')
  t.equal(response.statusCode, 200)
  t.ok(Number(response.headers['x-paastis-wake']) >= 250, `held while it booted (${String(response.headers['x-paastis-wake'])} ms)`)
  t.match(await response.body.json(), { method: 'GET', url: '/first?x=1', headers: { 'user-agent': 'visitor/1' } })
  t.same(logged(log).map((line) => `${line.method} ${line.url} ${line.agent}`), ['GET /first?x=1 visitor/1'], 'one request reached the app: the visitor\'s')
  t.equal(server.registry.inflightCount('app'), 0, 'its exchange ended')
})

t.test("an app answering 502 while it boots: the 502 is dropped, Paastis's own probe takes over, the client gets the 200", async (t) => {
  const { port, log } = await paastisWith(t, { BOOT_502_MS: '700' })
  const response = await request(`http://127.0.0.1:${port}/again`, { headers: visitor })
  t.equal(response.statusCode, 200, 'the client never sees the 502')
  t.match(await response.body.json(), { url: '/again' })
  const lines = logged(log)
  t.equal(lines.filter((line) => line.url === '/again').length, 2, 'tried once as the probe, then sent once the app was ready')
  t.ok(lines.slice(1, -1).length >= 1 && lines.slice(1, -1).every((line) => line.agent === PROBE_AGENT), "Paastis's own probe in between")
})

t.test('a GET whose path the app always fails (a reset here) does not keep its app from passing its probe', async (t) => {
  const { port, log, server } = await paastisWith(t, { READY_DELAY_MS: '200' })
  const response = await request(`http://127.0.0.1:${port}/reset`, { headers: visitor })
  t.equal(response.statusCode, 502, "the path's own failure, once the app is ready")
  await response.body.dump()
  t.equal(server.registry.get('app')?.state, 'running', 'the wake passed on Paastis\'s own probe')
  t.ok(logged(log).some((line) => line.agent === PROBE_AGENT))
})

t.test('a HEAD as the probe: its head, no body', async (t) => {
  const { port, log } = await paastisWith(t, { READY_DELAY_MS: '200' })
  const response = await request(`http://127.0.0.1:${port}/h`, { method: 'HEAD', headers: visitor })
  t.equal(response.statusCode, 200)
  t.equal(response.headers['content-type'], 'application/json')
  t.equal((await response.body.text()).length, 0)
  t.same(logged(log).map((line) => `${line.method} ${line.url}`), ['HEAD /h'])
})

t.test('a POST is never the probe: the app answers the probe, then the POST once', async (t) => {
  const { port, log } = await paastisWith(t, { READY_DELAY_MS: '200' })
  const response = await request(`http://127.0.0.1:${port}/form`, { method: 'POST', headers: { ...visitor, 'content-type': 'text/plain' }, body: 'a=1' })
  t.equal(response.statusCode, 200)
  t.match(await response.body.json(), { method: 'POST', body: 'a=1' })
  const lines = logged(log)
  t.same(lines.filter((line) => line.method === 'POST').length, 1, 'the POST was sent once')
  t.same(lines.at(-1)?.method, 'POST', 'after the probe')
  t.ok(lines.slice(0, -1).length >= 1 && lines.slice(0, -1).every((line) => line.agent === PROBE_AGENT), 'the app was probed by Paastis before')
})

t.test("a rule's own ping is the probe: the request is sent once it passes", async (t) => {
  const { port, log } = await paastisWith(t, { READY_BODY_AFTER_MS: '500' }, "rules:\n  - pattern: '^app$'\n    ping:\n      path: /health\n      regex:\n        body: '^ready$'\n")
  const response = await request(`http://127.0.0.1:${port}/x`, { headers: visitor })
  t.equal(response.statusCode, 200)
  await response.body.dump()
  const lines = logged(log)
  t.same(lines.filter((line) => line.url === '/x').length, 1, 'the request was sent once')
  t.ok(lines.filter((line) => line.url === '/health').length >= 1, 'after the rule\'s probe')
  t.equal(lines.at(-1)?.url, '/x')
})

t.test('two held GETs: the first is the probe, the other is sent once the app is ready', async (t) => {
  const { port, log } = await paastisWith(t, { READY_DELAY_MS: '300' })
  const [a, b] = await Promise.all(['/a', '/b'].map(async (url) => {
    const response = await request(`http://127.0.0.1:${port}${url}`, { headers: visitor })
    return { status: response.statusCode, body: await response.body.json() as { url: string } }
  }))
  t.same([a.status, a.body.url, b.status, b.body.url], [200, '/a', 200, '/b'])
  t.same(logged(log).map((line) => line.url).sort(), ['/a', '/b'], 'each sent once, no probe of Paastis\'s own')
})

t.test("the probe's client leaves: the wake goes on with Paastis's own probe, nothing stays counted", async (t) => {
  const { port, log, server } = await paastisWith(t, { READY_DELAY_MS: '800' })
  await raw(port, 'GET /gone HTTP/1.1\r\nHost: app.localhost\r\n\r\n', { ms: 200 })
  t.ok(await eventually(() => server.registry.get('app')?.state === 'running', 10_000), 'the wake completes')
  t.equal(server.registry.inflightCount('app'), 0, 'the request that left was uncounted')
  const lines = logged(log)
  t.ok(lines.length >= 1 && lines.every((line) => line.agent === PROBE_AGENT), 'the request that left never reached the app; Paastis\'s probe did')
})

t.test("a GET slower than a probe's deadline is no probe: Paastis's own takes over, and the GET is sent once the app is ready", async (t) => {
  const { port, log } = await paastisWith(t, { READY_DELAY_MS: '200' })
  const response = await request(`http://127.0.0.1:${port}/slow?ms=2500`, { headers: visitor })
  t.equal(response.statusCode, 200)
  t.equal(await response.body.text(), 'slow done', 'answered, however long the app takes with it')
  const lines = logged(log)
  const probed = lines.findIndex((line) => line.agent === PROBE_AGENT)
  t.ok(probed > 0, "Paastis's own probe took over after the request's try")
  t.same(lines.filter((line) => line.url === '/slow?ms=2500').length, 2, 'sent as the probe, cut at its deadline, then sent once the app was ready')
  t.equal(lines.at(-1)?.url, '/slow?ms=2500')
})
