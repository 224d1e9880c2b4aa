import type { BaseLogger, LoggerOptions } from 'pino'

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

/** What domain services need of a logger; Fastify's and pino's loggers both fit. */
export type Logger = Pick<BaseLogger, 'error' | 'warn' | 'info' | 'debug'>

/**
 * pino options from the environment, read before the config is validated (the logger exists
 * first): LOG_LEVEL (or the original LOGGING_LEVEL), JSON unless LOG_FORMAT=pretty or a terminal.
 */
export function loggerOptions (env: NodeJS.ProcessEnv = process.env): LoggerOptions {
  const pretty = env.LOG_FORMAT === 'pretty' || (env.LOG_FORMAT !== 'json' && process.stdout.isTTY === true)
  const level = env.LOG_LEVEL ?? env.LOGGING_LEVEL ?? 'info'
  return {
    // A bad level is reported by the config's validation, by name, not by a pino stack.
    level: LOG_LEVELS.includes(level) ? level : 'info',
    redact: ['req.headers.authorization', 'req.headers.paastisproxysystemapitoken'],
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss' } } } : {})
  }
}
