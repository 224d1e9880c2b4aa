// What the application is built with, besides the environment: the options app.ts hands to
// every plugin (fastify-cli passes none; server.ts and the tests do).
import type { Clock } from '../common/clock'

export interface AppOptions {
  /** The environment to read instead of process.env and .env (tests). */
  env?: Record<string, string | undefined>
  clock?: Clock
  /** Variables set by command-line flags, and the flag of each: errors name the flag. */
  flags?: Record<string, string>
  /** `paastis check`: configuration and one listing only; nothing is started or stopped. */
  check?: boolean
  /**
   * Paastis is the process (server.ts, `fastify start -o`): a configuration error is one line and
   * exit 1, and a shutdown that hangs past its grace period ends the process.
   */
  standalone?: boolean
}
