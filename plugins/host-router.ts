// Host → app: a pure lookup over the registry and the rules.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { HostRouter } from '../lib/host-router'
import type { PaastisFile } from '../lib/paastis-file'
import { ProviderSet } from '../lib/provider-set'

declare module 'fastify' {
  interface FastifyInstance {
    hostRouter: HostRouter
  }
}

/** Providers served at their own domain only: `<app>.<domain>` is theirs. */
export const domainsOf = (file: PaastisFile): Array<{ domain: string, provider: string }> =>
  file.providers.flatMap((entry) => ProviderSet.ownDomain(entry) ? [{ domain: entry.domain, provider: entry.name }] : [])

export default fp(async function hostRouter (fastify: FastifyInstance) {
  fastify.decorate('hostRouter', new HostRouter(fastify.registry, fastify.rules, domainsOf(fastify.settings.file)))
}, { name: 'host-router', dependencies: ['registry', 'rules', 'settings'] })
