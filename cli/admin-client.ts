// The admin API seen from the command line: PAASTIS_URL and PAASTIS_TOKEN, and errors that say
// what to fix (the URL, the token, the name) rather than what broke.
import type { Savings } from '../lib/core/savings'
import { shapeError, type Shape } from '../lib/common/shape'

export class CliError extends Error {}

/** An answer larger than this is no admin API's (a misdirected PAASTIS_URL, a hostile server). */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024

/** Reads a body up to `max` bytes; more is an error, not a crash. */
async function boundedText (response: Response, max: number): Promise<string> {
  const reader = response.body?.getReader()
  if (reader === undefined) return ''
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > max) {
      await reader.cancel().catch(() => {})
      throw new CliError(`the answer is larger than ${max / 1024 / 1024} MB: not Paastis's admin API? (is PAASTIS_URL right?)`)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks).toString('utf8')
}

export interface ClientOptions {
  url: string
  token: string | undefined
  /** For one call; `start --wait` waits as long as a wake may take. */
  timeoutMs?: number
}

export interface ApiError { statusCode: number, code: string, message: string }

export class AdminClient {
  private readonly base: URL

  constructor (private readonly options: ClientOptions) {
    try {
      this.base = new URL(options.url)
    } catch {
      throw new CliError(`PAASTIS_URL: "${options.url}" is not a URL (expected http://host:port)`)
    }
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:') throw new CliError(`PAASTIS_URL: "${options.url}" is not an http(s) URL`)
    // The admin API is at the root of Paastis: a path would be read as part of each call's.
    if (this.base.pathname !== '/' || this.base.search !== '' || this.base.hash !== '') {
      throw new CliError(`PAASTIS_URL: "${options.url}" has a path (${this.base.pathname}${this.base.search}${this.base.hash}); give Paastis's address alone, e.g. ${this.base.origin}`)
    }
    if (options.token === undefined || options.token === '') throw new CliError("PAASTIS_TOKEN is not set: give it Paastis's ROUTING_SYSTEM_API_TOKEN")
  }

  async get<T> (path: string, shape: Shape, query: Record<string, string | undefined> = {}): Promise<{ body: T, headers: Headers }> {
    return await this.call<T>('GET', path, shape, query)
  }

  async post<T> (path: string, shape: Shape, query: Record<string, string | undefined> = {}, timeoutMs?: number): Promise<{ body: T, status: number }> {
    const { body, status } = await this.call<T>('POST', path, shape, query, timeoutMs)
    return { body, status }
  }

  async delete<T> (path: string, shape: Shape): Promise<{ body: T }> {
    const { body } = await this.call<T>('DELETE', path, shape, {})
    return { body }
  }

  savings (shape: Shape, from?: string, to?: string): Promise<{ body: Savings & { currency: string } }> {
    return this.get<Savings & { currency: string }>('/savings', shape, { from, to })
  }

  private async call<T> (method: string, path: string, shape: Shape, query: Record<string, string | undefined>, timeoutMs = this.options.timeoutMs ?? 15_000): Promise<{ body: T, headers: Headers, status: number }> {
    const url = new URL(path.replace(/^\//, ''), this.base.href.endsWith('/') ? this.base : new URL(`${this.base.href}/`))
    for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, value)
    let response: Response
    try {
      response = await fetch(url, {
        method,
        // The admin API answers on ADMIN_HOST or to this header: the CLI works with any URL.
        headers: { authorization: `Bearer ${this.options.token ?? ''}`, paastisproxytarget: 'system', accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'manual'
      })
    } catch (err) {
      const cause = (err as { cause?: { code?: string, message?: string } }).cause
      if ((err as Error).name === 'TimeoutError') throw new CliError(`${this.base.origin} did not answer within ${Math.round(timeoutMs / 1000)} s`)
      throw new CliError(`cannot reach Paastis at ${this.base.origin} (${cause?.code ?? cause?.message ?? (err as Error).message}): is it running, and is PAASTIS_URL right?`)
    }
    let text: string
    try {
      text = await boundedText(response, MAX_ANSWER_BYTES)
    } catch (err) {
      if (err instanceof CliError) throw err
      // The deadline covers the body too: an endless one ends here, in words.
      if ((err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError') throw new CliError(`${this.base.origin} did not finish its answer within ${Math.round(timeoutMs / 1000)} s: not Paastis's admin API? (is PAASTIS_URL right?)`)
      throw new CliError(`${this.base.origin}: the answer was cut (${(err as Error).message})`)
    }
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      throw new CliError(`${this.base.origin} answered ${response.status} ${response.headers.get('content-type') ?? ''} that is not Paastis's admin API: is PAASTIS_URL right?`.replace(/ +:/, ':'))
    }
    if (response.ok) {
      const wrong = shapeError(shape, body)
      if (wrong !== undefined) throw new CliError(`${this.base.origin} answered JSON that is not ${shape.what} (${wrong}): not Paastis's admin API, or another version of it? (is PAASTIS_URL right?)`)
      return { body: body as T, headers: response.headers, status: response.status }
    }
    const error = body as Partial<ApiError>
    if (typeof error.code !== 'string') throw new CliError(`${this.base.origin} answered ${response.status}: not Paastis's admin API? (is PAASTIS_URL right?)`)
    throw new CliError(explain(error as ApiError))
  }
}

function explain (error: ApiError): string {
  switch (error.code) {
    case 'UNAUTHORIZED':
      return "the token was refused: PAASTIS_TOKEN must be Paastis's ROUTING_SYSTEM_API_TOKEN"
    case 'ADMIN_API_DISABLED':
      return 'the admin API of this Paastis is off: it needs ROUTING_SYSTEM_API_TOKEN'
    case 'ADMIN_FORBIDDEN':
      return 'this machine may not use the admin API (ADMIN_ALLOW of that Paastis)'
    default:
      return error.message
  }
}
