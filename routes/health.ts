// GET /.well-known/paastis/health on every Host: the health check of a PaaS (Heroku, Scalingo,
// Clever Cloud) or of Docker, which cannot send `Host: <ADMIN_HOST>`. A reserved path (RFC 8615),
// so that no app's own path is shadowed; it says only that the process answers (liveness): a
// slow provider must not make a platform restart Paastis in a loop (/readyz, on the admin host, tells more).
import type { FastifyInstance } from 'fastify'

export const HEALTH_PATH = '/.well-known/paastis/health'

export default async function health (fastify: FastifyInstance): Promise<void> {
  fastify.get(HEALTH_PATH, {
    schema: { hide: true }
  }, async (_request, reply) => {
    reply.header('cache-control', 'no-store')
    return { status: 'ok' }
  })
}
