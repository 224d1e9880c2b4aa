// What happened to which app: in memory, and shared in Redis with a shared registry.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { AppOptions } from '../lib/app-options'
import { EventLog } from '../lib/events'
import { RedisEvents } from '../lib/redis-events'
import { redisKeys } from '../lib/redis-store'
import { sharedRegistry } from './registry'

declare module 'fastify' {
  interface FastifyInstance {
    events: EventLog
  }
}

export default fp(async function events (fastify: FastifyInstance, opts: AppOptions) {
  const log = new EventLog(1000, () => fastify.clock.now())
  if (sharedRegistry(fastify, opts)) log.shared = new RedisEvents(fastify.redis, redisKeys(fastify.config.REGISTRY_REDIS_PREFIX).events)
  fastify.decorate('events', log)
}, { name: 'events', dependencies: ['clock', 'config', 'redis'] })
