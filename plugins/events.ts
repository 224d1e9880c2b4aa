// What happened to which app: in this replica's memory, and in the durable store that
// EVENTS_STORE_TYPE names (a Redis stream or a PostgreSQL table), shared by every replica.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import postgres from 'postgres'
import type { AppOptions } from '../lib/config/app-options'
import { ConfigError } from '../lib/config/config-error'
import path from 'node:path'
import { withDeadline } from '../lib/common/deadline'
import { EventBuffer } from '../lib/stores/event-buffer'
import { stateDir } from '../lib/processes/state-dir'
import { EventLog, type EventStore } from '../lib/core/events'
import { PostgresEvents } from '../lib/stores/postgres-events'
import { RedisEvents } from '../lib/stores/redis-events'
import { redisKeys } from '../lib/stores/redis-store'

declare module 'fastify' {
  interface FastifyInstance {
    events: EventLog
  }
}

/** With memory alone, the log is the history: keep more of it. */
const MEMORY_CAPACITY = 10_000
const LOCAL_CAPACITY = 1000

export default fp(async function events (fastify: FastifyInstance, opts: AppOptions) {
  const { config, settings } = fastify
  const log = fastify.log.child({ component: 'events' })
  let remote: { store: EventStore, name: string } | undefined
  if (opts.check !== true && settings.eventsStore === 'redis') {
    remote = { store: new RedisEvents(fastify.redis, redisKeys(config.REGISTRY_REDIS_PREFIX).events), name: 'Redis' }
  } else if (opts.check !== true && settings.eventsStore === 'postgres') {
    if (config.DATABASE_URL === undefined) throw new ConfigError('DATABASE_URL is required with EVENTS_STORE_TYPE=postgres')
    // Short timeouts: a server away must cost a buffered event, not a stuck flush.
    // statement_timeout: a slow server cancels the query itself; a silent one is the buffer's deadline.
    const sql = postgres(config.DATABASE_URL, {
      max: 4,
      connect_timeout: Math.max(1, Math.ceil(settings.storeTimeoutMs / 1000)),
      idle_timeout: 30,
      keep_alive: 30,
      // postgres.js reads the array types on each new connection in a promise nobody awaits: a
      // connection cut then is an unhandled rejection. Paastis casts its one array itself (::text[]).
      fetch_types: false,
      onnotice: () => {},
      connection: { application_name: 'paastis', statement_timeout: settings.storeTimeoutMs }
    })
    const pg = new PostgresEvents(sql)
    try {
      const steps = await withDeadline(pg.ready(), settings.storeTimeoutMs, 'PostgreSQL')
      if (steps > 0) log.info(`PostgreSQL: ${steps} schema migration(s) applied`)
    } catch (err) {
      // Never the URL (it holds the password): the message alone.
      log.warn(`PostgreSQL does not answer (${(err as Error).message}): events are buffered in memory until it does`)
    }
    remote = { store: pg, name: 'PostgreSQL' }
  }
  const store = remote === undefined
    ? undefined
    : new EventBuffer(remote.store, {
      name: remote.name,
      timeoutMs: settings.storeTimeoutMs,
      spillFile: path.join(stateDir(config.PAASTIS_STATE_DIR, config.PAASTIS_CONFIG_FILE), 'events-pending.jsonl'),
      onError: (message) => { log.warn(`events are buffered in memory: ${remote.name}: ${message}`) }
    })
  if (opts.check !== true && remote === undefined && config.EVENTS_STORE_TYPE === undefined) {
    // Said unless memory was chosen (the demo chooses it): a deploy should not silently zero the savings.
    log.warn('events are kept in memory only (EVENTS_STORE_TYPE is not set): the history, the hours and the money saved start again from zero at each restart or deploy; set EVENTS_STORE_TYPE=postgres (with DATABASE_URL) or redis (with REGISTRY_REDIS_URL) to keep them, or EVENTS_STORE_TYPE=memory to silence this')
  }
  const eventLog = new EventLog(store === undefined ? MEMORY_CAPACITY : LOCAL_CAPACITY, () => fastify.clock.now(), store)
  fastify.decorate('events', eventLog)
  fastify.addHook('onClose', async () => { await store?.close?.() })
}, { name: 'events', dependencies: ['clock', 'config', 'settings', 'redis'] })
