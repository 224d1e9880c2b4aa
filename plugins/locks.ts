// Cross-replica locks around starts and stops: in Redis with a shared registry, none alone.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { RedisLocks, type Locks } from '../lib/core/locks'
import { redisKeys } from '../lib/stores/redis-store'

declare module 'fastify' {
  interface FastifyInstance {
    /** Undefined with the in-memory registry (one process). */
    locks: Locks | undefined
  }
}

export default fp(async function locks (fastify: FastifyInstance) {
  // A shared registry (Redis) needs locks across replicas; `paastis check` has none.
  const shared = fastify.registrySync !== undefined
  const reachable = (): boolean => !fastify.registry.storeAway && fastify.registrySync?.degraded !== true
  fastify.decorate('locks', shared ? new RedisLocks(fastify.redis, redisKeys(fastify.config.REGISTRY_REDIS_PREFIX).lock, undefined, reachable) : undefined)
}, { name: 'locks', dependencies: ['config', 'redis', 'registry'] })
