// Host → app: a pure lookup over the registry and the rules.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { HostRouter } from '../lib/host-router'

declare module 'fastify' {
  interface FastifyInstance {
    hostRouter: HostRouter
  }
}

export default fp(async function hostRouter (fastify: FastifyInstance) {
  const domains = fastify.settings.file.providers.flatMap((entry) => entry.domain === undefined || entry.appPrefix !== undefined ? [] : [{ domain: entry.domain, provider: entry.name }])
  fastify.decorate('hostRouter', new HostRouter(fastify.registry, fastify.rules, domains))
}, { name: 'host-router', dependencies: ['registry', 'rules', 'settings'] })
