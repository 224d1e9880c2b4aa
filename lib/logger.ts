import type { BaseLogger } from 'pino'

/** What domain services need of a logger; Fastify's and pino's loggers both fit. */
export type Logger = Pick<BaseLogger, 'error' | 'warn' | 'info' | 'debug'>
