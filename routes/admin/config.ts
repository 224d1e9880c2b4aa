// POST /config/reload: paastis.yml read again, checked whole, applied or refused with the reason.
import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts'
import { PaastisError } from '../../lib/common/errors'
import { errorResponses, errorSchema } from './schemas'

const reloadSchema = {
  type: 'object',
  required: ['applied', 'hash', 'message'],
  properties: {
    applied: { type: 'boolean' },
    hash: { type: 'string', description: 'The configuration running now (first 12 hex digits of the file\'s SHA-256)' },
    message: { type: 'string' },
    change: {
      type: 'object',
      properties: {
        rules: { type: 'integer' },
        apps: { type: 'array', items: { type: 'string' }, description: 'Apps whose settings changed' },
        providersAdded: { type: 'array', items: { type: 'string' } },
        providersRemoved: { type: 'array', items: { type: 'string' } }
      },
      additionalProperties: false
    }
  },
  additionalProperties: false
} as const

const configRoutes: FastifyPluginAsyncJsonSchemaToTs = async (fastify) => {
  fastify.post('/config/reload', {
    schema: {
      summary: 'Reads paastis.yml again: applied at once when valid; an invalid file keeps the running configuration',
      tags: ['config'],
      response: { 200: reloadSchema, 401: errorResponses[401], 422: { ...errorSchema, description: 'The file is invalid: the reason, with its file:line' } }
    }
  }, async () => {
    const outcome = await fastify.configReload.reload('admin')
    if (!outcome.applied && fastify.configReload.error !== undefined) throw new PaastisError('CONFIG_INVALID', outcome.message)
    return outcome
  })
}

export default configRoutes
