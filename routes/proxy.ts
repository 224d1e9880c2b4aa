// The catch-all: every request that is not for the admin API is proxied by vhost.
import httpProxy from '@fastify/http-proxy'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { IncomingHttpHeaders } from 'node:http'
import { ensureAwake, requestDone } from '../hooks/ensure-awake'
import { parseFiniteDuration } from '../lib/duration'

/** Paastis's own headers never reach an app; an app's `Authorization` is its own business. */
const PAASTIS_HEADERS = ['paastisproxytarget', 'paastisproxysystemapitoken']

function forwardHeaders (request: FastifyRequest, headers: IncomingHttpHeaders): IncomingHttpHeaders {
  for (const name of PAASTIS_HEADERS) delete headers[name]
  const previous = request.headers['x-forwarded-for']
  headers['x-forwarded-for'] = previous === undefined ? request.ip : `${String(previous)}, ${request.ip}`
  headers['x-forwarded-host'] = request.headers.host
  headers['x-forwarded-proto'] = request.protocol
  return headers
}

export default async function proxy (fastify: FastifyInstance): Promise<void> {
  fastify.addHook('onResponse', requestDone(fastify))
  await fastify.register(httpProxy, {
    upstream: '',
    config: { proxied: true },
    // reply-from would log two lines per proxied request: the hot path stays quiet.
    disableRequestLogging: !fastify.config.LOG_REQUESTS,
    websocket: true,
    // The connection pool to the apps (see BENCHMARKS.md for what each knob gives).
    undici: {
      connections: fastify.config.PROXY_CONNECTIONS,
      pipelining: fastify.config.PROXY_PIPELINING,
      keepAliveTimeout: parseFiniteDuration(fastify.config.PROXY_KEEP_ALIVE_TIMEOUT, 's')
    },
    preHandler: ensureAwake(fastify),
    replyOptions: {
      getUpstream: (request) => (request as FastifyRequest).paastis?.upstream ?? '',
      rewriteRequestHeaders: (request, headers) => forwardHeaders(request as FastifyRequest, headers),
      rewriteHeaders: (headers, request) => {
        const wakeMs = (request as FastifyRequest | undefined)?.paastis?.wakeMs
        return wakeMs === undefined ? headers : { ...headers, 'x-paastis-wake': String(wakeMs) }
      }
    }
  })
}
