// Every route in this folder is an admin route: reachable only through the admin constraint, and
// only with the token unless the route says `config: { public: true }` (health checks).
import type { FastifyInstance } from 'fastify'
import { ADMIN_CONSTRAINT } from '../../plugins/admin-auth'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Admin routes that need no token. */
    public?: boolean
  }
}

export default async function adminHooks (fastify: FastifyInstance): Promise<void> {
  fastify.addHook('onRoute', (route) => {
    route.constraints = { ...route.constraints, [ADMIN_CONSTRAINT]: 'yes' }
  })
  fastify.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.public === true) return
    fastify.verifyAdminToken(request)
  })
  // Admin answers are live and private: no cache (a browser's, a proxy's) keeps one.
  fastify.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store')
    return payload
  })
}
