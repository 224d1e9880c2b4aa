// HTTP for provider APIs, over undici: a timeout on every call, retries with exponential backoff
// and jitter on 5xx and connection errors, 429 honouring Retry-After, one re-authentication on
// 401, and errors that name the provider, the operation and the app — never a token.
import { setTimeout as sleep } from 'node:timers/promises'
import { request, type Dispatcher } from 'undici'
import { ProviderError } from '../lib/core/provider'
import { shapeError, type Shape } from '../lib/common/shape'

/** The start of a body, as an operator reads it in one line: no control character, bounded. */
function snippet (text: string): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim()
  return flat.length > 80 ? `${flat.slice(0, 80)}…` : flat
}

export interface ApiClientOptions {
  provider: string
  /** Per attempt. */
  timeoutMs: number
  /** Attempts after the first, on 5xx, 429 and connection errors. */
  retries: number
  /** First backoff; doubled at each retry, with jitter. */
  backoffMs: number
  /** Longest wait honoured from a Retry-After header. */
  maxRetryAfterMs?: number
  /** Headers of every call, authentication included. */
  headers: () => Promise<Record<string, string>> | Record<string, string>
  /** Called once on a 401 before the call is retried (token refresh). */
  reauthenticate?: () => Promise<void>
}

export interface ApiCall {
  method: Dispatcher.HttpMethod
  url: string
  operation: string
  app?: string
  body?: unknown
  headers?: Record<string, string>
  /** The shape of a successful answer: anything else is an error that says what came instead. */
  expect?: Shape
}

export interface ApiResponse<T> {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: T
}

/** A response the caller may want to handle (404, 422…); other failures throw ProviderError. */
export class ApiError extends ProviderError {
  constructor (provider: string, operation: string, app: string | undefined, readonly status: number, readonly body: unknown, reason: string) {
    super(provider, operation, app, reason, status)
    this.name = 'ApiError'
  }
}

function retryAfterMs (header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header
  if (value === undefined) return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}

/** The provider's own words: `{"error": …}`, `{"message": …}`, `{"errors": {field: [msg]}}` or text. */
function describe (body: unknown): string {
  if (typeof body === 'string') return body.slice(0, 200)
  if (body !== null && typeof body === 'object') {
    const record = body as Record<string, unknown>
    if (typeof record.error === 'string') return record.error
    if (typeof record.message === 'string') return record.message
    if (record.errors !== undefined) return JSON.stringify(record.errors).slice(0, 200)
  }
  return 'no details'
}

/**
 * The retry loop is ours, not undici's RetryAgent: its handler reads a `Range` request header as a
 * byte range to resume (Heroku's pagination `Range: id ..; max=200` then fails with "invalid
 * content-length"), and it has no jitter.
 */
export class ApiClient {
  constructor (private readonly options: ApiClientOptions) {}

  async call<T> (call: ApiCall): Promise<ApiResponse<T>> {
    const { provider, retries, backoffMs, maxRetryAfterMs = 60_000 } = this.options
    let reauthenticated = false
    for (let attempt = 0; ; attempt++) {
      let response: ApiResponse<unknown>
      try {
        response = await this.once(call)
      } catch (err) {
        if (err instanceof ProviderError) throw err
        // Connection refused, reset, timed out: worth another try.
        if (attempt >= retries) {
          throw new ProviderError(provider, call.operation, call.app, `no answer from the API (${(err as Error).message})`)
        }
        await sleep(this.backoff(attempt, backoffMs))
        continue
      }
      const { status } = response
      if (status < 400) {
        if (call.expect !== undefined) this.check(call, response)
        return response as ApiResponse<T>
      }
      if (status === 401 && this.options.reauthenticate !== undefined && !reauthenticated) {
        reauthenticated = true
        await this.options.reauthenticate()
        attempt--
        continue
      }
      const retryable = status === 429 || status >= 500
      if (retryable && attempt < retries) {
        const wait = status === 429 ? retryAfterMs(response.headers['retry-after']) : undefined
        await sleep(wait === undefined ? this.backoff(attempt, backoffMs) : Math.min(wait, maxRetryAfterMs))
        continue
      }
      const what = status === 429 ? 'rate limited' : `HTTP ${status}`
      throw new ApiError(provider, call.operation, call.app, status, response.body, `${what}: ${describe(response.body)}`)
    }
  }

  /**
   * A captive portal, a maintenance page or a misrouted proxy answers 200 with HTML: said plainly,
   * never read as data ("Cannot read properties of undefined").
   */
  private check (call: ApiCall, response: ApiResponse<unknown>): void {
    const shape = call.expect as Shape
    const { provider } = this.options
    const type = String(response.headers['content-type'] ?? 'no content type').split(';')[0]
    if (typeof response.body === 'string') {
      const text = response.body === '' ? 'an empty body' : `\`${snippet(response.body)}\``
      throw new ProviderError(provider, call.operation, call.app, `answered ${response.status} with ${type}, not the JSON of ${shape.what}: ${text}`, response.status)
    }
    const wrong = shapeError(shape, response.body)
    if (wrong !== undefined) {
      throw new ProviderError(provider, call.operation, call.app, `answered ${response.status} with JSON that is not ${shape.what} (${wrong}): \`${snippet(JSON.stringify(response.body))}\``, response.status)
    }
  }

  private backoff (attempt: number, base: number): number {
    return base * 2 ** attempt * (0.5 + Math.random() / 2)
  }

  private async once (call: ApiCall): Promise<ApiResponse<unknown>> {
    const headers: Record<string, string> = { accept: 'application/json', ...await this.options.headers(), ...call.headers }
    if (call.body !== undefined) headers['content-type'] = 'application/json'
    const response = await request(call.url, {
      method: call.method,
      headers,
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
      headersTimeout: this.options.timeoutMs,
      bodyTimeout: this.options.timeoutMs,
      signal: AbortSignal.timeout(this.options.timeoutMs)
    })
    const text = await response.body.text()
    let body: unknown = text
    const type = String(response.headers['content-type'] ?? '')
    if (text !== '' && (type.includes('json') || /^\s*[[{]/.test(text))) {
      try {
        body = JSON.parse(text)
      } catch {
        if (response.statusCode < 400) {
          throw new ProviderError(this.options.provider, call.operation, call.app, `the API answered malformed JSON (HTTP ${response.statusCode})`)
        }
      }
    }
    return { status: response.statusCode, headers: response.headers, body }
  }
}

/** What every API provider needs besides its credentials. */
export interface HttpProviderOptions {
  /** Per API call. */
  timeoutMs: number
  retries: number
  backoffMs: number
  /** Between two reads of an asynchronous operation. */
  pollIntervalMs: number
  /** How long a start or stop operation may take. */
  operationTimeoutMs: number
}
