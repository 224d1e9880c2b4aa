// Health endpoints for containers and PaaS health checks: no token needed.
import type { FastifyInstance } from 'fastify'

const healthSchema = {
  type: 'object',
  properties: { status: { type: 'string' }, checks: { type: 'object', additionalProperties: { type: 'string' } } }
} as const

export default async function health (fastify: FastifyInstance): Promise<void> {
  fastify.get('/healthz', {
    config: { public: true },
    schema: { summary: 'The process is alive', tags: ['health'], security: [], response: { 200: healthSchema } }
  }, async () => ({ status: 'ok' }))

  fastify.get('/readyz', {
    config: { public: true },
    schema: {
      summary: 'Configuration loaded and the provider answered at the last check',
      tags: ['health'],
      security: [],
      response: { 200: healthSchema, 503: healthSchema }
    }
  }, async (_request, reply) => {
    const providerOk = fastify.reconciler.lastDiscoveryOk !== false
    const checks = {
      config: 'ok',
      provider: providerOk ? 'ok' : `${fastify.provider.name} did not answer at the last check`
    }
    return reply.code(providerOk ? 200 : 503).send({ status: providerOk ? 'ready' : 'not ready', checks })
  })
}
