// Who may reach the admin API: requests on the admin host (ADMIN_HOST, with or without port) or,
// as in the original Paastis, carrying `PaastisProxyTarget: system`; never a proxied vhost. A
// router constraint sends every other request to the catch-all proxy, so `/apps` of a proxied
// app is the app's own `/apps`.
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import proxyAddr from '@fastify/proxy-addr'
import { AuthFailures } from '../lib/access/auth-failures'
import { commaList } from '../lib/config/config-schema'
import { PaastisError } from '../lib/common/errors'
import { clientAddress } from '../lib/proxy/trust-proxy'
import { ConfigError } from '../lib/config/config-error'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Throws 401 unless the request carries the admin token (or, from the dashboard, a session
     * cookie, with its CSRF token on calls that change something); 404 when the admin API is off.
     * `presented`: a token given another way (the dashboard's sign-in form).
     */
    verifyAdminToken: (request: FastifyRequest, presented?: string) => void
    adminApiEnabled: boolean
  }
}

export const ADMIN_CONSTRAINT = 'paastisAdmin'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** Failed authentications allowed per client address in each window. */
const MAX_FAILURES = 10
const FAILURE_WINDOW_MS = 60_000

type Strategy = Parameters<FastifyInstance['addConstraintStrategy']>[0]
type Handler = Parameters<ReturnType<Strategy['storage']>['set']>[1]

function digest (value: string): Buffer {
  return createHash('sha256').update(value).digest()
}

function presentedToken (request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization
  if (authorization?.startsWith('Bearer ') === true) return authorization.slice(7).trim()
  const seed = request.headers.paastisproxysystemapitoken
  return typeof seed === 'string' ? seed : undefined
}

export default fp(async function adminAuth (fastify: FastifyInstance) {
  const adminHost = new RegExp(`^${fastify.config.ADMIN_HOST.replace(/\./g, '\\.')}(:\\d+)?$`, 'i')
  fastify.addConstraintStrategy({
    name: ADMIN_CONSTRAINT,
    storage () {
      const handlers = new Map<unknown, Handler>()
      return {
        get: (value: unknown) => handlers.get(value) ?? null,
        set: (value: unknown, handler: Handler) => { handlers.set(value, handler) }
      }
    },
    deriveConstraint (req: { headers: Record<string, string | string[] | undefined> }) {
      const host = req.headers.host
      if (typeof host === 'string' && adminHost.test(host)) return 'yes'
      return req.headers.paastisproxytarget === 'system' ? 'yes' : undefined
    },
    mustMatchWhenDerived: false
  })

  const { settings, clock } = fastify
  const token = settings.adminToken
  const expected = token === undefined ? undefined : digest(token)
  const allow = commaList(fastify.config.ADMIN_ALLOW)
  let allowed: (address: string, hop: number) => boolean = () => true
  try {
    if (allow.length > 0) allowed = proxyAddr.compile(allow)
  } catch (err) {
    throw new ConfigError(`ADMIN_ALLOW: ${(err as Error).message} (expected addresses and CIDRs, comma-separated)`)
  }
  const failures = new AuthFailures(MAX_FAILURES, FAILURE_WINDOW_MS, () => clock.now())
  const log = fastify.log.child({ component: 'admin-auth' })
  fastify.decorate('adminApiEnabled', expected !== undefined)
  const { adminSession } = fastify
  fastify.decorate('verifyAdminToken', (request: FastifyRequest, given?: string) => {
    if (expected === undefined) {
      throw new PaastisError('ADMIN_API_DISABLED', 'The admin API is disabled: set ROUTING_SYSTEM_API_TOKEN to enable it')
    }
    const address = clientAddress(request.raw, settings.trustPeer)
    if (!allowed(address, 0)) {
      throw new PaastisError('ADMIN_FORBIDDEN', 'The admin API is not open to this address (ADMIN_ALLOW)')
    }
    const blockedMs = failures.blockedFor(address)
    if (blockedMs > 0) {
      const seconds = Math.ceil(blockedMs / 1000)
      throw new PaastisError('TOO_MANY_AUTH_FAILURES', `Too many failed authentications from this address: try again in ${seconds} s`, seconds)
    }
    const presented = given ?? presentedToken(request)
    if (presented === undefined) {
      const session = adminSession.of(request)
      if (session !== undefined) {
        // A cookie goes with every request to this host, whoever made the page: changes need
        // the CSRF token, which only the dashboard's own script can read.
        if (!SAFE_METHODS.has(request.method) && !adminSession.csrfOk(request, session)) {
          throw new PaastisError('CSRF_FAILED', `A change from the dashboard needs its ${adminSession.csrfHeader} header: reload the page`)
        }
        return
      }
    }
    // Digests have equal lengths, so the comparison takes the same time whatever was sent.
    if (presented === undefined || !timingSafeEqual(digest(presented), expected)) {
      const count = failures.fail(address)
      // Never the token; past the limit one line per window, not one per attempt.
      if (count <= MAX_FAILURES) log.warn({ address, url: request.url.split('?')[0], failures: count }, 'admin authentication failed')
      throw new PaastisError('UNAUTHORIZED', 'A valid admin token is required: Authorization: Bearer <ROUTING_SYSTEM_API_TOKEN>')
    }
  })
}, { name: 'admin-auth', dependencies: ['config', 'settings', 'clock', 'admin-session'] })
