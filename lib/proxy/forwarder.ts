// Forwards one HTTP exchange to an app over a pooled undici Agent, streaming both ways, through
// undici's lowest-level dispatch handler (no intermediate stream, no AbortController). Every phase
// a peer controls has a timeout: the client's body (silence between chunks), the app's connect,
// first byte and body. Small request bodies are read before a pooled connection is taken, so
// clients that trickle a body never hold the app's connections (nginx's request buffering). A
// held request sent as its waking app's probe has its answer dropped or held (`accept`).
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Readable } from 'node:stream'
import { Agent, util } from 'undici'
import type { Dispatcher } from 'undici'
import { ForwardError } from './forward-error'
import { idleGuard, readBody } from './request-body'

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
  /**
   * A held request sent as its app's probe: an answer whose status this refuses is not its
   * client's; its body is read and dropped (the connection stays pooled), then `onRefused`. An
   * answer it accepts is held, the app's socket paused, until `release()` (`onAccepted`).
   */
  accept?: (statusCode: number) => boolean
  onRefused?: () => void
  onAccepted?: () => void
}

/** An exchange under way, which its caller may end (a probe's deadline) or release (see `accept`). */
export interface ForwardHandle {
  cancel: (err: ForwardError) => void
  release: () => void
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

  forward (req: IncomingMessage, res: ServerResponse, target: ForwardTarget, callbacks: ForwardCallbacks): ForwardHandle {
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
      return exchange
    }
    const length = Number(req.headers['content-length'])
    if (source === req && Number.isSafeInteger(length) && length <= this.options.bufferBodyBytes) {
      readBody(req, length, this.options.clientBodyTimeoutMs).then(dispatch, (err: ForwardError) => { exchange.onError(err) })
      return exchange
    }
    const guarded = idleGuard(this.options.clientBodyTimeoutMs)
    const cut = (): void => { guarded.destroy(new ForwardError('client_aborted', 'the client cut its request body')) }
    source.on('error', cut)
    req.on('close', () => { if (!req.complete || (source !== req && !source.readableEnded)) cut() })
    source.pipe(guarded)
    dispatch(guarded)
    return exchange
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
class Exchange implements Dispatcher.DispatchHandler, ForwardHandle {
  settled = false
  private headersSent = false
  /** The app's answer was refused (`accept`): its body is dropped. */
  private dropping = false
  /** The app's head, accepted and held until release(); whether its end came meanwhile (a HEAD's). */
  private held: { statusCode: number, rawHeaders: Buffer[] } | undefined
  private heldComplete = false
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

  cancel (err: ForwardError): void {
    if (this.abort !== undefined) this.abort(err)
    else this.onError(err)
  }

  onConnect (abort: (err?: Error) => void): void {
    if (this.settled) abort(new ForwardError('client_aborted', 'the client closed the connection'))
    else this.abort = abort
  }

  onHeaders (statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true // 1xx: informational, Paastis answers its clients itself
    const accept = this.callbacks.accept
    if (accept !== undefined) return this.probed(accept(statusCode), statusCode, rawHeaders, resume)
    this.headersSent = true
    this.resume = resume
    // Names undici knows are looked up, not lowercased; a repeated header becomes a list.
    this.callbacks.onResponse(statusCode, util.parseHeaders(rawHeaders))
    return true
  }

  /** A full client socket pauses the app's (undici stops reading); its drain resumes it. */
  onData (chunk: Buffer): boolean {
    if (this.dropping || this.res.write(chunk)) return true
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

  /** The head of a probe's answer: dropped, or held (undici stops reading) until release(). */
  private probed (accepted: boolean, statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (!accepted) {
      this.dropping = true
      return true
    }
    this.resume = resume
    this.held = { statusCode, rawHeaders }
    this.callbacks.onAccepted?.()
    return false
  }

  release (): void {
    const held = this.held
    if (held === undefined || this.settled) return
    this.held = undefined
    this.headersSent = true
    this.callbacks.onResponse(held.statusCode, util.parseHeaders(held.rawHeaders))
    if (this.heldComplete) this.onComplete()
    else this.resume?.()
  }

  onComplete (): void {
    if (this.held !== undefined) {
      this.heldComplete = true
      return
    }
    if (!this.settle()) return
    if (this.dropping) this.callbacks.onRefused?.()
    else this.res.end()
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
