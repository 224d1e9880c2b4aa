// Host → app: a pure lookup over the registry and the rules.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { HostRouter } from '../lib/host-router'
import { ProviderSet } from '../lib/provider-set'

declare module 'fastify' {
  interface FastifyInstance {
    hostRouter: HostRouter
  }
}

export default fp(async function hostRouter (fastify: FastifyInstance) {
  const domains = fastify.settings.file.providers.flatMap((entry) => ProviderSet.ownDomain(entry) ? [{ domain: entry.domain, provider: entry.name }] : [])
  fastify.decorate('hostRouter', new HostRouter(fastify.registry, fastify.rules, domains))
}, { name: 'host-router', dependencies: ['registry', 'rules', 'settings'] })
