// Host → app: a pure lookup over the registry and the rules.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { domainsOf, HostRouter } from '../lib/core/host-router'

declare module 'fastify' {
  interface FastifyInstance {
    hostRouter: HostRouter
  }
}

export default fp(async function hostRouter (fastify: FastifyInstance) {
  fastify.decorate('hostRouter', new HostRouter(fastify.registry, fastify.rules, domainsOf(fastify.settings.file.providers)))
}, { name: 'host-router', dependencies: ['registry', 'rules', 'settings'] })
