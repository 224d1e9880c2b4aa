// The server's connections, before any route sees a request: the client timeouts, a connection
// cap that answers 503 before the process runs out of file descriptors, `Expect: 100-continue`
// answered only when the body can really flow, and protocol upgrades routed like any request
// (a websocket through the proxy route; any other upgrade offer ignored, as a proxy should).
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { ServerResponse, type IncomingMessage, type Server } from 'node:http'
import type { Socket } from 'node:net'
import { PassThrough, type Duplex, type Readable } from 'node:stream'
import { isWebsocketUpgrade } from '../lib/proxy/forward-headers'

export interface Upgrade {
  socket: Duplex
  head: Buffer
  /** A real websocket handshake; any other upgrade offer is served as a plain request. */
  websocket: boolean
  /** The body of a plain request that came with an upgrade offer (it follows the head). */
  body?: Readable
}

declare module 'fastify' {
  interface FastifyInstance {
    connections: {
      /** Connections open right now. */
      readonly open: number
      readonly max: number
      /** Connections refused with 503 since start. */
      readonly refused: number
      /** The upgrade a request arrived with, if any. */
      upgradeOf(req: IncomingMessage): Upgrade | undefined
      /** Sends `100 Continue` to a client waiting for it: its body may flow now. */
      sendContinue(req: IncomingMessage, res: ServerResponse): void
    }
  }
}

/** The body of a plain request that arrived with an upgrade offer: Node leaves it on the socket. */
function bodyAfterHead (socket: Duplex, head: Buffer, length: number): Readable {
  const body = new PassThrough()
  let left = length
  const take = (chunk: Buffer): void => {
    const part = chunk.subarray(0, left)
    left -= part.length
    body.write(part)
    if (left === 0) {
      socket.off('data', take)
      body.end()
    }
  }
  if (head.length > 0) take(head)
  if (left > 0) socket.on('data', take)
  return body
}

export default fp(async function connections (fastify: FastifyInstance) {
  const { settings, errorBody } = fastify
  const server: Server = fastify.server
  const upgrades = new WeakMap<IncomingMessage, Upgrade>()
  const awaitingContinue = new WeakSet<IncomingMessage>()
  const refusalBody = JSON.stringify(errorBody('TOO_MANY_CONNECTIONS', 'Paastis has too many open connections; try again shortly'))
  const refusal = 'HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-type: application/json; charset=utf-8\r\n' +
    `retry-after: 1\r\ncontent-length: ${Buffer.byteLength(refusalBody)}\r\n\r\n${refusalBody}`
  server.headersTimeout = settings.clientHeadersTimeoutMs
  server.requestTimeout = settings.clientRequestTimeoutMs
  // How often Node checks the two timeouts above (its default, 30 s, would blur them).
  // Node reads it when the server starts listening; its type leaves it out.
  Object.assign(server, { connectionsCheckingInterval: Math.min(1000, settings.clientHeadersTimeoutMs) })

  const max = settings.maxConnections
  let open = 0
  let refused = 0
  server.on('connection', (socket: Socket) => {
    open++
    socket.once('close', () => { open-- })
    if (open > max) {
      refused++
      socket.end(refusal)
      setTimeout(() => socket.destroy(), 1000).unref()
    }
  })
  fastify.decorate('connections', {
    get open () { return open },
    get refused () { return refused },
    max,
    upgradeOf: (req) => upgrades.get(req),
    sendContinue (req, res) {
      if (awaitingContinue.delete(req)) res.writeContinue()
    }
  })

  // Without this listener Node answers 100 Continue at once, before the app is even awake.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    awaitingContinue.add(req)
    server.emit('request', req, res)
  })

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const upgrade: Upgrade = { socket, head, websocket: isWebsocketUpgrade(req.method, req.headers) }
    const res = new ServerResponse(req)
    res.shouldKeepAlive = false
    res.assignSocket(socket as Socket)
    res.once('finish', () => { (socket as Socket).destroySoon() })
    if (!upgrade.websocket) {
      const length = Number(req.headers['content-length'] ?? 0)
      if (req.headers['transfer-encoding'] !== undefined) {
        const body = errorBody('BAD_REQUEST', 'A request offering a protocol upgrade cannot carry a chunked body')
        res.writeHead(body.statusCode, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body))
        return
      }
      if (length > 0) upgrade.body = bodyAfterHead(socket, head, length)
    }
    upgrades.set(req, upgrade)
    server.emit('request', req, res)
  })
}, { name: 'connections', dependencies: ['config', 'settings', 'error-handler'] })
