// Events POSTed to the operators' own endpoints (WEBHOOK_URLS): JSON, signed with HMAC-SHA256
// of the body (`X-Paastis-Signature: sha256=<hex>`, as GitHub signs its webhooks), retried with
// backoff by undici's RetryAgent. Deliveries run beside the lifecycle, never in its way: a
// receiver that hangs or refuses delays no wake and no request.
import { createHmac, randomUUID } from 'node:crypto'
import { Agent, RetryAgent } from 'undici'
import type { EventType, PaastisEvent } from './events'

export const DEFAULT_WEBHOOK_EVENTS: readonly EventType[] = ['started', 'start_failed', 'stopped', 'stop_vetoed']
export const SIGNATURE_HEADER = 'x-paastis-signature'

export interface WebhookOptions {
  urls: readonly string[]
  events: ReadonlySet<EventType>
  secret: string | undefined
  timeoutMs: number
  retries: number
  /** First backoff; doubled at each retry. */
  backoffMs?: number
  /** Deliveries waiting beyond this are dropped, the oldest first. */
  maxQueued?: number
  log: { warn: (message: string) => void, info: (message: string) => void }
}

export type DeliveryResult = 'delivered' | 'failed' | 'dropped'

/** The signature a receiver recomputes: HMAC-SHA256 of the raw body with the shared secret. */
export function sign (secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
}

/** A URL as logs may show it: never its credentials nor its query (tokens live there). */
function shown (url: string): string {
  const { protocol, host, pathname } = new URL(url)
  return `${protocol}//${host}${pathname}`
}

export class Webhooks {
  readonly counts: Record<DeliveryResult, number> = { delivered: 0, failed: 0, dropped: 0 }
  private readonly agent: RetryAgent
  private readonly queue: Array<{ url: string, event: PaastisEvent }> = []
  private running = 0
  /** URLs whose last delivery failed, and why: logged once per outage, shown in /readyz. */
  private readonly failing = new Map<string, string>()
  private readonly idle: Array<() => void> = []

  /** A whole delivery, its retries and their backoffs included: a receiver that trickles its answer ends here. */
  private readonly deadlineMs: number

  constructor (private readonly options: WebhookOptions) {
    const backoffMs = options.backoffMs ?? 1000
    this.deadlineMs = options.timeoutMs * (options.retries + 1) + backoffMs * (2 ** options.retries)
    const base = new Agent({ connectTimeout: options.timeoutMs, headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs })
    this.agent = new RetryAgent(base, {
      methods: ['POST'],
      maxRetries: options.retries,
      minTimeout: options.backoffMs ?? 1000,
      timeoutFactor: 2,
      statusCodes: [429, 500, 502, 503, 504],
      errorCodes: ['ECONNRESET', 'ECONNREFUSED', 'ENOTFOUND', 'ENETUNREACH', 'EHOSTUNREACH', 'EPIPE', 'UND_ERR_SOCKET',
        'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']
    })
  }

  /** Why deliveries fail, per receiver (never its credentials nor its query); undefined while all deliver. */
  health (): string | undefined {
    if (this.failing.size === 0) return undefined
    return [...this.failing].map(([url, reason]) => `${shown(url)} does not take deliveries (${reason}): events are counted as failed, wakes go on`).join('; ')
  }

  /** Called for every event; returns at once. */
  notify (event: PaastisEvent): void {
    if (!this.options.events.has(event.type)) return
    for (const url of this.options.urls) {
      if (this.queue.length >= (this.options.maxQueued ?? 1000)) {
        this.queue.shift()
        this.counts.dropped++
      }
      this.queue.push({ url, event })
    }
    this.pump()
  }

  /** Resolves once nothing waits or runs (tests, shutdown). */
  async settled (): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return
    await new Promise<void>((resolve) => this.idle.push(resolve))
  }

  async close (): Promise<void> {
    this.queue.length = 0
    await this.agent.destroy()
  }

  /** One delivery at a time per process keeps the order of a URL's events. */
  private pump (): void {
    if (this.running > 0) return
    const next = this.queue.shift()
    if (next === undefined) {
      for (const resolve of this.idle.splice(0)) resolve()
      return
    }
    this.running++
    void this.deliver(next.url, next.event).finally(() => {
      this.running--
      this.pump()
    })
  }

  private async deliver (url: string, event: PaastisEvent): Promise<void> {
    const body = JSON.stringify(event)
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'paastis-webhooks',
      'x-paastis-event': event.type,
      'x-paastis-delivery': randomUUID()
    }
    if (this.options.secret !== undefined) headers[SIGNATURE_HEADER] = sign(this.options.secret, body)
    const { origin, path, authorization } = target(url)
    // https://user:pass@host/…: the receiver behind Basic auth gets it as a header (fetch and undici drop userinfo).
    if (authorization !== undefined) headers.authorization = authorization
    try {
      const signal = AbortSignal.timeout(this.deadlineMs)
      const response = await this.agent.request({ origin, path, method: 'POST', headers, body, signal })
      await response.body.dump({ signal, limit: 64 * 1024 })
      if (response.statusCode >= 300) throw new Error(`answered ${response.statusCode}`)
      this.counts.delivered++
      if (this.failing.delete(url)) this.options.log.info(`webhook ${shown(url)}: delivered again`)
    } catch (err) {
      this.counts.failed++
      const first = !this.failing.has(url)
      this.failing.set(url, (err as Error).message)
      if (first) {
        this.options.log.warn(`webhook ${shown(url)}: the ${event.type} event of ${event.app} was not delivered (${(err as Error).message}); further failures are counted, not logged`)
      }
    }
  }
}

function target (url: string): { origin: string, path: string, authorization?: string } {
  const parsed = new URL(url)
  const where = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` }
  if (parsed.username === '' && parsed.password === '') return where
  const credentials = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`
  return { ...where, authorization: `Basic ${Buffer.from(credentials).toString('base64')}` }
}
