// TRUST_PROXY, with Fastify's semantics: `true` trusts every peer, a number trusts that many hops
// in front of Paastis, a list trusts those addresses and CIDRs (`loopback`, `linklocal` and
// `uniquelocal` name the usual ranges). A trusted peer's X-Forwarded-* are kept and appended to.
import proxyAddr from '@fastify/proxy-addr'

/** Whether the peer at `address` (the socket's) may speak for the client. */
export type TrustPeer = (address: string) => boolean

export function parseTrustProxy (value: string): TrustPeer {
  const text = value.trim()
  if (text === '' || text === 'false') return () => false
  if (text === 'true') return () => true
  if (/^\d+$/.test(text)) {
    const hops = Number(text)
    return () => hops > 0
  }
  const trust = proxyAddr.compile(text.split(',').map((part) => part.trim()).filter((part) => part !== ''))
  return (address) => trust(address, 0)
}
