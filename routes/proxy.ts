// The catch-all: every request that is not for the admin API is proxied by vhost, whatever its
// method, once the ensure-awake preHandler has found its app running.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { METHODS } from 'node:http'
import type { Socket } from 'node:net'
import type { Readable } from 'node:stream'
import { appTimeout, appUnreachable, clientTimeout, type PaastisError } from '../lib/common/errors'
import { clientResponseHeaders, upstreamRequestHeaders, type ClientView } from '../lib/proxy/forward-headers'
import { ForwardError } from '../lib/proxy/forward-error'
import { hasBody, type ForwardTarget } from '../lib/proxy/forwarder'
import { readyStatus } from '../lib/proxy/probe'
import { ensureAwake, type ProbeWith, type ProxyTarget } from '../hooks/ensure-awake'
import type { TrustPeer } from '../lib/proxy/trust-proxy'

/** Every method Node's parser accepts, but CONNECT (tunnels are no reverse proxy's business). */
export const PROXIED_METHODS = METHODS.filter((method) => method !== 'CONNECT')

/** Handshake headers of the client's websocket: the relay makes its own towards the app. */
const WEBSOCKET_HANDSHAKE = ['sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions', 'sec-websocket-protocol']

function clientView (request: FastifyRequest, trust: TrustPeer): ClientView {
  const socket = request.raw.socket as Socket | undefined
  const address = socket?.remoteAddress ?? ''
  return {
    address,
    trusted: trust(address, 0),
    host: request.headers.host,
    protocol: (socket as { encrypted?: boolean } | undefined)?.encrypted === true ? 'https' : 'http'
  }
}

/** What ends an exchange that failed. */
type ExchangeFailed = (request: FastifyRequest, reply: FastifyReply, target: ProxyTarget, err: ForwardError, headersSent: boolean) => void

function errorFor (app: string, err: ForwardError): PaastisError | undefined {
  switch (err.failure) {
    case 'client_aborted': return undefined
    case 'client_timeout': return clientTimeout(err.message)
    case 'upstream_connect_timeout':
    case 'upstream_timeout': return appTimeout(app, err.message)
    default: return appUnreachable(app, err.message)
  }
}

export default async function proxy (fastify: FastifyInstance): Promise<void> {
  const { forwarder, websocketRelay, settings, metrics, connections, lifecycle, tracing } = fastify
  const log = fastify.log.child({ component: 'proxy' })
  // While Paastis shuts down, answers close their connection, so that the drain can end.
  let closing = false
  fastify.addHook('preClose', async () => { closing = true })
  // RFC 9110 §9: the method set is extensible; WebDAV, CalDAV and CardDAV apps need theirs.
  for (const method of PROXIED_METHODS) {
    if (!fastify.supportedMethods.includes(method)) fastify.addHttpMethod(method, { hasBody: true })
  }
  // The body is the app's: streamed as it comes, never parsed here.
  fastify.removeAllContentTypeParsers()
  fastify.addContentTypeParser('*', (_request, _payload, done) => { done(null) })

  /** One exchange with the app (or a websocket relayed); `onError` ends it when it fails. */
  function send (request: FastifyRequest, reply: FastifyReply, onError: ExchangeFailed): void {
    const target = request.paastis as ProxyTarget
    if (reply.raw.destroyed) {
      // The client left while its app woke up: nothing to send.
      reply.hijack()
      return
    }
    const upgrade = connections.upgradeOf(request.raw)
    const outgoing = forwardTarget(request, target, upgrade?.body)
    const { origin, basePath, headers } = outgoing
    if (upgrade?.websocket === true) {
      for (const name of WEBSOCKET_HANDSHAKE) delete headers[name]
      websocketRelay.relay(request.raw, upgrade.socket, upgrade.head, {
        url: origin.replace(/^http/, 'ws') + basePath + request.raw.url,
        headers,
        handshakeTimeoutMs: settings.proxyConnectTimeoutMs + settings.proxyResponseTimeoutMs
      }, {
        onAccept: () => { reply.hijack() },
        onRefused: (statusCode, responseHeaders, body) => {
          reply.code(statusCode).headers(clientResponseHeaders(responseHeaders)).send(body)
        },
        onError: (err) => { reply.send(appUnreachable(target.app.name, `the websocket could not be opened (${err.message})`)) },
        onClose: () => { target.end() }
      })
      return
    }
    connections.sendContinue(request.raw, reply.raw)
    forwarder.forward(request.raw, reply.raw, outgoing, {
      onResponse: (statusCode, responseHeaders) => { answer(reply, target, statusCode, responseHeaders) },
      onError: (err, headersSent) => { onError(request, reply, target, err, headersSent) }
    })
  }

  /** Where and with which headers a request goes to its app. */
  function forwardTarget (request: FastifyRequest, target: ProxyTarget, body?: Readable): ForwardTarget {
    const { origin, basePath } = forwarder.parse(target.upstream)
    const headers = upstreamRequestHeaders(request.headers, clientView(request, settings.trustPeer))
    if (tracing !== undefined) tracing.inject(request, headers)
    return { origin, basePath, headers, body }
  }

  /** The app's head, as the client gets it. */
  function answer (reply: FastifyReply, target: ProxyTarget, statusCode: number, responseHeaders: Record<string, string | string[] | undefined>): void {
    reply.hijack()
    const out = clientResponseHeaders(responseHeaders)
    if (target.wakeMs !== undefined) out['x-paastis-wake'] = String(target.wakeMs)
    if (closing) out.connection = 'close'
    reply.raw.writeHead(statusCode, out)
  }

  /**
   * A held GET or HEAD sent as its waking app's readiness probe (lifecycle/held-probes.ts): an
   * answer that says ready is held for its client (`target.release`, once the app is running),
   * any other is dropped and the request waits on.
   */
  const probeWith: ProbeWith = (request, reply, target, timeoutMs) => new Promise((resolve) => {
    if (reply.raw.destroyed) {
      resolve('withdrawn')
      return
    }
    let accepted = false
    let late = false
    const timer = setTimeout(() => {
      late = true
      exchange.cancel(new ForwardError('upstream_timeout', `the app did not answer within ${timeoutMs} ms`))
    }, timeoutMs)
    const exchange = forwarder.forward(request.raw, reply.raw, forwardTarget(request, target), {
      accept: readyStatus,
      onAccepted: () => {
        clearTimeout(timer)
        accepted = true
        target.release = () => { exchange.release() }
        resolve('ready')
      },
      onResponse: (statusCode, responseHeaders) => { answer(reply, target, statusCode, responseHeaders) },
      // An answer that is not ready may be this path's own (a 500 of a broken page), not the
      // app's state: no probe any more; Paastis's own takes over, this one is sent once ready.
      onRefused: () => {
        clearTimeout(timer)
        resolve('withdrawn')
      },
      onError: (err, headersSent) => {
        clearTimeout(timer)
        // Once accepted, the answer is the client's, and so is its failure.
        if (accepted) lastFailure(request, reply, target, err, headersSent)
        // Only a refused connection (nothing sent) keeps it the probe. A client gone, a request
        // slower than a probe's deadline (a report that takes 5 s), a reset: no probe any more.
        else resolve(err.code === 'ECONNREFUSED' && !late ? 'refused' : 'withdrawn')
      }
    })
  })

  /** Every failed exchange is counted and logged: one line, no stack (a stranger who aborts, or an app that died, must not flood the log). */
  function told (request: FastifyRequest, target: ProxyTarget, err: ForwardError): void {
    metrics.requests.failed(err.failure)
    const fields = { app: target.app.name, failure: err.failure, method: request.method }
    if (err.failure === 'client_aborted') log.debug(fields, err.message)
    else log.info(fields, err.message)
  }

  /** The first exchange failed: an app refusing connections may have died, and is checked. */
  const firstFailure: ExchangeFailed = (request, reply, target, err, headersSent) => {
    told(request, target, err)
    if (err.failure === 'upstream_refused' && !headersSent && target.retried !== true && !hasBody(request.raw)) {
      target.end()
      retryWhenDown(request, reply, target.app.name, err).catch((error: Error) => { reply.send(error) })
      return
    }
    answerFailure(request, reply, target, err, headersSent)
  }

  /** The exchange after a wake that followed a crash: its failure is the answer. */
  const lastFailure: ExchangeFailed = (request, reply, target, err, headersSent) => {
    told(request, target, err)
    answerFailure(request, reply, target, err, headersSent)
  }

  /**
   * The app died behind Paastis's back: once it is found down, this request wakes it again (or
   * gets the waiting page) and is sent once more, instead of reading an error.
   */
  async function retryWhenDown (request: FastifyRequest, reply: FastifyReply, name: string, err: ForwardError): Promise<void> {
    const down = await lifecycle.suspect(name)
    if (!down || reply.raw.destroyed) {
      reply.send(appUnreachable(name, err.message))
      return
    }
    await awake(request, reply)
    if (reply.sent) return
    send(request, reply, lastFailure)
  }

  function answerFailure (request: FastifyRequest, reply: FastifyReply, target: ProxyTarget, err: ForwardError, headersSent: boolean): void {
    if (err.failure === 'upstream_refused' && target.fallback !== true) void lifecycle.suspect(target.app.name)
    const error = errorFor(target.app.name, err)
    if (headersSent || error === undefined || reply.raw.destroyed) {
      // A response cut off mid-way stays an aborted response, never a short 200.
      if (!reply.sent) reply.hijack()
      reply.raw.destroy()
      return
    }
    reply.send(error)
  }

  const awake = ensureAwake(fastify, probeWith)
  const route = {
    method: PROXIED_METHODS,
    config: { proxied: true },
    preHandler: awake,
    handler: (request: FastifyRequest, reply: FastifyReply) => { send(request, reply, firstFailure) }
  }
  fastify.route({ ...route, url: '/' })
  fastify.route({ ...route, url: '/*' })
}
