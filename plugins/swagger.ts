// The OpenAPI document of the admin API. The catch-all proxy routes are not part of it.
import fastifySwagger from '@fastify/swagger'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

export default fp(async function swagger (fastify: FastifyInstance) {
  await fastify.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Paastis admin API',
        description: 'See and steer the apps Paastis manages. Served only on ADMIN_HOST (or with `PaastisProxyTarget: system`).',
        version: '1'
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'ROUTING_SYSTEM_API_TOKEN' },
          seedHeader: { type: 'apiKey', in: 'header', name: 'PaastisProxySystemApiToken' }
        }
      },
      security: [{ bearer: [] }, { seedHeader: [] }]
    },
    transform: ({ schema, url, route }) => ({
      url,
      schema: route.config?.proxied === true ? { ...schema, hide: true } : schema
    })
  })
}, { name: 'swagger' })
