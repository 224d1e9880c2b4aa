// Traces (OpenTelemetry over OTLP/HTTP), off unless OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set, as the OpenTelemetry spec names them. A wake is a
// span with one child per phase (lib/core/wake-tracing.ts); a proxied request is a span (child of
// the client's `traceparent`, if any) linked to the wake it waited for, and the app gets the
// request's `traceparent`. Off, no hook is added: the request path reads one `undefined`.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span, type SpanContext, type Tracer } from '@opentelemetry/api'
import { setGlobalErrorHandler, W3CTraceContextPropagator } from '@opentelemetry/core'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { IncomingHttpHeaders } from 'node:http'
import type { WakeTrace, WakeTracing } from '../lib/core/wake-tracing'

export interface Tracing extends WakeTracing {
  /** The request waited for its app's wake: its span is linked to the wake's. */
  waited(request: FastifyRequest, app: string): void
  /** The request's `traceparent` (and `tracestate`) in the headers sent to the app. */
  inject(request: FastifyRequest, headers: IncomingHttpHeaders): void
  /** Sends what is buffered (a shutdown does it too). */
  flush(): Promise<void>
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Undefined while no OTLP endpoint is set. */
    tracing: Tracing | undefined
  }
}

/** The endpoint of the traces: the signal's own, else the base endpoint with /v1/traces (the spec's rule). */
function tracesUrl (base: string | undefined, traces: string | undefined): string | undefined {
  if (traces !== undefined) return traces
  return base === undefined ? undefined : `${base.replace(/\/+$/, '')}/v1/traces`
}

function failed (span: Span, error: Error | undefined): void {
  if (error === undefined) return
  span.recordException(error)
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message })
}

export default fp(async function tracing (fastify: FastifyInstance) {
  const { config } = fastify
  const url = tracesUrl(config.OTEL_EXPORTER_OTLP_ENDPOINT, config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
  if (url === undefined) {
    fastify.decorate('tracing', undefined)
    return
  }
  // Bounded: a queue of spans (2048) and a deadline per export; a receiver away costs spans, never a request.
  const timeoutMillis = config.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT ?? config.OTEL_EXPORTER_OTLP_TIMEOUT
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.OTEL_SERVICE_NAME }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url, timeoutMillis }), maxQueueSize: 2048, exportTimeoutMillis: timeoutMillis })]
  })
  const tracer: Tracer = provider.getTracer('paastis')
  // An export that fails (the receiver away, refusing, silent) is said at most once a minute.
  const log = fastify.log.child({ component: 'tracing' })
  let saidAt = 0
  const exportFailed = (err: unknown): void => {
    if (Date.now() - saidAt < 60_000) return
    saidAt = Date.now()
    log.warn(`traces could not be sent to ${url}: ${err instanceof Error ? err.message : String(err)}; spans are dropped meanwhile, requests are not affected`)
  }
  // OpenTelemetry reports the batch exports' failures here (one handler per process: Paastis is one).
  setGlobalErrorHandler(exportFailed)
  const propagator = new W3CTraceContextPropagator()
  const requests = new WeakMap<FastifyRequest, Span>()
  /** The wake under way or last made of each app (the registry's apps: bounded). */
  const wakes = new Map<string, SpanContext>()
  const getter = { keys: (carrier: IncomingHttpHeaders) => Object.keys(carrier), get: (carrier: IncomingHttpHeaders, key: string) => carrier[key] }
  const setter = { set: (carrier: IncomingHttpHeaders, key: string, value: string) => { carrier[key] = value } }

  fastify.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config.proxied !== true) return
    const parent = propagator.extract(ROOT_CONTEXT, request.headers, getter)
    const span = tracer.startSpan(request.method, {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': request.method, 'url.path': request.url.split('?')[0], 'server.address': request.headers.host ?? '' }
    }, parent)
    requests.set(request, span)
    reply.raw.once('close', () => {
      const status = reply.raw.statusCode
      span.setAttribute('http.response.status_code', status)
      if (status >= 500 || !reply.raw.writableFinished) span.setStatus({ code: SpanStatusCode.ERROR })
      span.end()
    })
  })
  fastify.addHook('onClose', async () => { await provider.shutdown().catch(exportFailed) })

  fastify.decorate<Tracing>('tracing', {
    begin (app, cause): WakeTrace {
      const span = tracer.startSpan('paastis.wake', { attributes: { 'paastis.app': app.name, 'paastis.provider': app.provider, 'paastis.cause': cause } }, ROOT_CONTEXT)
      wakes.set(app.name, span.spanContext())
      const parent = trace.setSpan(ROOT_CONTEXT, span)
      return {
        phase (name) {
          const child = tracer.startSpan(name === 'provider' ? 'paastis.provider.start' : 'paastis.readiness', { attributes: { 'paastis.app': app.name } }, parent)
          let ended = false
          return (error) => {
            if (ended) return
            ended = true
            failed(child, error)
            child.end()
          }
        },
        end (error) {
          failed(span, error)
          span.end()
        }
      }
    },
    waited (request, app) {
      const span = requests.get(request)
      const wake = wakes.get(app)
      span?.setAttribute('paastis.app', app)
      if (span !== undefined && wake !== undefined) span.addLink({ context: wake, attributes: { 'paastis.link': 'waited for this wake' } })
    },
    inject (request, headers) {
      const span = requests.get(request)
      if (span === undefined) return
      delete headers.tracestate
      propagator.inject(trace.setSpan(ROOT_CONTEXT, span), headers, setter)
    },
    async flush () { await provider.forceFlush().catch(exportFailed) }
  })
}, { name: 'tracing', dependencies: ['config'] })
