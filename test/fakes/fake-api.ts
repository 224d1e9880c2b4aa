// What every fake provider API shares: a real HTTP server (Fastify on a loopback port), a log of
// the calls it received, and faults a test injects (an error status, a hang, malformed JSON).
import Fastify, { type FastifyInstance } from 'fastify'
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Fault {
  status?: number
  body?: string
  headers?: Record<string, string>
  /** Never answer (the client's timeout must end the call). */
  hang?: boolean
}

interface ArmedFault { method: string, path: RegExp, fault: Fault, remaining: number }

export interface Call { method: string, path: string, headers: http.IncomingHttpHeaders, status?: number, body?: unknown }

export class FakeApi {
  readonly server: FastifyInstance
  readonly calls: Call[] = []
  private readonly callOf = new WeakMap<http.IncomingMessage, Call>()
  /** Work the fake does later (an operation finishing): cancelled when the fake closes. */
  private readonly timers = new Set<NodeJS.Timeout>()
  /** Calls per credential in the current minute, for the rate limits the fakes keep. */
  private readonly windows = new Map<string, { start: number, count: number }>()
  private readonly faults: ArmedFault[] = []
  /** The apps' own servers, stopped with the fake. */
  private readonly upstreams: FakeUpstream[] = []
  baseUrl = ''

  constructor () {
    this.server = Fastify({ forceCloseConnections: true })
    this.server.addHook('onRequest', async (request, reply) => {
      const path = request.url
      const call: Call = { method: request.method, path, headers: request.headers }
      this.calls.push(call)
      this.callOf.set(request.raw, call)
      reply.raw.once('finish', () => { call.status = reply.raw.statusCode })
      const armed = this.faults.find((f) => f.remaining > 0 && f.method === request.method && f.path.test(path))
      if (armed === undefined) return
      armed.remaining--
      if (armed.fault.hang === true) return reply.hijack()
      return reply.code(armed.fault.status ?? 500).headers({ 'content-type': 'application/json', ...armed.fault.headers })
        .send(armed.fault.body ?? '{"error":"injected"}')
    })
    this.recordBodies()
  }

  /** The body each call sent, once parsed (what a client really asked). */
  private recordBodies (): void {
    this.server.addHook('preHandler', async (request) => {
      const call = this.callOf.get(request.raw)
      if (call !== undefined) call.body = request.body
    })
  }

  /** The next `times` calls matching method and path get the fault. */
  fail (method: string, path: RegExp, fault: Fault, times = 1): void {
    this.faults.push({ method, path, fault, remaining: times })
  }

  count (method: string, path: RegExp, status?: number): number {
    return this.calls.filter((call) => call.method === method && path.test(call.path) && (status === undefined || call.status === status)).length
  }

  async listen (): Promise<string> {
    await this.server.listen({ port: 0, host: '127.0.0.1' })
    this.baseUrl = `http://127.0.0.1:${(this.server.server.address() as AddressInfo).port}`
    return this.baseUrl
  }

  /** A new app's web server, its port reserved; started with `running`. */
  protected async upstream (name: string, running: boolean): Promise<FakeUpstream> {
    const upstream = new FakeUpstream(name)
    this.upstreams.push(upstream)
    await upstream.reserve()
    if (running) await upstream.start()
    return upstream
  }

  /** One more call for this credential in the current minute, if `perMinute` allows it. */
  protected withinLimit (credential: string, perMinute: number): boolean {
    const now = Date.now()
    const window = this.windows.get(credential)
    if (window === undefined || now - window.start >= 60_000) {
      this.windows.set(credential, { start: now, count: 1 })
      return true
    }
    return ++window.count <= perMinute
  }

  /** Runs `work` after `ms`, unless the fake is closed first. */
  protected later (work: () => void, ms: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      work()
    }, ms)
    this.timers.add(timer)
  }

  async close (): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    await Promise.all(this.upstreams.map((upstream) => upstream.stop()))
    await this.server.close()
  }
}

/** An app's own web server: it answers only while the fake provider has it running. */
export class FakeUpstream {
  private server: http.Server | undefined
  port = 0

  constructor (readonly name: string) {}

  get url (): string {
    return `http://127.0.0.1:${this.port}`
  }

  /** Reserves a port now, so the app's URL is known before it first runs. */
  async reserve (): Promise<void> {
    await this.start()
    await this.stop()
  }

  async start (): Promise<void> {
    if (this.server !== undefined) return
    const server = http.createServer((req, res) => {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ app: this.name, url: req.url }))
    })
    this.server = server
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve))
    this.port = (server.address() as AddressInfo).port
  }

  async stop (): Promise<void> {
    const server = this.server
    if (server === undefined) return
    this.server = undefined
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  get running (): boolean {
    return this.server !== undefined
  }
}
