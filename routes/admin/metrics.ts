import type { FastifyInstance } from 'fastify'

export default async function metrics (fastify: FastifyInstance): Promise<void> {
  fastify.get('/metrics', {
    // Token-protected unless METRICS_PUBLIC=true (for scrapers that cannot send one).
    config: { public: fastify.config.METRICS_PUBLIC },
    schema: {
      summary: 'Prometheus metrics',
      tags: ['metrics'],
      produces: ['text/plain'],
      response: { 200: { type: 'string', description: 'Prometheus text format' } }
    }
  }, async (_request, reply) => {
    const { registry } = fastify.metrics
    return reply.type(registry.contentType).send(await registry.metrics())
  })
}
