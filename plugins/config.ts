// Configuration: the environment (validated by @fastify/env, `.env` read) and paastis.yml.
import fastifyEnv from '@fastify/env'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { commaList, envSchema, type Env } from '../lib/config-schema'
import { parseDuration, parseFiniteDuration } from '../lib/duration'
import { loadPaastisFile, type PaastisFile } from '../lib/paastis-file'
import type { AppOptions } from '../app'

/** The configuration in the units the services use. */
export interface Settings {
  defaultMaxIdleTimeMs: number | null
  ignoredApps: Set<string>
  wakeTimeoutMs: number
  hooksTimeoutMs: number
  commandStopGraceMs: number
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

function duration (env: Env, name: 'WAKE_TIMEOUT' | 'HOOKS_TIMEOUT' | 'COMMAND_STOP_GRACE_PERIOD'): number {
  try {
    return parseFiniteDuration(env[name], 's')
  } catch (err) {
    throw new ConfigError(`${name}: ${(err as Error).message}`)
  }
}

export default fp(async function config (fastify: FastifyInstance, opts: AppOptions) {
  try {
    await fastify.register(fastifyEnv, {
      schema: envSchema,
      data: opts.env ?? process.env,
      dotenv: opts.env === undefined
    })
  } catch (err) {
    // env-schema says "env/PORT must be integer": name the variable plainly.
    throw new ConfigError(`invalid environment: ${(err as Error).message.replace(/env\//g, '')}`)
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
    hooksTimeoutMs: duration(env, 'HOOKS_TIMEOUT'),
    commandStopGraceMs: duration(env, 'COMMAND_STOP_GRACE_PERIOD'),
    adminToken: env.ROUTING_SYSTEM_API_ENABLED ? env.ROUTING_SYSTEM_API_TOKEN : undefined,
    file
  })
}, { name: 'config' })
