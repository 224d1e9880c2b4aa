// Relays a websocket between a client and its app, message by message (ws on both sides), so that
// Paastis can ping each side: a peer silent for a whole ping interval is gone (a closed laptop
// lid sends no FIN) and the relay ends, which ends the exchange and lets the app sleep.
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import type { Duplex, Readable } from 'node:stream'
import WebSocket, { WebSocketServer, type RawData } from 'ws'

export interface RelayTarget {
  /** ws:// or wss:// URL of the app, path and query included. */
  url: string
  headers: Record<string, string | string[]>
  handshakeTimeoutMs: number
}

export interface RelayCallbacks {
  /** The app accepted: the client's handshake is about to be answered (the reply is Paastis's no more). */
  onAccept: () => void
  /** The app answered the handshake with a plain HTTP response: relay it to the client. */
  onRefused: (statusCode: number, headers: IncomingHttpHeaders, body: Readable) => void
  /** The app could not be reached. */
  onError: (err: Error) => void
  /** Both sides are closed. */
  onClose: () => void
}

const chosen = new WeakMap<IncomingMessage, string>()
/** Close codes that may not be sent in a close frame. */
const RESERVED = new Set([1004, 1005, 1006, 1015])

function closeWith (socket: WebSocket, code: number, reason: Buffer): void {
  if (socket.readyState === WebSocket.CLOSED || socket.readyState === WebSocket.CLOSING) return
  if (RESERVED.has(code) || code < 1000 || code > 4999) socket.close()
  else socket.close(code, reason)
}

/** Pings `socket` every `intervalMs`; terminates it when the previous ping got no pong. */
function keepAlive (socket: WebSocket, intervalMs: number): NodeJS.Timeout {
  let alive = true
  socket.on('pong', () => { alive = true })
  socket.on('message', () => { alive = true })
  const timer = setInterval(() => {
    if (!alive) {
      socket.terminate()
      return
    }
    alive = false
    socket.ping()
  }, intervalMs)
  timer.unref()
  return timer
}

export class WebsocketRelay {
  private readonly server: WebSocketServer

  constructor (private readonly pingIntervalMs: number, maxPayload: number) {
    this.server = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      maxPayload,
      // The client gets the subprotocol the app chose.
      handleProtocols: (_protocols, request) => chosen.get(request) ?? false
    })
  }

  relay (req: IncomingMessage, socket: Duplex, head: Buffer, target: RelayTarget, callbacks: RelayCallbacks): void {
    const protocols = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '')
    const upstream = new WebSocket(target.url, protocols, {
      headers: target.headers,
      perMessageDeflate: false,
      handshakeTimeout: target.handshakeTimeoutMs,
      followRedirects: false
    })
    let accepted = false
    const abandon = (): void => { if (!accepted) upstream.terminate() }
    socket.once('close', abandon)

    upstream.once('unexpected-response', (_request, response) => {
      socket.off('close', abandon)
      callbacks.onRefused(response.statusCode ?? 502, response.headers, response)
    })
    upstream.on('error', (err) => {
      if (!accepted) {
        socket.off('close', abandon)
        callbacks.onError(err)
      }
    })
    upstream.once('open', () => {
      socket.off('close', abandon)
      if (socket.destroyed) {
        upstream.terminate()
        return
      }
      accepted = true
      if (upstream.protocol !== '') chosen.set(req, upstream.protocol)
      callbacks.onAccept()
      this.server.handleUpgrade(req, socket, head, (client) => { this.pipe(client, upstream, callbacks.onClose) })
    })
  }

  private pipe (client: WebSocket, upstream: WebSocket, onClose: () => void): void {
    const timers = [keepAlive(client, this.pingIntervalMs), keepAlive(upstream, this.pingIntervalMs)]
    let open = 2
    const closed = (): void => {
      if (--open > 0) return
      for (const timer of timers) clearInterval(timer)
      onClose()
    }
    client.on('message', (data: RawData, isBinary) => { if (upstream.readyState === WebSocket.OPEN) upstream.send(data, { binary: isBinary }) })
    upstream.on('message', (data: RawData, isBinary) => { if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary }) })
    client.on('close', (code, reason) => {
      closeWith(upstream, code, reason)
      closed()
    })
    upstream.on('close', (code, reason) => {
      closeWith(client, code, reason)
      closed()
    })
    // A side that errors is closed by ws; the close handlers above do the rest.
    client.on('error', () => { upstream.terminate() })
    upstream.on('error', () => { client.terminate() })
  }

  close (): void {
    this.server.close()
  }
}
