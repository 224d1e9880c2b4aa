// The provider named by PROVIDER_NAME (providers/create.ts), instrumented: calls and errors
// counted for /metrics; what it spawned stops with Paastis.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { AppOptions } from '../lib/app-options'
import { CommandProvider } from '../providers/command'
import { createProvider } from '../providers/create'
import { InstrumentedProvider } from '../providers/instrumented'

declare module 'fastify' {
  interface FastifyInstance {
    provider: InstrumentedProvider
  }
}

export default fp(async function provider (fastify: FastifyInstance, opts: AppOptions) {
  const { config, settings } = fastify
  const inner = createProvider(config, {
    requestTimeoutMs: settings.providerRequestTimeoutMs,
    pollIntervalMs: settings.providerPollIntervalMs,
    commandStopGraceMs: settings.commandStopGraceMs,
    hooksTimeoutMs: settings.hooksTimeoutMs,
    apps: settings.file.apps,
    configFile: settings.file.path
  }, fastify.log.child({ provider: config.PROVIDER_NAME }))
  // `paastis check` may run beside a live Paastis: it never touches its processes.
  if (inner instanceof CommandProvider && opts.check !== true) await inner.recover()
  const provider = new InstrumentedProvider(inner)
  fastify.decorate('provider', provider)
  // Processes Paastis spawned stop with it.
  fastify.addHook('onClose', async () => { await provider.close() })
}, { name: 'provider', dependencies: ['config', 'settings'] })
