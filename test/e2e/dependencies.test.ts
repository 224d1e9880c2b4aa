// Every dependency of Paastis, each put through each failure: connected but silent, slow, answering
// garbage, refusing. A link of the test's own (test/fakes/faulty-link.ts) stands between Paastis
// and the real thing (redis-server, PostgreSQL, the Scalingo fake, a webhook receiver).
//
// What each must give, whatever the failure:
// | dependency          | the request path                              | /readyz                         | afterwards                        |
// |---------------------|-----------------------------------------------|---------------------------------|-----------------------------------|
// | Redis registry      | running apps proxied; a stopped app woken on  | checks.redis names Redis and    | back: ready again                 |
// |                     | this replica alone, answered (STORE_TIMEOUT)  | the reason (503: not ready)     |                                   |
// | PostgreSQL events   | proxied; admin calls answered; /events from   | checks.events: buffered (200)   | back: the events written in order |
// |                     | memory; a shutdown ends, events kept in a file|                                 | (the file's too, at next start)   |
// | provider API        | a wake answers 503 naming the provider and    | checks.provider with the reason | the registry intact               |
// |                     | what came instead (HTML with a 200 included)  |                                 |                                   |
// | webhook receiver    | wakes unaffected; deliveries end within their | checks.webhooks with the reason | delivered again                   |
// |                     | deadline (retries included), counted failed   | (200)                           |                                   |
// No test waits on a margin: each waits for an answer or an event; a hang would end in tap's timeout.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t, { type Test } from 'tap'
import { request } from 'undici'
import { FaultyLink, type LinkMode } from '../fakes/faulty-link'
import { FakeScalingo, SCALINGO_TOKEN } from '../fakes/scalingo'
import { appsYaml, build, eventually, freePort, portOf } from '../helper'
import { startPostgres } from '../postgres'
import { startRedis } from '../redis'

const TOKEN = 'dependencies-token'
const admin = { host: 'localhost', authorization: `Bearer ${TOKEN}` }
const FAILURES: LinkMode[] = ['silent', 'slow', 'garbage', 'refused']

async function link (t: Test, target: number): Promise<FaultyLink> {
  const faulty = new FaultyLink(target)
  await faulty.listen()
  faulty.slowMs = 3000
  t.teardown(() => faulty.close())
  return faulty
}

async function get (port: number, host: string): Promise<number> {
  const response = await request(`http://127.0.0.1:${port}/`, { headers: { host } })
  await response.body.dump()
  return response.statusCode
}

async function readyz (port: number): Promise<{ status: number, checks: Record<string, string> }> {
  const response = await request(`http://127.0.0.1:${port}/readyz`, { headers: { host: 'localhost' } })
  return { status: response.statusCode, checks: (await response.body.json() as { checks: Record<string, string> }).checks }
}

t.test('Redis registry: silent, slow, garbage, refused', async (t) => {
  const redis = await startRedis(t)
  const faulty = await link(t, redis.port)
  const [awake, sleepy] = [await freePort(), await freePort()]
  const server = await build(t, {
    listen: true,
    yaml: appsYaml([{ name: 'awake', port: awake }, { name: 'sleepy', port: sleepy }]),
    env: {
      REGISTRY_TYPE: 'redis',
      REGISTRY_REDIS_URL: `redis://${faulty.url}`,
      REGISTRY_REDIS_SYNC_INTERVAL: '200ms',
      STORE_TIMEOUT: '500ms',
      WAKE_TIMEOUT: '10s',
      ROUTING_SYSTEM_API_TOKEN: TOKEN
    }
  })
  const port = portOf(server)
  t.equal(await get(port, 'awake.localhost'), 200)
  for (const mode of FAILURES) {
    t.test(mode, async (t) => {
      await server.lifecycle.stop('sleepy', 'admin')
      faulty.set(mode)
      t.equal(await get(port, 'awake.localhost'), 200, 'a running app is proxied')
      t.equal(await get(port, 'sleepy.localhost'), 200, 'a stopped app is woken on this replica alone, and answered')
      t.ok(await eventually(async () => /^Redis does not answer \(.+\): running apps are still proxied/.test((await readyz(port)).checks.redis ?? ''), 10_000), 'readyz names Redis and why')
      t.equal((await readyz(port)).status, 503)
      await faulty.restore()
      t.ok(await eventually(async () => (await readyz(port)).checks.redis === 'ok', 15_000), 'back: ready again')
    })
  }
})

t.test('a shutdown while Redis is away ends, and nothing reconnects after it', async (t) => {
  const redis = await startRedis(t)
  const server = await build(t, { yaml: appsYaml([{ name: 'any', port: await freePort() }]), env: { REGISTRY_TYPE: 'redis', REGISTRY_REDIS_URL: redis.url } })
  await redis.stop()
  t.ok(await eventually(() => server.redis.status === 'reconnecting'), 'Redis is away: its client reconnects')
  await t.resolves(server.close(), 'the close ends')
  // ioredis's pending reconnection (its own field): one left would keep the process alive forever.
  t.equal((server.redis as unknown as { reconnectTimeout: unknown }).reconnectTimeout, null, 'and no reconnection is left scheduled')
})

t.test('a shutdown while Redis is connected but silent ends at STORE_TIMEOUT, and nothing reconnects after it', async (t) => {
  const redis = await startRedis(t)
  const faulty = await link(t, redis.port)
  const server = await build(t, {
    yaml: appsYaml([{ name: 'any', port: await freePort() }]),
    env: { REGISTRY_TYPE: 'redis', REGISTRY_REDIS_URL: `redis://${faulty.url}`, STORE_TIMEOUT: '500ms' }
  })
  t.equal(server.redis.status, 'ready')
  faulty.set('silent')
  await t.resolves(server.close(), 'the close ends: its QUIT has the deadline of every command')
  t.equal((server.redis as unknown as { reconnectTimeout: unknown }).reconnectTimeout, null, 'and no reconnection is left scheduled')
})

t.test('PostgreSQL event store: silent, slow, garbage, refused; a shutdown while it is silent keeps the events', async (t) => {
  const pg = await startPostgres(t)
  const faulty = await link(t, pg.port)
  const state = mkdtempSync(path.join(tmpdir(), 'paastis-state-'))
  t.teardown(() => rmSync(state, { recursive: true, force: true }))
  const appPort = await freePort()
  const env = {
    EVENTS_STORE_TYPE: 'postgres',
    DATABASE_URL: pg.url.replace(`127.0.0.1:${pg.port}`, faulty.url),
    STORE_TIMEOUT: '500ms',
    ROUTING_SYSTEM_API_TOKEN: TOKEN,
    PAASTIS_STATE_DIR: state
  }
  const yaml = appsYaml([{ name: 'logged', port: appPort }])
  const server = await build(t, { listen: true, yaml, env })
  const port = portOf(server)
  const rows = async (): Promise<number> => (await pg.sql<Array<{ n: number }>>`SELECT count(*)::int AS n FROM paastis_events WHERE app = 'logged'`)[0].n
  for (const mode of FAILURES) {
    t.test(mode, async (t) => {
      faulty.set(mode)
      const started = await request(`http://127.0.0.1:${port}/apps/logged/start?wait=true`, { method: 'POST', headers: admin })
      t.equal(started.statusCode, 200, 'an admin start is answered')
      await started.body.dump()
      t.equal(await get(port, 'logged.localhost'), 200, 'proxied')
      const events = await request(`http://127.0.0.1:${port}/events?app=logged`, { headers: admin })
      t.equal(events.statusCode, 200, '/events answers, from memory')
      t.ok((await events.body.json() as unknown[]).length > 0)
      t.ok(await eventually(async () => /^PostgreSQL does not answer \(.+\): \d+ events buffered in memory/.test((await readyz(port)).checks.events ?? ''), 10_000), 'readyz says why, and how many wait')
      t.equal((await readyz(port)).status, 200, 'history is not the request path: still ready')
      const stopped = await request(`http://127.0.0.1:${port}/apps/logged/stop`, { method: 'POST', headers: admin })
      t.equal(stopped.statusCode, 200)
      await stopped.body.dump()
      const before = server.events.list({ app: 'logged' }).length
      await faulty.restore()
      t.ok(await eventually(async () => (await readyz(port)).checks.events === 'ok', 15_000), 'back: written')
      t.ok(await rows() >= before, 'every event of the outage is in the table')
    })
  }

  t.test('SIGTERM-like close while PostgreSQL is silent: bounded, and the events wait in a file for the next start', async (t) => {
    const second = await build(t, { yaml, env })
    faulty.set('silent')
    const started = await second.inject({ method: 'POST', url: '/apps/logged/start?wait=true', headers: admin })
    t.equal(started.statusCode, 200)
    const spill = path.join(state, 'events-pending.jsonl')
    await second.close()
    t.ok(existsSync(spill), 'the events not written are in the state folder')
    const kept = readFileSync(spill, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { type: string })
    t.ok(kept.some((event) => event.type === 'started'))
    const count = await rows()
    await faulty.restore()
    const third = await build(t, { yaml, env })
    t.ok(await eventually(async () => await rows() >= count + kept.length, 15_000), 'written by the next start')
    t.notOk(existsSync(spill), 'and the file is gone')
    await third.close()
  })
})

t.test('provider API (Scalingo): silent, slow, garbage (HTML with a 200), refused', async (t) => {
  const scalingo = new FakeScalingo(['osc-fr1'])
  await scalingo.listen()
  t.teardown(() => scalingo.close())
  await scalingo.addApp('shop', { web: 0 })
  const faulty = await link(t, Number(new URL(scalingo.baseUrl).port))
  const server = await build(t, {
    listen: true,
    env: {
      PROVIDER_NAME: 'scalingo',
      PROVIDER_SCALINGO_API_TOKEN: SCALINGO_TOKEN,
      PROVIDER_SCALINGO_AUTH_URL: `http://${faulty.url}`,
      PROVIDER_SCALINGO_API_URL: `http://${faulty.url}/osc-fr1`,
      PROVIDER_REGION: 'osc-fr1',
      PROVIDER_REQUEST_TIMEOUT: '500ms',
      PROVIDER_RETRIES: '1',
      PROVIDER_POLL_INTERVAL: '20ms',
      ROUTING_SYSTEM_API_TOKEN: TOKEN
    }
  })
  t.ok(server.registry.has('shop'), 'listed while the link passes')
  const port = portOf(server)
  const reasons: Record<string, RegExp> = {
    silent: /no answer from the API \(.*(timeout|aborted|Timeout)/i,
    slow: /no answer from the API \(.*(timeout|aborted|Timeout)/i,
    garbage: /answered 200 with text\/html, not the JSON of an app list: `<!doctype html><title>Maintenance<\/title>`/,
    refused: /no answer from the API \(.*(ECONNREFUSED|ECONNRESET|other side closed|SocketError)/i
  }
  for (const mode of FAILURES) {
    t.test(mode, async (t) => {
      faulty.set(mode)
      const outcome = await server.reconciler.tryDiscover()
      t.match(outcome, { error: reasons[mode] }, 'the listing fails with a reason that names what came')
      t.match(outcome, { error: /^scalingo list: / }, 'and the provider and the operation')
      t.ok(server.registry.has('shop'), 'the registry is intact')
      const ready = await readyz(port)
      t.match(ready.checks.provider, /^scalingo did not answer at the last check \(scalingo list: /)
      const wake = await request(`http://127.0.0.1:${port}/`, { headers: { host: 'shop.localhost', accept: 'application/json' } })
      t.equal(wake.statusCode, 503, 'a wake answers 503')
      t.match(await wake.body.json(), { code: /^WAKE_/, message: /scalingo start shop: / })
      await faulty.restore()
      t.ok('lastDiscoveryOk' in server.reconciler)
      t.notMatch(JSON.stringify(await server.reconciler.tryDiscover()), /error/, 'back: listed again')
    })
  }
})

t.test('webhook receiver: silent, slow, garbage, refused; credentials in its URL sent as Basic auth', async (t) => {
  const received: Array<{ authorization?: string, type?: string }> = []
  const receiver = http.createServer((req, res) => {
    received.push({ authorization: req.headers.authorization, type: req.headers['x-paastis-event'] as string | undefined })
    req.resume()
    req.on('end', () => { res.writeHead(204).end() })
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { receiver.closeAllConnections(); receiver.close() })
  const faulty = await link(t, (receiver.address() as AddressInfo).port)
  faulty.slowMs = 2000
  // An HTML page with a 200 is a delivery by HTTP's rules: garbage here is bytes of no protocol.
  faulty.garbage = 'SSH-2.0-OpenSSH_9.2\r\n\u0000\u0001'
  const server = await build(t, {
    listen: true,
    yaml: appsYaml([{ name: 'hooked', port: await freePort() }]),
    env: {
      WEBHOOK_URLS: `http://ops%40example.com:p%C3%A4ss%20word@${faulty.url}/hooks/paastis?token=q`,
      WEBHOOK_EVENTS: 'started,stopped',
      WEBHOOK_TIMEOUT: '300ms',
      WEBHOOK_RETRIES: '1',
      ROUTING_SYSTEM_API_TOKEN: TOKEN
    }
  })
  const port = portOf(server)
  const webhooks = server.webhooks
  if (webhooks === undefined) throw new Error('webhooks are configured')
  const cycle = async (): Promise<void> => {
    t.equal((await server.inject({ method: 'POST', url: '/apps/hooked/start?wait=true', headers: admin })).statusCode, 200, 'the wake is not held by the receiver')
    t.equal((await server.inject({ method: 'POST', url: '/apps/hooked/stop', headers: admin })).statusCode, 200)
  }
  await cycle()
  t.ok(await eventually(() => webhooks.counts.delivered === 2, 10_000), 'delivered while the link passes')
  t.equal(received[0].authorization, `Basic ${Buffer.from('ops@example.com:päss word').toString('base64')}`, 'the URL\'s credentials, as Basic auth')
  for (const mode of FAILURES) {
    t.test(mode, async (t) => {
      const failed = webhooks.counts.failed
      faulty.set(mode)
      await cycle()
      t.ok(await eventually(() => webhooks.counts.failed === failed + 2, 15_000), 'both deliveries ended, failed, within their deadline')
      const ready = await readyz(port)
      t.match(ready.checks.webhooks, /^http:\/\/127\.0\.0\.1:\d+\/hooks\/paastis does not take deliveries \(.+\)/, 'readyz names the receiver, without its credentials or query')
      t.notMatch(ready.checks.webhooks, /ops|word|token/)
      t.equal(ready.status, 200)
      await faulty.restore()
      const delivered = webhooks.counts.delivered
      await cycle()
      t.ok(await eventually(() => webhooks.counts.delivered === delivered + 2, 10_000), 'back: delivered again')
      t.equal((await readyz(port)).checks.webhooks, 'ok')
    })
  }
})
