import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { HostRouter } from '../lib/host-router'
import { Rules } from '../lib/rules'

declare module 'fastify' {
  interface FastifyInstance {
    rules: Rules
    hostRouter: HostRouter
  }
}

export default fp(async function rules (fastify: FastifyInstance) {
  const rules = new Rules(fastify.settings.file.rules)
  fastify.decorate('rules', rules)
  fastify.decorate('hostRouter', new HostRouter(fastify.registry, rules))
}, { name: 'rules', dependencies: ['config', 'registry'] })
