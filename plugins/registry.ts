// The registry, in memory or shared in Redis, and (shared) its sync with the other replicas.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { AppOptions } from '../lib/app-options'
import { RedisStore } from '../lib/redis-store'
import { Registry } from '../lib/registry'
import { RegistrySync } from '../lib/registry-sync'
import { MemoryStore } from '../lib/store'

declare module 'fastify' {
  interface FastifyInstance {
    registry: Registry
    /** Undefined with the in-memory registry. */
    registrySync: RegistrySync | undefined
  }
}

/** Whether the registry is shared in Redis (`paastis check` never writes to a shared one). */
export const sharedRegistry = (fastify: FastifyInstance, opts: AppOptions): boolean =>
  fastify.config.REGISTRY_TYPE === 'redis' && opts.check !== true

export default fp(async function registry (fastify: FastifyInstance, opts: AppOptions) {
  const { config, settings } = fastify
  if (!sharedRegistry(fastify, opts)) {
    fastify.decorate('registry', new Registry(new MemoryStore()))
    fastify.decorate('registrySync', undefined)
    return
  }
  const store = new RedisStore(fastify.redis, config.REGISTRY_REDIS_PREFIX)
  const registry = new Registry(store)
  // A restart loses nothing: records, formations and activity are read back.
  await registry.load()
  fastify.decorate('registry', registry)
  // Apps a start or stop here holds (Registry.hold) are not overwritten by the sync.
  const sync = new RegistrySync(registry, store, fastify.log.child({ component: 'registry' }))
  fastify.decorate('registrySync', sync)
  fastify.addHook('onReady', async () => { await sync.start(fastify.redis, settings.redisSyncIntervalMs) })
  fastify.addHook('onClose', async () => { await sync.stop() })
}, { name: 'registry', dependencies: ['config', 'settings', 'redis'] })
