import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { CommandProvider } from '../providers/command'
import { InstrumentedProvider } from '../providers/instrumented'
import type { Provider } from '../providers/provider'
import { ConfigError } from './config'

declare module 'fastify' {
  interface FastifyInstance {
    provider: InstrumentedProvider
  }
}

function createProvider (fastify: FastifyInstance): Provider {
  const { config, settings } = fastify
  const log = fastify.log.child({ provider: config.PROVIDER_NAME })
  switch (config.PROVIDER_NAME) {
    case 'command':
      return new CommandProvider(settings.file.apps, {
        log,
        stopGraceMs: settings.commandStopGraceMs,
        commandTimeoutMs: settings.hooksTimeoutMs
      })
    default:
      throw new ConfigError(`PROVIDER_NAME: "${config.PROVIDER_NAME}" is not available in this version; use command`)
  }
}

export default fp(async function provider (fastify: FastifyInstance) {
  const provider = new InstrumentedProvider(createProvider(fastify))
  fastify.decorate('provider', provider)
  // Processes Paastis spawned stop with it.
  fastify.addHook('onClose', async () => { await provider.close() })
}, { name: 'provider', dependencies: ['config'] })
