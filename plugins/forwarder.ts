// The proxy's way to the apps: one pooled HTTP forwarder and one websocket relay.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Forwarder } from '../lib/proxy/forwarder'
import { warmUp } from '../lib/proxy/warm-up'
import { WebsocketRelay } from '../lib/proxy/websocket-relay'

declare module 'fastify' {
  interface FastifyInstance {
    forwarder: Forwarder
    websocketRelay: WebsocketRelay
  }
}

/** Larger websocket messages close the connection (ws's own default is 100 MiB). */
const WEBSOCKET_MAX_MESSAGE = 16 * 1024 * 1024

export default fp(async function forwarder (fastify: FastifyInstance) {
  const { config, settings } = fastify
  const forwarder = new Forwarder({
    connections: config.PROXY_CONNECTIONS,
    pipelining: config.PROXY_PIPELINING,
    keepAliveTimeoutMs: settings.proxyKeepAliveTimeoutMs,
    connectTimeoutMs: settings.proxyConnectTimeoutMs,
    responseTimeoutMs: settings.proxyResponseTimeoutMs,
    bodyTimeoutMs: settings.proxyBodyTimeoutMs,
    clientBodyTimeoutMs: settings.clientBodyTimeoutMs,
    bufferBodyBytes: config.PROXY_REQUEST_BUFFER_SIZE
  })
  const relay = new WebsocketRelay(settings.websocketPingIntervalMs, WEBSOCKET_MAX_MESSAGE)
  fastify.decorate('forwarder', forwarder)
  fastify.decorate('websocketRelay', relay)
  // Before the first visitor, not on its request (lib/proxy/warm-up.ts).
  fastify.addHook('onReady', async () => { await warmUp(forwarder) })
  fastify.addHook('onClose', async () => {
    relay.close()
    await forwarder.close()
  })
}, { name: 'forwarder', dependencies: ['config', 'settings'] })
