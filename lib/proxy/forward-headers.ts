// The headers of a proxied exchange, both ways. Hop-by-hop headers (RFC 9110 §7.6.1) belong to
// each connection, so the proxy consumes them; `X-Forwarded-*`, `Forwarded` and `X-Real-IP` are
// kept from the client only when it is a trusted proxy (TRUST_PROXY).
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http'

/** Always hop-by-hop, besides the names a `Connection` header lists. */
const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade',
  'proxy-authorization', 'proxy-authenticate', 'expect', 'http2-settings'
])

/** Paastis's own headers never reach an app; an app's `Authorization` is its own business. */
const PAASTIS_HEADERS = new Set(['paastisproxytarget', 'paastisproxysystemapitoken', 'host'])

/** Answered by the proxy for the client; the app sees the ones Paastis sets. */
const FORWARDING = new Set(['x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'forwarded', 'x-real-ip'])

export interface ClientView {
  /** The peer's address (the socket's). */
  address: string
  /** Whether the peer is a trusted proxy whose forwarding headers are kept and appended to. */
  trusted: boolean
  host: string | undefined
  /** How the peer reached Paastis. */
  protocol: 'http' | 'https'
}

/** Names listed in `Connection` (lowercased), or undefined when there is none. */
function connectionListed (value: string | string[] | undefined): Set<string> | undefined {
  // Nearly every exchange: a name that is hop-by-hop already lists nothing more.
  if (value === undefined || value === 'keep-alive' || value === 'close') return undefined
  const names = new Set<string>()
  for (const part of (Array.isArray(value) ? value.join(',') : value).split(',')) {
    const name = part.trim().toLowerCase()
    if (name !== '') names.add(name)
  }
  return names
}

function first (value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

/** `for=` wants IPv6 addresses quoted and bracketed (RFC 7239 §6). */
function forwardedNode (address: string): string {
  return address.includes(':') ? `"[${address}]"` : address
}

/** The request headers the app receives. */
export function upstreamRequestHeaders (incoming: IncomingHttpHeaders, client: ClientView): Record<string, string | string[]> {
  const listed = connectionListed(incoming.connection)
  const out: Record<string, string | string[]> = {}
  for (const name in incoming) {
    if (HOP_BY_HOP.has(name) || PAASTIS_HEADERS.has(name) || FORWARDING.has(name)) continue
    if (listed?.has(name) === true) continue
    const value = incoming[name]
    if (value !== undefined) out[name] = value
  }
  // Keep-alive with the app is the pool's business; a client's TE: trailers is not forwarded.
  const host = client.host ?? ''
  if (client.trusted) {
    const previousFor = incoming['x-forwarded-for']
    out['x-forwarded-for'] = previousFor === undefined ? client.address : `${String(previousFor)}, ${client.address}`
    out['x-forwarded-host'] = first(incoming['x-forwarded-host']) ?? host
    out['x-forwarded-proto'] = first(incoming['x-forwarded-proto']) ?? client.protocol
    out['x-real-ip'] = first(incoming['x-real-ip']) ?? client.address
    const element = `for=${forwardedNode(client.address)};host=${JSON.stringify(host)};proto=${client.protocol}`
    const previous = incoming.forwarded
    out.forwarded = previous === undefined ? element : `${String(previous)}, ${element}`
  } else {
    out['x-forwarded-for'] = client.address
    out['x-forwarded-host'] = host
    out['x-forwarded-proto'] = client.protocol
    out['x-real-ip'] = client.address
    out.forwarded = `for=${forwardedNode(client.address)};host=${JSON.stringify(host)};proto=${client.protocol}`
  }
  return out
}

/** The response headers the client receives: the app's, less its hop-by-hop ones. */
export function clientResponseHeaders (incoming: Record<string, string | string[] | undefined>): OutgoingHttpHeaders {
  const listed = connectionListed(incoming.connection)
  const out: OutgoingHttpHeaders = {}
  for (const name in incoming) {
    if (HOP_BY_HOP.has(name)) continue
    if (listed?.has(name) === true) continue
    const value = incoming[name]
    if (value !== undefined) out[name] = value
  }
  return out
}

/** A websocket handshake: the only upgrade Paastis performs. */
export function isWebsocketUpgrade (method: string | undefined, headers: IncomingHttpHeaders): boolean {
  return method === 'GET' &&
    headers.upgrade?.toLowerCase() === 'websocket' &&
    connectionListed(headers.connection)?.has('upgrade') === true &&
    typeof headers['sec-websocket-key'] === 'string' &&
    headers['sec-websocket-version'] === '13'
}
