// Swagger UI at /docs and the OpenAPI document at /docs/json, when the admin API is enabled.
// They describe the API and hold no data, so a browser can open them without the token.
import fastifySwaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'

export default async function docs (fastify: FastifyInstance): Promise<void> {
  if (!fastify.adminApiEnabled) return
  fastify.addHook('onRoute', (route) => {
    route.config = { ...route.config, public: true }
  })
  await fastify.register(fastifySwaggerUi, { routePrefix: '/docs' })
}
