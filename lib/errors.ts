// Errors Paastis answers with on purpose, rendered by the one error handler as
// {statusCode, code, error, message}.
import { STATUS_CODES } from 'node:http'
import type { WakeError } from './lifecycle'

export class PaastisError extends Error {
  constructor (
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {}
  ) {
    super(message)
    this.name = 'PaastisError'
  }

  get error (): string {
    return STATUS_CODES[this.statusCode] ?? 'Error'
  }
}

export const badHost = (): PaastisError =>
  new PaastisError(400, 'BAD_HOST', 'The Host header is missing or malformed: it must be a hostname such as my-app.proxy.example.com')

export const unknownApp = (key: string): PaastisError =>
  new PaastisError(404, 'UNKNOWN_APP', `No app is served at this host (app key "${key.slice(0, 100)}")`)

export const adminIsElsewhere = (host: string, adminHost: string): PaastisError =>
  new PaastisError(404, 'UNKNOWN_APP', `No app is served at ${host.slice(0, 100)}. The admin API is served on ADMIN_HOST: ` +
    `use http://${adminHost}${/:\d+$/.exec(host)?.[0] ?? ''}/apps (or send Host: ${adminHost})`)

export const discoveryPending = (): PaastisError =>
  new PaastisError(503, 'DISCOVERY_PENDING', 'Paastis has just started and its provider has not listed the apps yet', { 'retry-after': '5' })

export const appIgnored = (name: string): PaastisError =>
  new PaastisError(503, 'APP_IGNORED', `${name} is not running and Paastis is told not to start it`, { 'retry-after': '60' })

/** A wake that did not succeed, for requests and admin calls alike. */
export function wakeError (err: WakeError): PaastisError {
  if (err.reason === 'unknown') return unknownApp(err.app)
  const retryAfter = String(Math.max(1, Math.ceil((err.retryAfterMs ?? (err.reason === 'timeout' ? 30_000 : 10_000)) / 1000)))
  if (err.reason === 'timeout') return new PaastisError(503, 'WAKE_TIMEOUT', err.message, { 'retry-after': retryAfter })
  if (err.reason === 'backoff') return new PaastisError(503, 'WAKE_BACKOFF', err.message, { 'retry-after': retryAfter })
  return new PaastisError(503, 'WAKE_FAILED', err.message, { 'retry-after': retryAfter })
}

/** The app was believed running but nothing answered, or it closed the connection. */
export const appUnreachable = (name: string, why: string): PaastisError =>
  new PaastisError(502, 'APP_UNREACHABLE', `${name} did not answer: ${why}`, { 'retry-after': '5' })

/** The app took longer than the proxy's timeouts to connect or answer. */
export const appTimeout = (name: string, why: string): PaastisError =>
  new PaastisError(504, 'APP_TIMEOUT', `${name} did not answer in time: ${why}`)

export const clientTimeout = (why: string): PaastisError =>
  new PaastisError(408, 'CLIENT_TIMEOUT', `The request was not received in time: ${why}`)
