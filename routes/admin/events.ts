import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts'
import { errorResponses, eventSchema } from './schemas'

const events: FastifyPluginAsyncJsonSchemaToTs = async (fastify) => {
  fastify.get('/events', {
    schema: {
      summary: 'What happened to which app and why, newest first; the next page is in the Link header',
      tags: ['events'],
      querystring: {
        type: 'object',
        properties: {
          app: { type: 'string' },
          type: eventSchema.properties.type,
          limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          before: { type: 'string', pattern: '^[0-9]{1,20}(-[0-9]{1,20})?$', description: 'the id of the last event of the previous page, as an earlier answer gave it' }
        },
        additionalProperties: false
      },
      response: {
        200: {
          type: 'array',
          items: eventSchema,
          headers: { link: { type: 'string', description: '<…?before=ID>; rel="next" while older events match' } }
        },
        401: errorResponses[401]
      }
    }
  }, async (request, reply) => {
    const page = await fastify.events.page(request.query)
    if (page.next !== undefined) {
      const query = new URLSearchParams()
      for (const [key, value] of Object.entries(request.query)) if (value !== undefined && key !== 'before') query.set(key, String(value))
      query.set('before', page.next)
      void reply.header('link', `</events?${query.toString()}>; rel="next"`)
    }
    return page.events
  })
}

export default events
