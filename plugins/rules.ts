// The rules of paastis.yml, applied to an app by its name (one policy per app, cached).
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Rules } from '../lib/config/rules'

declare module 'fastify' {
  interface FastifyInstance {
    rules: Rules
  }
}

export default fp(async function rules (fastify: FastifyInstance) {
  fastify.decorate('rules', new Rules(fastify.settings.file.rules))
}, { name: 'rules', dependencies: ['settings'] })
