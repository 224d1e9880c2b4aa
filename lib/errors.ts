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

export const appIgnored = (name: string): PaastisError =>
  new PaastisError(503, 'APP_IGNORED', `${name} is not running and Paastis is told not to start it`, { 'retry-after': '60' })

/** A wake that did not succeed, for requests and admin calls alike. */
export function wakeError (err: WakeError): PaastisError {
  if (err.reason === 'unknown') return unknownApp(err.app)
  if (err.reason === 'timeout') return new PaastisError(503, 'WAKE_TIMEOUT', err.message, { 'retry-after': '30' })
  return new PaastisError(503, 'WAKE_FAILED', err.message, { 'retry-after': '10' })
}
