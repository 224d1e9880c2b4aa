// Traces against a real OTLP/HTTP receiver: a small server here that decodes what Paastis's
// exporter sends (OTLP/JSON). A wake is a span with its phases as children; the request that
// waited for it is a child of the client's traceparent, linked to the wake, and the app gets the
// request's traceparent. A receiver that refuses or stays silent costs spans, never a request.
import http from 'node:http'
import net, { type AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { request } from 'undici'
import { appsYaml, build, eventually, freePort, portOf, type LogLine } from '../helper'

interface OtlpValue { stringValue?: string, intValue?: string | number, boolValue?: boolean }
interface OtlpSpan {
  traceId: string
  spanId: string
  parentSpanId?: string
  name: string
  kind: number
  attributes?: Array<{ key: string, value: OtlpValue }>
  links?: Array<{ traceId: string, spanId: string }>
  status?: { code?: number }
}
interface OtlpExport { resourceSpans: Array<{ resource: { attributes: Array<{ key: string, value: OtlpValue }> }, scopeSpans: Array<{ spans: OtlpSpan[] }> }> }

/** A receiver of OTLP/HTTP traces on loopback: every export it got, decoded. */
async function receiver (t: Test): Promise<{ url: string, exports: OtlpExport[], spans: () => OtlpSpan[] }> {
  const exports: OtlpExport[] = []
  const server = http.createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8').on('data', (chunk: string) => { body += chunk }).on('end', () => {
      if (req.url === '/v1/traces' && req.headers['content-type'] === 'application/json') exports.push(JSON.parse(body) as OtlpExport)
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { server.closeAllConnections(); server.close() })
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exports,
    spans: () => exports.flatMap((batch) => batch.resourceSpans.flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans)))
  }
}

const attribute = (span: OtlpSpan | undefined, key: string): unknown => {
  const value = span?.attributes?.find((entry) => entry.key === key)?.value
  return value?.stringValue ?? (value?.intValue === undefined ? value?.boolValue : Number(value.intValue))
}

const CLIENT_TRACE = '0af7651916cd43dd8448eb211c80319c'
const CLIENT_SPAN = 'b7ad6b7169203331'

t.test('a wake and its phases, the request linked to it, the traceparent passed to the app', async (t) => {
  const otlp = await receiver(t)
  const server = await build(t, {
    yaml: appsYaml([{ name: 'traced', port: await freePort() }]),
    listen: true,
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: `${otlp.url}/`, OTEL_SERVICE_NAME: 'paastis-test' }
  })
  const cold = await request(`http://127.0.0.1:${portOf(server)}/orders?id=7`, { headers: { host: 'traced.example.com', traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01` } })
  t.equal(cold.statusCode, 200)
  const seen = await cold.body.json() as { headers: Record<string, string> }
  const warm = await request(`http://127.0.0.1:${portOf(server)}/`, { headers: { host: 'traced.example.com' } })
  const warmSeen = await warm.body.json() as { headers: Record<string, string> }
  await server.tracing?.flush()

  t.match(otlp.exports[0]?.resourceSpans[0]?.resource.attributes, [{ key: 'service.name', value: { stringValue: 'paastis-test' } }], 'OTEL_SERVICE_NAME names the service')
  const spans = otlp.spans()
  const wake = spans.find((span) => span.name === 'paastis.wake')
  t.ok(wake, 'a span for the wake')
  t.equal(attribute(wake, 'paastis.app'), 'traced')
  t.equal(attribute(wake, 'paastis.cause'), 'request')
  for (const name of ['paastis.provider.start', 'paastis.readiness']) {
    const phase = spans.find((span) => span.name === name)
    t.equal(phase?.parentSpanId, wake?.spanId, `${name} is a child of the wake`)
    t.equal(phase?.traceId, wake?.traceId)
  }
  const [first, second] = spans.filter((span) => span.name === 'GET')
  t.equal(first?.traceId, CLIENT_TRACE, "the request continues the client's trace")
  t.equal(first?.parentSpanId, CLIENT_SPAN)
  t.equal(first?.kind, 2, 'a server span')
  t.equal(attribute(first, 'http.response.status_code'), 200)
  t.equal(attribute(first, 'url.path'), '/orders', 'the path, never the query')
  t.match(first?.links, [{ traceId: wake?.traceId, spanId: wake?.spanId }], 'linked to the wake it waited for')
  t.equal(seen.headers.traceparent, `00-${CLIENT_TRACE}-${first?.spanId}-01`, "the app's parent is the request's span")
  t.same(second?.links ?? [], [], 'a request that did not wait is linked to nothing')
  t.match(warmSeen.headers.traceparent, new RegExp(`^00-${second?.traceId}-${second?.spanId}-01$`), 'a new trace when the client sent none')
})

t.test('a failed wake: its span and the failed phase say so', async (t) => {
  const otlp = await receiver(t)
  const server = await build(t, {
    yaml: `${appsYaml([{ name: 'stuck', port: await freePort(), env: { READY_DELAY_MS: '60000' } }])}rules:\n  - pattern: '^stuck$'\n    wake_timeout: 1s\n`,
    listen: true,
    env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${otlp.url}/v1/traces` }
  })
  const answer = await request(`http://127.0.0.1:${portOf(server)}/`, { headers: { host: 'stuck.example.com' } })
  t.equal(answer.statusCode, 503)
  await answer.body.dump()
  await server.tracing?.flush()
  const spans = otlp.spans()
  t.equal(spans.find((span) => span.name === 'paastis.wake')?.status?.code, 2, 'the wake span is an error')
  t.equal(spans.find((span) => span.name === 'paastis.readiness')?.status?.code, 2, 'so is its readiness phase')
  t.not(spans.find((span) => span.name === 'paastis.provider.start')?.status?.code, 2, 'the provider did start it')
  t.equal(attribute(spans.find((span) => span.name === 'GET'), 'http.response.status_code'), 503)
})

t.test('a receiver that refuses costs spans, never a request; off, nothing is traced and the client\'s traceparent goes through', async (t) => {
  const closed = await freePort()
  const logs: LogLine[] = []
  const server = await build(t, { yaml: appsYaml([{ name: 'alone', port: await freePort() }]), listen: true, logs, env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${closed}` } })
  const answer = await request(`http://127.0.0.1:${portOf(server)}/`, { headers: { host: 'alone.example.com' } })
  t.equal(answer.statusCode, 200)
  await answer.body.dump()
  await server.tracing?.flush()
  t.match(logs.filter((line) => line.component === 'tracing'), [{ level: 40, msg: new RegExp(`^traces could not be sent to http://127\\.0\\.0\\.1:${closed}/v1/traces: .*ECONNREFUSED.*; spans are dropped meanwhile, requests are not affected$`) }], 'said once, in words')

  const off = await build(t, { yaml: appsYaml([{ name: 'plain', port: await freePort() }]), listen: true })
  t.equal(off.tracing, undefined, 'no endpoint, no tracing')
  const plain = await request(`http://127.0.0.1:${portOf(off)}/`, { headers: { host: 'plain.example.com', traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01` } })
  t.equal((await plain.body.json() as { headers: Record<string, string> }).headers.traceparent, `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01`, 'end to end, untouched')
})

t.test('a receiver that accepts and stays silent: each export ends at OTEL_EXPORTER_OTLP_TIMEOUT, said once; requests and the close go on', async (t) => {
  // Accepts, reads nothing, answers nothing: a collector behind a stuck proxy, a paused VM.
  const held: net.Socket[] = []
  const silent = net.createServer((socket) => { held.push(socket) })
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { for (const socket of held) socket.destroy(); silent.close() })
  const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`
  const logs: LogLine[] = []
  const server = await build(t, { yaml: appsYaml([{ name: 'quiet', port: await freePort() }]), listen: true, logs, env: { OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_EXPORTER_OTLP_TIMEOUT: '500' } })
  const get = async (): Promise<number> => {
    const response = await request(`http://127.0.0.1:${portOf(server)}/`, { headers: { host: 'quiet.example.com' } })
    await response.body.dump()
    return response.statusCode
  }
  t.equal(await get(), 200)
  const flushing = server.tracing?.flush()
  t.ok(await eventually(() => held.length > 0), 'the export is connected, and waits')
  t.equal(await get(), 200, 'a request while the export hangs')
  await flushing
  t.match(logs.filter((line) => line.component === 'tracing'), [{ level: 40, msg: new RegExp(`^traces could not be sent to ${url}/v1/traces: .+; spans are dropped meanwhile, requests are not affected$`) }], 'the flush ended at its deadline, said in words')
  t.equal(await get(), 200)
  await t.resolves(server.close(), 'the close exports once more to the silent receiver and ends at the same deadline')
})
