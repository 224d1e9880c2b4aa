// Forwards one HTTP exchange to an app over a pooled undici Agent, streaming both ways, through
// undici's lowest-level dispatch handler (no intermediate stream, no AbortController). Every phase
// a peer controls has a timeout: the client's body (silence between chunks), the app's connect,
// first byte and body. Small request bodies are read before a pooled connection is taken, so
// clients that trickle a body never hold the app's connections (nginx's request buffering).
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Transform, type Readable, type TransformCallback } from 'node:stream'
import { Agent, util } from 'undici'
import type { Dispatcher } from 'undici'

/** How an exchange went wrong, from the client's side or the app's. */
export const FORWARD_FAILURES = [
  'client_aborted', // the client went away or cut its request body
  'client_timeout', // the client's body stalled
  'upstream_refused', // nothing listens where the app should answer
  'upstream_reset', // the app closed or reset the connection
  'upstream_connect_timeout',
  'upstream_timeout', // no response headers in time
  'upstream_body_timeout', // the response body stalled
  'upstream_error'
] as const
export type ForwardFailure = typeof FORWARD_FAILURES[number]

export class ForwardError extends Error {
  constructor (readonly failure: ForwardFailure, message: string, readonly code?: string) {
    super(message)
    this.name = 'ForwardError'
  }
}

export interface ForwarderOptions {
  /** Pooled connections per app. */
  connections: number
  pipelining: number
  keepAliveTimeoutMs: number
  connectTimeoutMs: number
  /** Until the app's response headers. */
  responseTimeoutMs: number
  /** Silence allowed between two chunks of the app's response body. */
  bodyTimeoutMs: number
  /** Silence allowed between two chunks of the client's request body. */
  clientBodyTimeoutMs: number
  /** Request bodies up to this size are read whole before the app is called. */
  bufferBodyBytes: number
}

export interface ForwardTarget {
  /** The app's origin (`http://127.0.0.1:4001`). */
  origin: string
  /** Prefix of the upstream URL's path, without a trailing slash ('' for none). */
  basePath: string
  headers: Record<string, string | string[]>
  /** A body that does not come from `req` itself (a request that arrived with an upgrade offer). */
  body?: Readable
}

export interface ForwardCallbacks {
  /** The app answered: write the head to the client's response (its body follows there). */
  onResponse: (statusCode: number, headers: Record<string, string | string[] | undefined>) => void
  /** Called once, on every failure; `headersSent` says whether the client has a partial answer. */
  onError: (err: ForwardError, headersSent: boolean) => void
}

interface ParsedUpstream { origin: string, basePath: string }

const UPSTREAM_CACHE_MAX = 10_000

export class Forwarder {
  /** The pool to the apps; the readiness probe uses it too. */
  readonly agent: Agent
  private readonly upstreams = new Map<string, ParsedUpstream>()

  constructor (private readonly options: ForwarderOptions) {
    this.agent = new Agent({
      connections: options.connections,
      pipelining: options.pipelining,
      keepAliveTimeout: options.keepAliveTimeoutMs,
      connect: { timeout: options.connectTimeoutMs },
      headersTimeout: options.responseTimeoutMs,
      bodyTimeout: options.bodyTimeoutMs
    })
  }

  /** `https://app.example.com/base/` → origin and base path; parsed once per upstream. */
  parse (upstream: string): ParsedUpstream {
    let parsed = this.upstreams.get(upstream)
    if (parsed === undefined) {
      const url = new URL(upstream)
      parsed = { origin: url.origin, basePath: url.pathname.replace(/\/+$/, '') }
      if (this.upstreams.size >= UPSTREAM_CACHE_MAX) this.upstreams.clear()
      this.upstreams.set(upstream, parsed)
    }
    return parsed
  }

  forward (req: IncomingMessage, res: ServerResponse, target: ForwardTarget, callbacks: ForwardCallbacks): void {
    const exchange = new Exchange(res, callbacks)
    const dispatch = (body: Dispatcher.DispatchOptions['body']): void => {
      if (exchange.settled) return
      try {
        this.agent.dispatch({
          origin: target.origin,
          path: target.basePath + (req.url ?? '/'),
          method: req.method as Dispatcher.HttpMethod,
          headers: target.headers,
          body
        }, exchange)
      } catch (err) {
        exchange.onError(err as Error)
      }
    }

    const source = target.body ?? (hasBody(req) ? req : undefined)
    if (source === undefined) {
      dispatch(undefined)
      return
    }
    const length = Number(req.headers['content-length'])
    if (source === req && Number.isSafeInteger(length) && length <= this.options.bufferBodyBytes) {
      readBody(req, length, this.options.clientBodyTimeoutMs).then(dispatch, (err: ForwardError) => { exchange.onError(err) })
      return
    }
    const guarded = idleGuard(this.options.clientBodyTimeoutMs)
    const cut = (): void => { guarded.destroy(new ForwardError('client_aborted', 'the client cut its request body')) }
    source.on('error', cut)
    req.on('close', () => { if (!req.complete || (source !== req && !source.readableEnded)) cut() })
    source.pipe(guarded)
    dispatch(guarded)
  }

  async close (): Promise<void> {
    await this.agent.close()
  }
}

/**
 * One exchange as undici's lowest-level handler sees it: the app's head is written to the client
 * as it arrives, each body chunk is written with backpressure (undici pauses the app's socket
 * while the client's is full), and a client that leaves aborts the app's request at once.
 */
class Exchange implements Dispatcher.DispatchHandler {
  settled = false
  private headersSent = false
  private abort: ((err?: Error) => void) | undefined
  private resume: (() => void) | undefined
  private paused = false
  /** Made at the first backpressure only: most exchanges never need it. */
  private onDrain: (() => void) | undefined

  private readonly onClose = (): void => {
    if (!this.res.writableFinished) this.cancel(new ForwardError('client_aborted', 'the client closed the connection'))
  }

  constructor (private readonly res: ServerResponse, private readonly callbacks: ForwardCallbacks) {
    res.once('close', this.onClose)
  }

  private cancel (err: ForwardError): void {
    if (this.abort !== undefined) this.abort(err)
    else this.onError(err)
  }

  onConnect (abort: (err?: Error) => void): void {
    if (this.settled) abort(new ForwardError('client_aborted', 'the client closed the connection'))
    else this.abort = abort
  }

  onHeaders (statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true // 1xx: informational, Paastis answers its clients itself
    this.headersSent = true
    this.resume = resume
    // Names undici knows are looked up, not lowercased; a repeated header becomes a list.
    this.callbacks.onResponse(statusCode, util.parseHeaders(rawHeaders))
    return true
  }

  /** A full client socket pauses the app's (undici stops reading); its drain resumes it. */
  onData (chunk: Buffer): boolean {
    if (this.res.write(chunk)) return true
    if (!this.paused) {
      this.paused = true
      this.onDrain ??= () => {
        this.paused = false
        this.resume?.()
      }
      this.res.once('drain', this.onDrain)
    }
    return false
  }

  onComplete (): void {
    if (this.settle()) this.res.end()
  }

  onError (err: Error): void {
    if (this.settle()) this.callbacks.onError(classify(err), this.headersSent)
  }

  /** True the first time only: every exchange has exactly one end. */
  private settle (): boolean {
    if (this.settled) return false
    this.settled = true
    this.res.off('close', this.onClose)
    if (this.paused && this.onDrain !== undefined) this.res.off('drain', this.onDrain)
    return true
  }
}

/** Whether a request carries a body (by its framing headers). */
export function hasBody (req: IncomingMessage): boolean {
  const length = req.headers['content-length']
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
}

/** Reads a declared-length body whole, with the client-body timeout between chunks. */
function readBody (req: IncomingMessage, length: number, idleMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let received = 0
    const timer = setTimeout(onTimeout, idleMs)
    function onTimeout (): void {
      cleanup()
      reject(new ForwardError('client_timeout', `the client sent no part of its request body for ${idleMs} ms`))
    }
    function onData (chunk: Buffer): void {
      received += chunk.length
      if (received > length) return // the HTTP parser refuses more than Content-Length
      chunks.push(chunk)
      timer.refresh()
    }
    function onEnd (): void {
      cleanup()
      resolve(Buffer.concat(chunks, received))
    }
    function onAbort (): void {
      cleanup()
      reject(new ForwardError('client_aborted', 'the client cut its request body'))
    }
    function cleanup (): void {
      clearTimeout(timer)
      req.off('data', onData).off('end', onEnd).off('error', onAbort).off('close', onClose)
    }
    function onClose (): void {
      if (!req.complete) onAbort()
    }
    req.on('data', onData).on('end', onEnd).on('error', onAbort).on('close', onClose)
  })
}

/** A pass-through that fails when the client's body stalls. */
function idleGuard (idleMs: number): Transform {
  // The guard's callbacks run after the timer below exists.
  const guard = new Transform({
    transform (chunk: Buffer, _encoding, callback: TransformCallback) {
      timer.refresh()
      callback(null, chunk)
    },
    flush (callback: TransformCallback) {
      clearTimeout(timer)
      callback()
    },
    destroy (err, callback) {
      clearTimeout(timer)
      callback(err)
    }
  })
  const timer = setTimeout(() => {
    guard.destroy(new ForwardError('client_timeout', `the client sent no part of its request body for ${idleMs} ms`))
  }, idleMs)
  return guard
}

const REFUSED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'])
const RESET = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ECONNABORTED', 'UND_ERR_CLOSED'])

function classify (err: Error): ForwardError {
  if (err instanceof ForwardError) return err
  const code = (err as NodeJS.ErrnoException).code ?? ((err.cause as NodeJS.ErrnoException | undefined)?.code)
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return new ForwardError('upstream_connect_timeout', 'the app did not accept a connection in time', code)
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return new ForwardError('upstream_timeout', 'the app did not answer in time', code)
  if (code === 'UND_ERR_BODY_TIMEOUT') return new ForwardError('upstream_body_timeout', 'the app stopped sending its response', code)
  if (code === 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH') return new ForwardError('client_aborted', 'the client cut its request body', code)
  if (code !== undefined && REFUSED.has(code)) return new ForwardError('upstream_refused', `the app refused the connection (${code})`, code)
  if (code !== undefined && RESET.has(code)) return new ForwardError('upstream_reset', `the app closed the connection (${code})`, code)
  return new ForwardError('upstream_error', `the app's answer could not be relayed (${err.message})`, code)
}
