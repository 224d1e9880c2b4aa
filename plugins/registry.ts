import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Registry } from '../lib/registry'
import { MemoryStore } from '../lib/store'
import { ConfigError } from './config'

declare module 'fastify' {
  interface FastifyInstance {
    registry: Registry
  }
}

export default fp(async function registry (fastify: FastifyInstance) {
  if (fastify.config.REGISTRY_TYPE !== 'in-memory') {
    throw new ConfigError(`REGISTRY_TYPE: "${fastify.config.REGISTRY_TYPE}" is not available in this version; use in-memory`)
  }
  const registry = new Registry(new MemoryStore())
  await registry.load()
  fastify.decorate('registry', registry)
  fastify.addHook('onClose', async () => { await registry.store.close() })
}, { name: 'registry', dependencies: ['config'] })
