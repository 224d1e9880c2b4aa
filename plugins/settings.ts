// The configuration in the units the services use, converted once: every duration in
// milliseconds (a bad one names its variable), lists as sets, TRUST_PROXY as a check, and
// paastis.yml read and checked.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { ConfigError } from '../lib/config/config-error'
import { commaList, envSchema, SECRET_ENV, type Env } from '../lib/config/config-schema'
import { defaultMaxConnections } from '../lib/proxy/connection-limit'
import { parseDuration, parseFiniteDuration } from '../lib/common/duration'
import { loadPaastisFile, type PaastisFile } from '../lib/config/paastis-file'
import { parseTrustProxy, type TrustPeer } from '../lib/proxy/trust-proxy'
import type { AppOptions } from '../lib/config/app-options'
import type { ManagementPolicy } from '../lib/core/app-policy'

export interface Settings {
  /** Which apps are managed and their default idle time (the environment's part of each app's policy). */
  policy: ManagementPolicy
  /** DRY_RUN: every decision is made and recorded, no app is ever stopped for idleness or a schedule. */
  dryRun: boolean
  wakeTimeoutMs: number
  wakeBackoffMs: number
  wakeBackoffMaxMs: number
  hooksTimeoutMs: number
  commandStopGraceMs: number
  /** STOP_DRAIN_TIMEOUT: a stop waits this long for the exchanges open on the app, then cuts them. */
  stopDrainTimeoutMs: number
  clientHeadersTimeoutMs: number
  clientBodyTimeoutMs: number
  clientRequestTimeoutMs: number
  proxyConnectTimeoutMs: number
  proxyResponseTimeoutMs: number
  proxyBodyTimeoutMs: number
  proxyKeepAliveTimeoutMs: number
  websocketPingIntervalMs: number
  providerRequestTimeoutMs: number
  providerPollIntervalMs: number
  redisSyncIntervalMs: number
  /** Where events are kept: EVENTS_STORE_TYPE, or redis with a Redis registry. */
  eventsStore: 'memory' | 'redis' | 'postgres'
  eventsRetentionMs: number
  /** STORE_TIMEOUT: the deadline of every Redis command and event store call. */
  storeTimeoutMs: number
  waitingPageAfterMs: number
  /** SHUTDOWN_GRACE_PERIOD: how long a shutdown drains before it cuts what is still open. */
  shutdownGraceMs: number
  maxConnections: number
  /** Whether a peer (by socket address) is a proxy whose forwarding headers are kept. */
  trustPeer: TrustPeer
  /** APPS_URL: where people open the apps ({app} is each one's name), for the dashboard's links. */
  appsUrl: string | undefined
  /** COST_CURRENCY: the ISO 4217 code of every cost_per_hour and money figure. */
  currency: string
  /** The admin API exists only with a token. */
  adminToken: string | undefined
  file: PaastisFile
}

declare module 'fastify' {
  interface FastifyInstance {
    settings: Settings
  }
}

type DurationName = 'WAKE_TIMEOUT' | 'WAKE_FAILURE_BACKOFF' | 'WAKE_FAILURE_BACKOFF_MAX' | 'HOOKS_TIMEOUT' | 'COMMAND_STOP_GRACE_PERIOD' |
  'CLIENT_HEADERS_TIMEOUT' | 'CLIENT_BODY_TIMEOUT' | 'CLIENT_REQUEST_TIMEOUT' | 'PROXY_CONNECT_TIMEOUT' | 'PROXY_RESPONSE_TIMEOUT' |
  'PROXY_BODY_TIMEOUT' | 'PROXY_KEEP_ALIVE_TIMEOUT' | 'WEBSOCKET_PING_INTERVAL' | 'PROVIDER_REQUEST_TIMEOUT' | 'PROVIDER_POLL_INTERVAL' |
  'REGISTRY_REDIS_SYNC_INTERVAL' | 'EVENTS_RETENTION' | 'WAITING_PAGE_AFTER' | 'SHUTDOWN_GRACE_PERIOD' | 'STORE_TIMEOUT' | 'STOP_DRAIN_TIMEOUT'

function duration (env: Env, name: DurationName): number {
  try {
    return parseFiniteDuration(env[name], 's')
  } catch (err) {
    throw new ConfigError(`${name}: ${(err as Error).message}`)
  }
}

/** An ISO 4217 code the runtime knows (the schema checked its shape: three capitals). */
function currency (code: string): string {
  if (Intl.supportedValuesOf('currency').includes(code)) return code
  throw new ConfigError(`COST_CURRENCY: ${code} is not an ISO 4217 currency code (EUR, USD, GBP, CHF…)`)
}

function trustProxy (value: string): TrustPeer {
  try {
    return parseTrustProxy(value)
  } catch (err) {
    throw new ConfigError(`TRUST_PROXY: ${(err as Error).message} (expected true, false, a hop count, or addresses and CIDRs)`)
  }
}

export default fp(async function settings (fastify: FastifyInstance, opts: AppOptions) {
  const env = fastify.config
  // The default file may be missing (no rules); a file asked for by name must be there.
  const defaultFile = envSchema.properties.PAASTIS_CONFIG_FILE.default
  // `${VAR}` in `providers:` reads the environment Paastis was given (process.env holds .env).
  const file = await loadPaastisFile(env.PAASTIS_CONFIG_FILE, env.PAASTIS_CONFIG_FILE !== defaultFile, opts.env ?? process.env)

  // CHILD_ENV passes variables to apps and hooks: never one of Paastis's secrets.
  const secrets = new Set<string>([...SECRET_ENV, ...file.providers.flatMap((entry) => entry.references)])
  const leaked = commaList(env.CHILD_ENV).filter((name) => secrets.has(name))
  if (leaked.length > 0) throw new ConfigError(`CHILD_ENV: ${leaked.join(', ')} ${leaked.length === 1 ? 'is a secret' : 'are secrets'} of Paastis: no app or hook ever gets ${leaked.length === 1 ? 'it' : 'them'}; give the app its own variable in its paastis.yml entry (env:)`)

  fastify.decorate('settings', {
    policy: {
      defaultMaxIdleTimeMs: parseDuration(env.START_AND_STOP_MAX_IDLE_TIME),
      ignoredApps: new Set(commaList(env.REGISTRY_IGNORED_APPS)),
      optIn: env.MANAGE_APPS === 'opt-in',
      managedApps: new Set(commaList(env.REGISTRY_MANAGED_APPS))
    },
    dryRun: env.DRY_RUN,
    wakeTimeoutMs: duration(env, 'WAKE_TIMEOUT'),
    wakeBackoffMs: duration(env, 'WAKE_FAILURE_BACKOFF'),
    wakeBackoffMaxMs: duration(env, 'WAKE_FAILURE_BACKOFF_MAX'),
    hooksTimeoutMs: duration(env, 'HOOKS_TIMEOUT'),
    commandStopGraceMs: duration(env, 'COMMAND_STOP_GRACE_PERIOD'),
    stopDrainTimeoutMs: duration(env, 'STOP_DRAIN_TIMEOUT'),
    clientHeadersTimeoutMs: duration(env, 'CLIENT_HEADERS_TIMEOUT'),
    clientBodyTimeoutMs: duration(env, 'CLIENT_BODY_TIMEOUT'),
    clientRequestTimeoutMs: duration(env, 'CLIENT_REQUEST_TIMEOUT'),
    proxyConnectTimeoutMs: duration(env, 'PROXY_CONNECT_TIMEOUT'),
    proxyResponseTimeoutMs: duration(env, 'PROXY_RESPONSE_TIMEOUT'),
    proxyBodyTimeoutMs: duration(env, 'PROXY_BODY_TIMEOUT'),
    proxyKeepAliveTimeoutMs: duration(env, 'PROXY_KEEP_ALIVE_TIMEOUT'),
    websocketPingIntervalMs: duration(env, 'WEBSOCKET_PING_INTERVAL'),
    providerRequestTimeoutMs: duration(env, 'PROVIDER_REQUEST_TIMEOUT'),
    providerPollIntervalMs: duration(env, 'PROVIDER_POLL_INTERVAL'),
    redisSyncIntervalMs: duration(env, 'REGISTRY_REDIS_SYNC_INTERVAL'),
    eventsStore: env.EVENTS_STORE_TYPE ?? (env.REGISTRY_TYPE === 'redis' ? 'redis' : 'memory'),
    eventsRetentionMs: duration(env, 'EVENTS_RETENTION'),
    storeTimeoutMs: duration(env, 'STORE_TIMEOUT'),
    waitingPageAfterMs: duration(env, 'WAITING_PAGE_AFTER'),
    shutdownGraceMs: duration(env, 'SHUTDOWN_GRACE_PERIOD'),
    maxConnections: env.MAX_CONNECTIONS ?? defaultMaxConnections(),
    trustPeer: trustProxy(env.TRUST_PROXY),
    appsUrl: env.APPS_URL,
    currency: currency(env.COST_CURRENCY),
    adminToken: env.ROUTING_SYSTEM_API_ENABLED ? env.ROUTING_SYSTEM_API_TOKEN : undefined,
    file
  })
}, { name: 'settings', dependencies: ['config'] })
