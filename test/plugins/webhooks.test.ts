// Webhooks against a real local receiver that checks the signature.
import { createHmac, timingSafeEqual } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { request } from 'undici'
import { appsYaml, build, eventually, freePort, type LogLine } from '../helper'

const SECRET = 'a-webhook-secret-of-32-characters'

interface Received { type: string, app: string, signed: boolean, delivery: string }

/** A receiver: checks the HMAC, answers `status()` (a status, or 'hang'). */
async function receiver (t: Test, status: (count: number) => number | 'hang') {
  const received: Received[] = []
  let count = 0
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`)
      const given = Buffer.from(String(req.headers['x-paastis-signature'] ?? ''))
      const event = JSON.parse(body.toString()) as { type: string, app: string }
      received.push({ type: event.type, app: event.app, signed: given.length === expected.length && timingSafeEqual(given, expected), delivery: String(req.headers['x-paastis-delivery']) })
      const answer = status(++count)
      if (answer === 'hang') return
      res.writeHead(answer).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { server.closeAllConnections(); server.close() })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks?token=s3cr3t-in-query`, received, count: () => count }
}

t.test('the chosen events, signed, retried with backoff after 503s; the others not sent', async (t) => {
  const hook = await receiver(t, (n) => n <= 2 ? 503 : 204)
  const port = await freePort()
  const server = await build(t, {
    yaml: appsYaml([{ name: 'web', port }]),
    env: { ROUTING_SYSTEM_API_TOKEN: 'tk', WEBHOOK_URLS: hook.url, WEBHOOK_SECRET: SECRET }
  })
  await server.lifecycle.wake('web', 'test')
  await server.lifecycle.stop('web', 'admin')
  t.ok(await eventually(() => hook.received.filter((r) => r.type === 'stopped').length === 1, 15_000))
  await server.webhooks?.settled()
  // discovered, starting and stopping are not in the default WEBHOOK_EVENTS.
  t.same(hook.received.map((r) => r.type), ['started', 'started', 'started', 'stopped'], 'started: two 503s, then delivered; stopped at once')
  t.ok(hook.received.every((r) => r.signed), 'every delivery carries a valid signature')
  t.equal(new Set(hook.received.map((r) => r.delivery)).size, 2, 'a retry is the same delivery')
  t.same(server.webhooks?.counts, { delivered: 2, failed: 0, dropped: 0 })
  const metrics = await server.inject({ url: '/metrics', headers: { host: 'localhost', authorization: 'Bearer tk' } })
  t.match(metrics.body, /paastis_webhook_deliveries_total\{result="delivered"\} 2/)
})

t.test('a receiver that hangs delays no wake; failures logged once, counted, never the URL\'s token', async (t) => {
  const hook = await receiver(t, () => 'hang')
  const port = await freePort()
  const logs: LogLine[] = []
  const server = await build(t, {
    yaml: appsYaml([{ name: 'web', port }]),
    listen: true,
    logs,
    env: { WEBHOOK_URLS: hook.url, WEBHOOK_SECRET: SECRET, WEBHOOK_TIMEOUT: '300ms', WEBHOOK_RETRIES: '1', WEBHOOK_EVENTS: 'starting,started,stopped' }
  })
  const { port: paastis } = server.server.address() as AddressInfo
  const begin = Date.now()
  const response = await request(`http://127.0.0.1:${paastis}/`, { headers: { host: 'web.example.com' } })
  t.equal(response.statusCode, 200)
  await response.body.dump()
  t.ok(Date.now() - begin < 3000, `the wake did not wait for the hanging receiver (${Date.now() - begin} ms)`)
  await server.lifecycle.stop('web', 'admin')
  await server.webhooks?.settled()
  t.same(server.webhooks?.counts, { delivered: 0, failed: 3, dropped: 0 }, 'starting, started, stopped: each failed after its retry')
  t.equal(hook.count(), 6, 'two attempts each')
  const warnings = logs.filter((line) => /webhook/.test(line.msg))
  t.equal(warnings.length, 1, 'logged once')
  t.match(warnings[0].msg, /^webhook http:\/\/127\.0\.0\.1:\d+\/hooks: the starting event of web was not delivered/)
  t.notMatch(JSON.stringify(logs), /s3cr3t-in-query|a-webhook-secret/, 'neither the query token nor the secret in a log')
})

t.test('bad webhook settings are clear errors at start', async (t) => {
  await t.rejects(build(t, { env: { WEBHOOK_URLS: 'ftp://x' } }), /WEBHOOK_URLS: item 1 is not an http\(s\) URL/)
  await t.rejects(build(t, { env: { WEBHOOK_URLS: 'http://127.0.0.1:9/', WEBHOOK_EVENTS: 'started,exploded' } }), /WEBHOOK_EVENTS: unknown event exploded/)
  await t.rejects(build(t, { env: { WEBHOOK_URLS: 'http://127.0.0.1:9/', WEBHOOK_SECRET: 'short' } }), /WEBHOOK_SECRET/)
})
