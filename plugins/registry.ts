// The registry, in memory or shared in Redis, and the locks that go with it.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { AppOptions } from '../lib/app-options'
import { parseFiniteDuration } from '../lib/duration'
import { RedisLocks, type Locks } from '../lib/locks'
import { RedisEvents } from '../lib/redis-events'
import { RedisStore } from '../lib/redis-store'
import { Registry } from '../lib/registry'
import { RegistrySync } from '../lib/registry-sync'
import { MemoryStore } from '../lib/store'

declare module 'fastify' {
  interface FastifyInstance {
    registry: Registry
    /** Cross-replica locks; undefined with the in-memory registry (one process). */
    locks: Locks | undefined
    /** Undefined with the in-memory registry. */
    registrySync: RegistrySync | undefined
  }
}

export default fp(async function registry (fastify: FastifyInstance, opts: AppOptions) {
  const { config } = fastify
  // `paastis check` never writes to a shared registry.
  if (config.REGISTRY_TYPE === 'in-memory' || opts.check === true) {
    const registry = new Registry(new MemoryStore())
    fastify.decorate('registry', registry)
    fastify.decorate('locks', undefined)
    fastify.decorate('registrySync', undefined)
    return
  }
  const store = new RedisStore(fastify.redis, config.REGISTRY_REDIS_PREFIX)
  const registry = new Registry(store)
  // A restart loses nothing: records, formations and activity are read back.
  await registry.load()
  fastify.decorate('registry', registry)
  fastify.decorate('locks', new RedisLocks(fastify.redis, store.keys.lock))
  fastify.events.shared = new RedisEvents(fastify.redis, store.keys.events)
  // Changes made here by a start or stop in progress are not overwritten by the sync.
  const sync = new RegistrySync(registry, store, fastify.log.child({ component: 'registry' }), (name) => fastify.lifecycle?.isBusy(name) ?? false)
  fastify.decorate('registrySync', sync)
  fastify.addHook('onReady', async () => {
    await sync.start(fastify.redis, parseFiniteDuration(config.REGISTRY_REDIS_SYNC_INTERVAL, 's'))
  })
  fastify.addHook('onClose', async () => { await sync.stop() })
}, { name: 'registry', dependencies: ['config', 'redis', 'events'] })
