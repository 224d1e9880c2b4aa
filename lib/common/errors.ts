// The errors Paastis answers with on purpose: a code from the one catalogue (error-codes.ts), a
// message for the caller, and how long to wait before trying again. No HTTP here: the one error
// handler (plugins/error-handler.ts) maps codes to statuses.
import type { ErrorCode } from './error-codes'

export class PaastisError extends Error {
  constructor (readonly code: ErrorCode, message: string, readonly retryAfterSeconds?: number) {
    super(message)
    this.name = 'PaastisError'
  }
}

export type WakeFailure = 'unknown' | 'timeout' | 'failed' | 'backoff'

const WAKE_CODES: Record<WakeFailure, ErrorCode> = { unknown: 'UNKNOWN_APP', timeout: 'WAKE_TIMEOUT', failed: 'WAKE_FAILED', backoff: 'WAKE_BACKOFF' }

/** A wake that did not succeed, for requests and admin calls alike. */
export class WakeError extends PaastisError {
  constructor (readonly app: string, readonly reason: WakeFailure, message: string, readonly retryAfterMs?: number) {
    super(WAKE_CODES[reason], message, Math.max(1, Math.ceil((retryAfterMs ?? (reason === 'timeout' ? 30_000 : 10_000)) / 1000)))
    this.name = 'WakeError'
  }
}

export const badHost = (): PaastisError =>
  new PaastisError('BAD_HOST', 'The Host header is missing or malformed: it must be a hostname such as my-app.proxy.example.com')

export const unknownApp = (key: string): PaastisError =>
  new PaastisError('UNKNOWN_APP', `No app is served at this host (app key "${key.slice(0, 100)}")`)

/** An admin call naming an app the registry does not hold. */
export const noAppNamed = (name: string): PaastisError => new PaastisError('UNKNOWN_APP', `No app named "${name.slice(0, 100)}"`)

/** An admin call asking to start, stop or pin an app Paastis leaves alone. */
export const appNotManaged = (name: string): PaastisError =>
  new PaastisError('APP_NOT_MANAGED', `${name} is ignored by Paastis: it is neither started nor stopped`)

export const adminIsElsewhere = (host: string, adminHost: string): PaastisError =>
  new PaastisError('UNKNOWN_APP', `No app is served at ${host.slice(0, 100)}. The admin API is served on ADMIN_HOST: ` +
    `use http://${adminHost}${/:\d+$/.exec(host)?.[0] ?? ''}/apps (or send Host: ${adminHost})`)

export const discoveryPending = (): PaastisError =>
  new PaastisError('DISCOVERY_PENDING', 'Paastis has just started and its provider has not listed the apps yet', 5)

export const appIgnored = (name: string): PaastisError =>
  new PaastisError('APP_IGNORED', `${name} is not running and Paastis is told not to start it`, 60)

/** The app was believed running but nothing answered, or it closed the connection. */
export const appUnreachable = (name: string, why: string): PaastisError =>
  new PaastisError('APP_UNREACHABLE', `${name} did not answer: ${why}`, 5)

/** The app took longer than the proxy's timeouts to connect or answer. */
export const appTimeout = (name: string, why: string): PaastisError =>
  new PaastisError('APP_TIMEOUT', `${name} did not answer in time: ${why}`)

export const clientTimeout = (why: string): PaastisError =>
  new PaastisError('CLIENT_TIMEOUT', `The request was not received in time: ${why}`)

/** What a request is told of a failed wake: an unknown app reads as one. */
export const wakeError = (err: WakeError): PaastisError => err.reason === 'unknown' ? unknownApp(err.app) : err
