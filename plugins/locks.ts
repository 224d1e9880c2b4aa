// Cross-replica locks around starts and stops: in Redis with a shared registry, none alone.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { AppOptions } from '../lib/config/app-options'
import { RedisLocks, type Locks } from '../lib/core/locks'
import { redisKeys } from '../lib/stores/redis-store'
import { sharedRegistry } from './registry'

declare module 'fastify' {
  interface FastifyInstance {
    /** Undefined with the in-memory registry (one process). */
    locks: Locks | undefined
  }
}

export default fp(async function locks (fastify: FastifyInstance, opts: AppOptions) {
  const shared = sharedRegistry(fastify, opts)
  const reachable = (): boolean => !fastify.registry.storeAway && fastify.registrySync?.degraded !== true
  fastify.decorate('locks', shared ? new RedisLocks(fastify.redis, redisKeys(fastify.config.REGISTRY_REDIS_PREFIX).lock, undefined, reachable) : undefined)
}, { name: 'locks', dependencies: ['config', 'redis', 'registry'] })
