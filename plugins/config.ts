// Configuration: the environment (validated by @fastify/env, `.env` read) and paastis.yml.
import fastifyEnv from '@fastify/env'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { commaList, envSchema, type Env } from '../lib/config-schema'
import type { ErrorObject } from 'ajv'
import { DURATION_PATTERN, parseDuration, parseFiniteDuration } from '../lib/duration'
import { loadPaastisFile, type PaastisFile } from '../lib/paastis-file'
import type { AppOptions } from '../lib/app-options'
import { parseTrustProxy, type TrustPeer } from '../lib/trust-proxy'
import { defaultMaxConnections } from '../lib/connection-limit'

/** The configuration in the units the services use. */
export interface Settings {
  defaultMaxIdleTimeMs: number | null
  ignoredApps: Set<string>
  wakeTimeoutMs: number
  wakeBackoffMs: number
  wakeBackoffMaxMs: number
  hooksTimeoutMs: number
  commandStopGraceMs: number
  clientHeadersTimeoutMs: number
  clientBodyTimeoutMs: number
  clientRequestTimeoutMs: number
  proxyConnectTimeoutMs: number
  proxyResponseTimeoutMs: number
  proxyBodyTimeoutMs: number
  websocketPingIntervalMs: number
  maxConnections: number
  /** Whether a peer (by socket address) is a proxy whose forwarding headers are kept. */
  trustPeer: TrustPeer
  /** The admin API exists only with a token. */
  adminToken: string | undefined
  file: PaastisFile
}

declare module 'fastify' {
  interface FastifyInstance {
    config: Env
    settings: Settings
  }
}

export class ConfigError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'ConfigError'
  }
}

type DurationName = 'WAKE_TIMEOUT' | 'WAKE_FAILURE_BACKOFF' | 'WAKE_FAILURE_BACKOFF_MAX' | 'HOOKS_TIMEOUT' | 'COMMAND_STOP_GRACE_PERIOD' | 'CLIENT_HEADERS_TIMEOUT' | 'CLIENT_BODY_TIMEOUT' |
  'CLIENT_REQUEST_TIMEOUT' | 'PROXY_CONNECT_TIMEOUT' | 'PROXY_RESPONSE_TIMEOUT' | 'PROXY_BODY_TIMEOUT' | 'WEBSOCKET_PING_INTERVAL'

function duration (env: Env, name: DurationName): number {
  try {
    return parseFiniteDuration(env[name], 's')
  } catch (err) {
    throw new ConfigError(`${name}: ${(err as Error).message}`)
  }
}

function trustProxy (value: string): TrustPeer {
  try {
    return parseTrustProxy(value)
  } catch (err) {
    throw new ConfigError(`TRUST_PROXY: ${(err as Error).message} (expected true, false, a hop count, or addresses and CIDRs)`)
  }
}

/**
 * env-schema says "env/PORT must be integer": name the variable plainly (or the command-line flag
 * that set it), list the allowed values, and describe durations in words, not as a regex.
 */
function describeEnvErrors (err: Error & { errors?: ErrorObject[] }, flags: Record<string, string> = {}): string {
  if (err.errors === undefined) return err.message.replace(/env\//g, '')
  return err.errors.map((error) => {
    const name = error.instancePath.replace(/^\//, '')
    const flag = flags[name]
    const subject = flag === undefined ? name : `${flag} (${name})`
    if (error.keyword === 'enum') return `${subject} must be one of: ${(error.params.allowedValues as string[]).join(', ')}`
    if (error.keyword === 'pattern' && error.params.pattern === DURATION_PATTERN) {
      return `${subject} must be a duration: minutes (15), or 30s, 15m, 2h, 1d, 0 or never`
    }
    return `${subject} ${error.message ?? 'is invalid'}`
  }).join('; ')
}

export default fp(async function config (fastify: FastifyInstance, opts: AppOptions) {
  try {
    await fastify.register(fastifyEnv, {
      schema: envSchema,
      data: opts.env ?? process.env,
      dotenv: opts.env === undefined
    })
  } catch (err) {
    throw new ConfigError(`invalid configuration: ${describeEnvErrors(err as Error & { errors?: ErrorObject[] }, opts.flags)}`)
  }
  const env = fastify.config
  // The default file may be missing (no rules); a file asked for by name must be there.
  const defaultFile = envSchema.properties.PAASTIS_CONFIG_FILE.default
  const file = await loadPaastisFile(env.PAASTIS_CONFIG_FILE, env.PAASTIS_CONFIG_FILE !== defaultFile)
  for (const warning of file.warnings) fastify.log.warn(warning)

  fastify.decorate('settings', {
    defaultMaxIdleTimeMs: parseDuration(env.START_AND_STOP_MAX_IDLE_TIME),
    ignoredApps: new Set(commaList(env.REGISTRY_IGNORED_APPS)),
    wakeTimeoutMs: duration(env, 'WAKE_TIMEOUT'),
    wakeBackoffMs: duration(env, 'WAKE_FAILURE_BACKOFF'),
    wakeBackoffMaxMs: duration(env, 'WAKE_FAILURE_BACKOFF_MAX'),
    hooksTimeoutMs: duration(env, 'HOOKS_TIMEOUT'),
    commandStopGraceMs: duration(env, 'COMMAND_STOP_GRACE_PERIOD'),
    clientHeadersTimeoutMs: duration(env, 'CLIENT_HEADERS_TIMEOUT'),
    clientBodyTimeoutMs: duration(env, 'CLIENT_BODY_TIMEOUT'),
    clientRequestTimeoutMs: duration(env, 'CLIENT_REQUEST_TIMEOUT'),
    proxyConnectTimeoutMs: duration(env, 'PROXY_CONNECT_TIMEOUT'),
    proxyResponseTimeoutMs: duration(env, 'PROXY_RESPONSE_TIMEOUT'),
    proxyBodyTimeoutMs: duration(env, 'PROXY_BODY_TIMEOUT'),
    websocketPingIntervalMs: duration(env, 'WEBSOCKET_PING_INTERVAL'),
    maxConnections: env.MAX_CONNECTIONS ?? defaultMaxConnections(),
    trustPeer: trustProxy(env.TRUST_PROXY),
    adminToken: env.ROUTING_SYSTEM_API_ENABLED ? env.ROUTING_SYSTEM_API_TOKEN : undefined,
    file
  })
}, { name: 'config' })
