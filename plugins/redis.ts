// Redis through @fastify/redis (ioredis), when REGISTRY_TYPE=redis or EVENTS_STORE_TYPE=redis. Commands fail fast while
// Redis is away (no offline queue) and after STORE_TIMEOUT while it is silent: the request path
// never waits for it, and the services go on from memory until ioredis has reconnected.
import fastifyRedis from '@fastify/redis'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { ConfigError } from '../lib/config/config-error'

export default fp(async function redis (fastify: FastifyInstance) {
  const { config, settings } = fastify
  const wanted = config.REGISTRY_TYPE === 'redis' ? 'REGISTRY_TYPE=redis' : settings.eventsStore === 'redis' ? 'EVENTS_STORE_TYPE=redis' : undefined
  if (wanted === undefined) return
  // REGISTRY_REDIS_URL is the original README's name, REDIS_URL the original code's.
  const url = config.REGISTRY_REDIS_URL ?? config.REDIS_URL
  if (url === undefined) throw new ConfigError(`REGISTRY_REDIS_URL (or REDIS_URL) is required with ${wanted}`)
  await fastify.register(fastifyRedis, {
    url,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    // A Redis connected but silent (a paused VM, a partition): every command fails after this.
    commandTimeout: settings.storeTimeoutMs,
    keepAlive: 10_000,
    retryStrategy: (attempt: number) => Math.min(attempt * 200, 2000)
  })
  let down = false
  fastify.redis.on('error', (err: Error) => {
    if (!down) fastify.log.warn(`Redis: ${err.message}`)
    down = true
  })
  fastify.redis.on('ready', () => { down = false })
}, { name: 'redis', dependencies: ['config', 'settings'] })
