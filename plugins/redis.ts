// Redis through @fastify/redis (ioredis), when REGISTRY_TYPE=redis or EVENTS_STORE_TYPE=redis. Commands fail fast while
// Redis is away (no offline queue) and after STORE_TIMEOUT while it is silent: the request path
// never waits for it, and the services go on from memory until ioredis has reconnected.
import fastifyRedis from '@fastify/redis'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Redis } from 'ioredis'
import { ConfigError } from '../lib/config/config-error'

export default fp(async function redis (fastify: FastifyInstance) {
  const { config, settings } = fastify
  const wanted = config.REGISTRY_TYPE === 'redis' ? 'REGISTRY_TYPE=redis' : settings.eventsStore === 'redis' ? 'EVENTS_STORE_TYPE=redis' : undefined
  if (wanted === undefined) return
  // REGISTRY_REDIS_URL is the original README's name, REDIS_URL the original code's.
  const url = config.REGISTRY_REDIS_URL ?? config.REDIS_URL
  if (url === undefined) throw new ConfigError(`REGISTRY_REDIS_URL (or REDIS_URL) is required with ${wanted}`)
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    // A Redis connected but silent (a paused VM, a partition): every command fails after this.
    commandTimeout: settings.storeTimeoutMs,
    keepAlive: 10_000,
    retryStrategy: (attempt: number) => Math.min(attempt * 200, 2000)
  })
  // The client is closed here, not by @fastify/redis: its quit() fails while Redis is away (no
  // offline queue) and leaves ioredis reconnecting, a close that errs and a process that never exits.
  await fastify.register(fastifyRedis, { client, closeClient: false })
  fastify.addHook('onClose', async () => {
    // QUIT only to a Redis that is there (bounded by STORE_TIMEOUT when it is silent); then no reconnection, whatever happened.
    if (client.status === 'ready') await client.quit().catch(() => {})
    client.disconnect()
  })
  let down = false
  fastify.redis.on('error', (err: Error) => {
    if (!down) fastify.log.warn(`Redis: ${err.message}`)
    down = true
  })
  fastify.redis.on('ready', () => { down = false })
}, { name: 'redis', dependencies: ['config', 'settings'] })
