// The Docker Engine API, as Docker's own tools reach it: DOCKER_HOST (a unix socket by default,
// or tcp:// with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH), the API version negotiated with the
// engine at the first call. undici over the socket rather than dockerode: Paastis makes six calls
// (version, list, inspect, start, stop, events), undici is already its HTTP client with a deadline
// per call, and dockerode would add docker-modem, ssh2 and callbacks for nothing more.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { Pool, type Dispatcher } from 'undici'
import { ProviderError } from '../lib/core/provider'
import { shapeError, type Shape } from '../lib/common/shape'

/** The oldest API Paastis speaks (Docker 1.13: label filters, health status, stop timeouts). */
export const MIN_API_VERSION = '1.25'
/** The newest it was written against; a newer engine is spoken to in this version. */
export const MAX_API_VERSION = '1.47'

export interface DockerEndpoint {
  /** `unix:///var/run/docker.sock` or `tcp://host:2376`. */
  host: string
  /** DOCKER_TLS_VERIFY: https with the client certificate of `certPath`. */
  tlsVerify: boolean
  /** DOCKER_CERT_PATH: ca.pem, cert.pem and key.pem. */
  certPath?: string
}

export interface DockerEngineOptions extends DockerEndpoint {
  /** Deadline of every call but the event stream (a stop adds its own timeout). */
  timeoutMs: number
}

export interface ContainerSummary {
  Id: string
  Names: string[]
  Image: string
  State: string
  Status?: string
  Labels: Record<string, string> | null
  HostConfig?: { NetworkMode?: string }
  Ports?: Array<{ PrivatePort: number, PublicPort?: number, Type: string }>
}

export interface ContainerDetails {
  Id: string
  Name: string
  State: {
    Status: string
    Running: boolean
    ExitCode: number
    Error?: string
    Health?: { Status: string, Log?: Array<{ ExitCode: number, Output: string }> | null }
  }
  HostConfig?: { PortBindings?: Record<string, Array<{ HostIp?: string, HostPort?: string }> | null> | null }
}

export interface EngineEvent {
  Type?: string
  Action?: string
  Actor?: { ID?: string, Attributes?: Record<string, string> }
}

const CONTAINER_LIST: Shape = {
  what: 'a container list',
  schema: {
    type: 'array',
    items: {
      type: 'object',
      required: ['Id', 'Names', 'State'],
      properties: { Id: { type: 'string' }, Names: { type: 'array', items: { type: 'string' } }, State: { type: 'string' }, Labels: { type: ['object', 'null'] } }
    }
  }
}

const CONTAINER: Shape = {
  what: 'a container',
  schema: {
    type: 'object',
    required: ['Id', 'State'],
    properties: { Id: { type: 'string' }, State: { type: 'object', required: ['Status', 'Running'], properties: { Status: { type: 'string' }, Running: { type: 'boolean' } } } }
  }
}

const VERSION: Shape = {
  what: 'the engine version',
  schema: { type: 'object', required: ['ApiVersion'], properties: { ApiVersion: { type: 'string', pattern: '^\\d+\\.\\d+$' }, Version: { type: 'string' } } }
}

/** "1.41" < "1.9" as numbers, not as text. */
export function compareVersions (a: string, b: string): number {
  const [aMajor, aMinor] = a.split('.').map(Number)
  const [bMajor, bMinor] = b.split('.').map(Number)
  return aMajor - bMajor || aMinor - bMinor
}

/** The version to speak with an engine whose newest is `engine`; throws when it is too old. */
export function negotiate (engine: string, engineVersion: string | undefined): string {
  if (compareVersions(engine, MIN_API_VERSION) < 0) {
    throw new Error(`the Docker engine${engineVersion === undefined ? '' : ` ${engineVersion}`} speaks API ${engine}; Paastis needs ${MIN_API_VERSION} or newer (Docker 1.13+): upgrade the engine`)
  }
  return compareVersions(engine, MAX_API_VERSION) > 0 ? MAX_API_VERSION : engine
}

/** What a connection error means for someone who reads it in the log. */
export function connectionProblem (err: NodeJS.ErrnoException, endpoint: DockerEndpoint): string {
  const where = endpoint.host
  switch (err.code) {
    case 'ENOENT':
      return `the Docker socket ${socketPath(where)} does not exist: is the engine running, and is it mounted into Paastis's container? (DOCKER_HOST names another)`
    case 'EACCES':
      return `permission denied on ${socketPath(where)}: run Paastis as root or as a member of the socket's group (docker), or give it a socket proxy (README, Docker)`
    case 'ECONNREFUSED':
      return `nothing answers at ${where}: is dockerd running?`
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'ABORT_ERR':
    case 'UND_ERR_ABORTED':
      return `the Docker engine at ${where} did not answer in time`
    default:
      return `the Docker engine at ${where} could not be reached: ${err.message}`
  }
}

function socketPath (host: string): string {
  return host.startsWith('unix://') ? host.slice('unix://'.length) : host
}

/** An undici pool for an endpoint; a malformed DOCKER_HOST is refused with the forms it may take. */
export function poolFor (endpoint: DockerEndpoint, connections: number): Pool {
  const { host } = endpoint
  if (host.startsWith('unix://') && host.length > 'unix://'.length) {
    return new Pool('http://docker', { socketPath: socketPath(host), connections })
  }
  const tcp = /^tcp:\/\/([^/\s]+)$/.exec(host)
  if (tcp === null) throw new Error(`DOCKER_HOST "${host}" is neither unix:///path/to/docker.sock nor tcp://host:port`)
  if (!endpoint.tlsVerify) return new Pool(`http://${tcp[1]}`, { connections })
  const certs = endpoint.certPath ?? path.join(process.env.HOME ?? '/root', '.docker')
  const read = (file: string): Buffer => {
    try {
      return readFileSync(path.join(certs, file))
    } catch (err) {
      throw new Error(`DOCKER_TLS_VERIFY is set but ${path.join(certs, file)} cannot be read (${(err as Error).message}): set DOCKER_CERT_PATH to the folder of ca.pem, cert.pem and key.pem`)
    }
  }
  return new Pool(`https://${tcp[1]}`, { connections, connect: { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') } })
}

interface Call {
  method: Dispatcher.HttpMethod
  path: string
  operation: string
  app?: string
  /** Added to the deadline (a stop waits for the container's own timeout). */
  extraMs?: number
  expect?: Shape
}

export class DockerEngine {
  private readonly client: Pool
  /** The event stream holds its connection for as long as it lasts: it has its own. */
  private readonly stream: Pool
  private version: Promise<string> | undefined

  constructor (private readonly options: DockerEngineOptions) {
    this.client = poolFor(options, 8)
    this.stream = poolFor(options, 1)
  }

  get host (): string {
    return this.options.host
  }

  /** Containers carrying `label` (`key=value`), running or not. */
  async containers (label: string): Promise<ContainerSummary[]> {
    const filters = encodeURIComponent(JSON.stringify({ label: [label] }))
    const { body } = await this.call({ method: 'GET', path: `/containers/json?all=1&filters=${filters}`, operation: 'list', expect: CONTAINER_LIST })
    return body as ContainerSummary[]
  }

  async inspect (id: string, operation: string, app?: string): Promise<ContainerDetails> {
    const { body } = await this.call({ method: 'GET', path: `/containers/${encodeURIComponent(id)}/json`, operation, app, expect: CONTAINER })
    return body as ContainerDetails
  }

  /** Starts a container; one already running is fine (304). */
  async start (id: string, app: string): Promise<void> {
    await this.call({ method: 'POST', path: `/containers/${encodeURIComponent(id)}/start`, operation: 'start', app })
  }

  /** Stops a container like `docker stop -t`: SIGTERM, then SIGKILL after `timeoutS`; a stopped one is fine (304). */
  async stop (id: string, app: string, timeoutS: number): Promise<void> {
    await this.call({ method: 'POST', path: `/containers/${encodeURIComponent(id)}/stop?t=${timeoutS}`, operation: 'stop', app, extraMs: timeoutS * 1000 })
  }

  /**
   * The engine's event stream for containers carrying `label`, until it ends or `signal` aborts.
   * `opened` is called once the engine accepted it (what happened before is not in it).
   */
  async events (label: string, signal: AbortSignal, opened: () => void, seen: (event: EngineEvent) => void): Promise<void> {
    const version = await this.negotiated('events')
    const filters = encodeURIComponent(JSON.stringify({ type: ['container'], label: [label] }))
    let response: Dispatcher.ResponseData
    try {
      // A quiet engine sends nothing for hours: the stream has no body deadline, only its opening.
      response = await this.stream.request({ method: 'GET', path: `/v${version}/events?filters=${filters}`, signal, headersTimeout: this.options.timeoutMs, bodyTimeout: 0 })
    } catch (err) {
      throw this.unreachable(err, 'events')
    }
    if (response.statusCode !== 200) {
      const text = await response.body.text().catch(() => '')
      throw new ProviderError('docker', 'events', undefined, `HTTP ${response.statusCode}: ${messageOf(text)}`, response.statusCode)
    }
    opened()
    let rest = ''
    try {
      for await (const chunk of response.body) {
        rest += (chunk as Buffer).toString('utf8')
        // A line longer than any event is not one: the stream is dropped and opened again.
        if (rest.length > 1024 * 1024) throw new Error('an event longer than 1 MiB')
        let end = rest.indexOf('\n')
        while (end >= 0) {
          const line = rest.slice(0, end).trim()
          rest = rest.slice(end + 1)
          if (line !== '') {
            let event: unknown
            try {
              event = JSON.parse(line)
            } catch {
              event = undefined
            }
            if (event !== null && typeof event === 'object' && !Array.isArray(event)) seen(event as EngineEvent)
          }
          end = rest.indexOf('\n')
        }
      }
    } catch (err) {
      if (signal.aborted) return
      throw this.unreachable(err, 'events')
    }
  }

  async close (): Promise<void> {
    await Promise.all([this.client.destroy(), this.stream.destroy()]).catch(() => {})
  }

  /** The API version to use, asked once (again after a failure: the engine may be back). */
  private async negotiated (operation: string): Promise<string> {
    this.version ??= this.askVersion(operation)
    try {
      return await this.version
    } catch (err) {
      this.version = undefined
      throw err
    }
  }

  private async askVersion (operation: string): Promise<string> {
    const { body } = await this.raw({ method: 'GET', path: '/version', operation, expect: VERSION })
    const found = body as { ApiVersion: string, Version?: string }
    try {
      return negotiate(found.ApiVersion, found.Version)
    } catch (err) {
      throw new ProviderError('docker', operation, undefined, (err as Error).message)
    }
  }

  private async call (call: Call): Promise<{ status: number, body: unknown }> {
    const version = await this.negotiated(call.operation)
    return await this.raw({ ...call, path: `/v${version}${call.path}` })
  }

  private async raw (call: Call): Promise<{ status: number, body: unknown }> {
    const deadline = this.options.timeoutMs + (call.extraMs ?? 0)
    let status: number
    let text: string
    try {
      const response = await this.client.request({
        method: call.method,
        path: call.path,
        headersTimeout: deadline,
        bodyTimeout: deadline,
        signal: AbortSignal.timeout(deadline)
      })
      status = response.statusCode
      text = await response.body.text()
    } catch (err) {
      throw this.unreachable(err, call.operation, call.app)
    }
    if (status === 304) return { status, body: undefined }
    if (status >= 400) throw new ProviderError('docker', call.operation, call.app, `HTTP ${status}: ${messageOf(text)}`, status)
    let body: unknown
    try {
      body = text === '' ? undefined : JSON.parse(text)
    } catch {
      throw new ProviderError('docker', call.operation, call.app, `answered ${status} with something that is not JSON: \`${text.slice(0, 80)}\``, status)
    }
    if (call.expect !== undefined) {
      const wrong = shapeError(call.expect, body)
      if (wrong !== undefined) throw new ProviderError('docker', call.operation, call.app, `answered ${status} with JSON that is not ${call.expect.what} (${wrong})`, status)
    }
    return { status, body }
  }

  private unreachable (err: unknown, operation: string, app?: string): ProviderError {
    if (err instanceof ProviderError) return err
    const cause = (err as { cause?: NodeJS.ErrnoException }).cause
    // AbortSignal.timeout's error carries no code, only its name.
    const code = (err as Error).name === 'TimeoutError' ? 'ABORT_ERR' : (err as NodeJS.ErrnoException).code ?? cause?.code
    const problem = connectionProblem({ ...(err as NodeJS.ErrnoException), message: (err as Error).message, code }, this.options)
    return new ProviderError('docker', operation, app, problem)
  }
}

/** The engine's own words (`{"message": "No such container: web"}`), bounded. */
function messageOf (text: string): string {
  try {
    const parsed = JSON.parse(text) as { message?: unknown }
    if (typeof parsed.message === 'string') return parsed.message.slice(0, 300)
  } catch {}
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f]+/g, ' ').trim().slice(0, 120) || 'no details'
}
