// Errors Paastis answers with on purpose, rendered by the one error handler as
// {statusCode, code, error, message}.
import { STATUS_CODES } from 'node:http'

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

export const wakeFailed = (message: string, retryAfterSeconds: number): PaastisError =>
  new PaastisError(503, 'WAKE_FAILED', message, { 'retry-after': String(retryAfterSeconds) })

export const wakeTimeout = (message: string, retryAfterSeconds: number): PaastisError =>
  new PaastisError(503, 'WAKE_TIMEOUT', message, { 'retry-after': String(retryAfterSeconds) })
