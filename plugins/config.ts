// The environment, validated by @fastify/env (`.env` read), its errors in plain words. What the
// services use, in their units, is the settings plugin's.
import fastifyEnv from '@fastify/env'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { ConfigError } from '../lib/config/config-error'
import { envSchema, type Env } from '../lib/config/config-schema'
import type { ErrorObject } from 'ajv'
import { DURATION_PATTERN } from '../lib/common/duration'
import { issueInWords } from '../lib/common/schema-words'
import type { AppOptions } from '../lib/config/app-options'

declare module 'fastify' {
  interface FastifyInstance {
    config: Env
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
    // A pattern is no sentence: a duration is described, any other by the variable's description.
    const expected = error.params.pattern === DURATION_PATTERN
      ? 'a duration: minutes (15), or 30s, 15m, 2h, 1d, 0 or never'
      : (envSchema.properties as Record<string, { description?: string }>)[name]?.description
    return issueInWords(subject, error, expected)
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
}, { name: 'config' })
