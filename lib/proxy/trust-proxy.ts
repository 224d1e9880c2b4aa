// TRUST_PROXY, with Fastify's semantics: `true` trusts every peer, a number trusts that many hops
// in front of Paastis, a list trusts those addresses and CIDRs (`loopback`, `linklocal` and
// `uniquelocal` name the usual ranges). A trusted peer's X-Forwarded-* are kept and appended to.
import proxyAddr from '@fastify/proxy-addr'
import type { IncomingMessage } from 'node:http'

/** Whether the address `hop` steps in front of Paastis (0: the socket's peer) may speak for the client. */
export type TrustPeer = (address: string, hop: number) => boolean

export function parseTrustProxy (value: string): TrustPeer {
  const text = value.trim()
  if (text === '' || text === 'false') return () => false
  if (text === 'true') return () => true
  if (/^\d+$/.test(text)) {
    const hops = Number(text)
    return (_address, hop) => hop < hops
  }
  return proxyAddr.compile(text.split(',').map((part) => part.trim()).filter((part) => part !== ''))
}

/** The client's address: the socket's peer, or what trusted proxies say in X-Forwarded-For. */
export function clientAddress (req: IncomingMessage, trust: TrustPeer): string {
  return proxyAddr(req, trust)
}
