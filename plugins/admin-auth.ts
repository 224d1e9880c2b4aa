// Who may reach the admin API: requests on the admin host (ADMIN_HOST, with or without port) or,
// as in the original Paastis, carrying `PaastisProxyTarget: system`; never a proxied vhost. A
// router constraint sends every other request to the catch-all proxy, so `/apps` of a proxied
// app is the app's own `/apps`.
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { PaastisError } from '../lib/errors'

declare module 'fastify' {
  interface FastifyInstance {
    /** Throws 401 unless the request carries the admin token; 404 when the admin API is off. */
    verifyAdminToken: (request: FastifyRequest) => void
    adminApiEnabled: boolean
  }
}

export const ADMIN_CONSTRAINT = 'paastisAdmin'

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

  const token = fastify.settings.adminToken
  const expected = token === undefined ? undefined : digest(token)
  fastify.decorate('adminApiEnabled', expected !== undefined)
  fastify.decorate('verifyAdminToken', (request: FastifyRequest) => {
    if (expected === undefined) {
      throw new PaastisError(404, 'ADMIN_API_DISABLED', 'The admin API is disabled: set ROUTING_SYSTEM_API_TOKEN to enable it')
    }
    const presented = presentedToken(request)
    // Digests have equal lengths, so the comparison takes the same time whatever was sent.
    if (presented === undefined || !timingSafeEqual(digest(presented), expected)) {
      throw new PaastisError(401, 'UNAUTHORIZED', 'A valid admin token is required: Authorization: Bearer <ROUTING_SYSTEM_API_TOKEN>',
        { 'www-authenticate': 'Bearer realm="paastis"' })
    }
  })
}, { name: 'admin-auth', dependencies: ['config'] })
