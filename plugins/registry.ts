// The registry, in memory or shared in Redis, and (shared) its sync with the other replicas.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { AppOptions } from '../lib/config/app-options'
import type { AppRecord } from '../lib/core/app-record'
import { RedisStore } from '../lib/stores/redis-store'
import { configure } from '../lib/core/app-policy'
import { Registry } from '../lib/core/registry'
import { RegistrySync } from '../lib/stores/registry-sync'
import { MemoryStore } from '../lib/core/store'

declare module 'fastify' {
  interface FastifyInstance {
    registry: Registry
    /** Undefined with the in-memory registry. */
    registrySync: RegistrySync | undefined
  }
}

/** Whether the registry is shared in Redis (`paastis check` never writes to a shared one). */
const sharedRegistry = (fastify: FastifyInstance, opts: AppOptions): boolean =>
  fastify.config.REGISTRY_TYPE === 'redis' && opts.check !== true

export default fp(async function registry (fastify: FastifyInstance, opts: AppOptions) {
  const { config, settings, rules } = fastify
  // Records carry state; what the rules say of an app is derived again whenever one is read.
  const configured = (record: AppRecord): boolean => configure(record, rules, settings.policy)
  if (!sharedRegistry(fastify, opts)) {
    fastify.decorate('registry', new Registry(new MemoryStore(), configured))
    fastify.decorate('registrySync', undefined)
    return
  }
  const store = new RedisStore(fastify.redis, config.REGISTRY_REDIS_PREFIX)
  const registry = new Registry(store, configured)
  // A restart loses nothing: records, formations and activity are read back.
  await registry.load()
  fastify.decorate('registry', registry)
  // Apps a start or stop here holds (Registry.hold) are not overwritten by the sync.
  // The configuration hash is read at each sync: a reload is published within a second.
  const sync = new RegistrySync(registry, store, fastify.log.child({ component: 'registry' }), () => settings.file.hash)
  fastify.decorate('registrySync', sync)
  fastify.addHook('onReady', async () => { await sync.start(fastify.redis, settings.redisSyncIntervalMs) })
  fastify.addHook('onClose', async () => { await sync.stop() })
}, { name: 'registry', dependencies: ['config', 'settings', 'redis', 'rules'] })
