import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts'
import { errorResponses, eventSchema } from './schemas'

const events: FastifyPluginAsyncJsonSchemaToTs = async (fastify) => {
  fastify.get('/events', {
    schema: {
      summary: 'What happened to which app and why, newest first',
      tags: ['events'],
      querystring: {
        type: 'object',
        properties: {
          app: { type: 'string' },
          type: eventSchema.properties.type,
          limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 }
        },
        additionalProperties: false
      },
      response: { 200: { type: 'array', items: eventSchema }, 401: errorResponses[401] }
    }
  }, async (request) => fastify.events.query(request.query))
}

export default events
