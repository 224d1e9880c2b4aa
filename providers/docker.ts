// The `docker` provider: containers of a Docker Engine that opted in with `paastis.enable=true`
// (nothing unlabelled is listed, so nothing unlabelled is touched). One app per container, or per
// `paastis.group` (its members start and stop together; the member with `paastis.port` serves).
// State comes from one listing per check; outside changes from the engine's event stream, which
// asks for a listing at once and is opened again when it drops. A container with a HEALTHCHECK
// is started once it reports healthy; one without, once the lifecycle's HTTP probe passes.
import { setTimeout as sleep } from 'node:timers/promises'
import type { AppRecord, Formation } from '../lib/core/app-record'
import { asAppKey, ENABLE_LABEL, readContainerLabels, refusalRule, type ContainerLabels } from '../lib/config/container-labels'
import type { Logger } from '../lib/common/logger'
import { ProviderError, type Provider, type ProviderApp, type ProviderState } from '../lib/core/provider'
import type { ContainerDetails, ContainerSummary, DockerEngine, EngineEvent } from './docker-engine'

export interface DockerProviderOptions {
  engine: DockerEngine
  log: Logger
  /** The network on which Paastis reaches containers by name, unless a label names another. */
  network?: string
  /** The address of the Docker host, for host-network containers and published ports. */
  hostAddress: string
  /** `docker stop -t`: seconds between SIGTERM and SIGKILL. */
  stopTimeoutS: number
  /** How long a start may wait for a HEALTHCHECK to pass. */
  operationTimeoutMs: number
  /** Something changed outside Paastis: list again now. Without it, no event stream is opened. */
  changed?: () => void
}

interface Member {
  summary: ContainerSummary
  labels: ContainerLabels
  /** The container's name, without Docker's leading slash. */
  name: string
}

interface DockerApp {
  key: string
  members: Member[]
  /** The member that serves HTTP (`paastis.port`). */
  entry?: Member
}

/** How often a start reads a HEALTHCHECK's status (a local call, about a millisecond). */
const HEALTH_POLL_MS = 100
const EVENTS_FIRST_PAUSE_MS = 100
const EVENTS_MAX_PAUSE_MS = 5000

export class DockerProvider implements Provider {
  readonly name = 'docker'
  private apps = new Map<string, DockerApp>()
  /** Published host ports of stopped containers, read once per container (they never change). */
  private readonly bindings = new Map<string, ContainerDetails['HostConfig']>()
  /**
   * Each container's state as its last event tells, while the stream is open: the engine answers
   * a listing made on a `die` event with the container still running, so the event is believed.
   */
  private readonly told = new Map<string, { running: boolean, exit?: string }>()
  private readonly watching = new AbortController()
  private readonly watcher: Promise<void>

  constructor (private readonly options: DockerProviderOptions) {
    this.watcher = options.changed === undefined ? Promise.resolve() : this.watch(options.changed)
  }

  async list (): Promise<ProviderApp[]> {
    const containers = await this.options.engine.containers(ENABLE_LABEL)
    const apps = new Map<string, DockerApp>()
    const problems = new Map<string, string>()
    for (const summary of containers) {
      const told = this.told.get(summary.Id)
      if (told !== undefined) summary.State = told.running ? 'running' : 'exited'
      const name = (summary.Names[0] ?? summary.Id.slice(0, 12)).replace(/^\//, '')
      const labels = summary.Labels ?? {}
      const compose = labels['com.docker.compose.project'] !== undefined && labels['com.docker.compose.service'] !== undefined
        ? `${labels['com.docker.compose.project']}-${labels['com.docker.compose.service']}`
        : undefined
      const group = labels['paastis.group']
      const key = asAppKey(labels['paastis.name'] ?? group ?? compose ?? name)
      const member: Member = { summary, name, labels: readContainerLabels(labels, key) }
      const app = apps.get(key)
      if (app === undefined) {
        apps.set(key, { key, members: [member] })
      } else {
        app.members.push(member)
        if (group === undefined || app.members.some((other) => other.labels.group !== group)) {
          problems.set(key, `containers ${app.members.map((other) => other.name).join(' and ')} share the key "${key}" without one paastis.group: give each its own paastis.name, or put them in one group`)
        }
      }
    }
    const listed: ProviderApp[] = []
    for (const app of apps.values()) {
      listed.push(await this.describe(app, problems.get(app.key)))
    }
    this.apps = apps
    return listed
  }

  async start (record: AppRecord): Promise<void> {
    const app = this.app(record.name, 'start')
    // Helpers first (a database, a worker), then the member that serves.
    const helpers = app.members.filter((member) => member !== app.entry)
    await Promise.all(helpers.map(async (member) => { await this.startOne(member, record.name) }))
    if (app.entry !== undefined) {
      await this.startOne(app.entry, record.name)
      await this.healthy(app.entry, record.name)
    }
  }

  async stop (record: AppRecord): Promise<Formation | undefined> {
    // Removed, or no longer labelled: nothing of it runs that Paastis may stop.
    const app = this.apps.get(record.name)
    if (app === undefined) return undefined
    // The member that serves first: no request reaches a half-stopped group.
    if (app.entry !== undefined) await this.stopOne(app.entry, record.name)
    await Promise.all(app.members.filter((member) => member !== app.entry).map(async (member) => { await this.stopOne(member, record.name) }))
    return undefined
  }

  failure (record: AppRecord): string | undefined {
    const app = this.apps.get(record.name)
    for (const member of app?.members ?? []) {
      const exit = this.told.get(member.summary.Id)?.exit
      if (exit !== undefined) return `container ${member.name} ${exit}`
    }
    return undefined
  }

  /** A container's last output is `docker logs`', not read by Paastis. */
  diagnose (): string | undefined {
    return undefined
  }

  async close (): Promise<void> {
    this.watching.abort()
    await this.watcher
    await this.options.engine.close()
  }

  private app (key: string, operation: string): DockerApp {
    const app = this.apps.get(key)
    if (app === undefined) throw new ProviderError(this.name, operation, key, 'its container was removed (docker rm) or lost its paastis.enable=true label: recreate it, or Paastis forgets the app at its next checks', 404)
    return app
  }

  /** The app as the registry sees it: its state, its address and its own rule. */
  private async describe (app: DockerApp, problem: string | undefined): Promise<ProviderApp> {
    const states = app.members.map((member) => member.summary.State)
    const running = states.filter((state) => state === 'running').length
    const state: ProviderState = running === states.length ? 'running' : running === 0 ? 'stopped' : 'failed'
    const listed: ProviderApp = {
      name: app.key,
      providerId: app.members.map((member) => member.summary.Id.slice(0, 12)).join(','),
      state
    }
    if (state === 'failed') listed.detail = `stopped members: ${app.members.filter((member) => member.summary.State !== 'running').map((member) => member.name).join(', ')}`
    const refuse = (reason: string): ProviderApp => ({ ...listed, rule: refusalRule(reason) })
    if (problem !== undefined) return refuse(problem)
    const broken = app.members.find((member) => member.labels.error !== undefined)
    if (broken !== undefined) return refuse(`container ${broken.name}: ${broken.labels.error as string}`)
    const serving = app.members.filter((member) => member.labels.port !== undefined)
    if (serving.length === 0) return refuse(`no container of "${app.key}" has a paastis.port label: the port its HTTP server listens on`)
    if (serving.length > 1) return refuse(`containers ${serving.map((member) => member.name).join(' and ')} of group "${app.key}" both have paastis.port: a group has one member that serves`)
    app.entry = serving[0]
    const upstream = await this.upstreamOf(app.entry, app.key)
    if ('problem' in upstream) return refuse(upstream.problem)
    listed.upstream = upstream.url
    if (app.entry.labels.rule !== undefined) listed.rule = app.entry.labels.rule
    return listed
  }

  /**
   * Where the serving member answers, known before it starts: by name on a shared network, on the
   * host's address for the host network, or on a fixed published port.
   */
  private async upstreamOf (member: Member, key: string): Promise<{ url: string } | { problem: string }> {
    const port = member.labels.port as number
    const network = member.labels.network ?? this.options.network
    if (network !== undefined) return { url: `http://${member.name}:${port}` }
    if (member.summary.HostConfig?.NetworkMode === 'host') return { url: `http://${this.options.hostAddress}:${port}` }
    const published = member.summary.Ports?.find((binding) => binding.PrivatePort === port && binding.Type === 'tcp' && binding.PublicPort !== undefined)
    if (published?.PublicPort !== undefined) return { url: `http://${this.options.hostAddress}:${published.PublicPort}` }
    let config = this.bindings.get(member.summary.Id)
    if (config === undefined) {
      config = (await this.options.engine.inspect(member.summary.Id, 'list', key)).HostConfig ?? {}
      this.bindings.set(member.summary.Id, config)
    }
    const hostPort = config.PortBindings?.[`${port}/tcp`]?.[0]?.HostPort
    if (hostPort !== undefined && /^\d+$/.test(hostPort)) return { url: `http://${this.options.hostAddress}:${hostPort}` }
    return { problem: `container ${member.name}: Paastis cannot know its address before it starts: publish paastis.port on a fixed host port (-p 8080:${port}), run it on the host network, or name a network Paastis shares with it (paastis.network)` }
  }

  private async startOne (member: Member, app: string): Promise<void> {
    try {
      await this.options.engine.start(member.summary.Id, app)
      // Its previous exit is not why this start would fail (the `start` event may come later).
      this.told.set(member.summary.Id, { running: true })
    } catch (err) {
      throw this.explain(err, member, 'start', app)
    }
  }

  private async stopOne (member: Member, app: string): Promise<void> {
    try {
      await this.options.engine.stop(member.summary.Id, app, this.options.stopTimeoutS)
    } catch (err) {
      // Removed: there is nothing left to stop.
      if (err instanceof ProviderError && err.statusCode === 404) return
      throw this.explain(err, member, 'stop', app)
    }
  }

  /** Resolves once a HEALTHCHECK reports healthy (at once without one); throws if it never will. */
  private async healthy (member: Member, app: string): Promise<void> {
    const deadline = Date.now() + this.options.operationTimeoutMs
    for (;;) {
      let details: ContainerDetails
      try {
        details = await this.options.engine.inspect(member.summary.Id, 'start', app)
      } catch (err) {
        throw this.explain(err, member, 'start', app)
      }
      const { State: state } = details
      if (!state.Running) throw new ProviderError(this.name, 'start', app, `container ${member.name} exited with code ${state.ExitCode}${state.Error === undefined || state.Error === '' ? '' : ` (${state.Error})`}`)
      const health = state.Health?.Status
      if (health === undefined || health === 'none' || health === 'healthy') return
      if (health === 'unhealthy') {
        const output = state.Health?.Log?.at(-1)?.Output.trim().slice(0, 200)
        throw new ProviderError(this.name, 'start', app, `container ${member.name}'s HEALTHCHECK reports unhealthy${output === undefined || output === '' ? '' : `: ${output}`}`)
      }
      if (Date.now() >= deadline) throw new ProviderError(this.name, 'start', app, `container ${member.name}'s HEALTHCHECK was not healthy within ${this.options.operationTimeoutMs / 1000} s (PROVIDER_DOCKER_OPERATION_TIMEOUT)`)
      await sleep(HEALTH_POLL_MS)
    }
  }

  /** The engine's 404s and 500s, in what an operator does about them. */
  private explain (err: unknown, member: Member, operation: string, app: string): Error {
    if (!(err instanceof ProviderError)) return err as Error
    if (/no such container/i.test(err.message)) {
      return new ProviderError(this.name, operation, app, `container ${member.name} was removed (docker rm): recreate it, or Paastis forgets the app at its next checks`, 404)
    }
    if (/no such image|image .*not found|unable to find image/i.test(err.message)) {
      return new ProviderError(this.name, operation, app, `the image of container ${member.name} (${member.summary.Image}) no longer exists: pull or build it again, then recreate the container`, err.statusCode)
    }
    return err
  }

  /** The event stream, for as long as the provider lives; every drop is followed by a listing. */
  private async watch (changed: () => void): Promise<void> {
    const { signal } = this.watching
    let pause = EVENTS_FIRST_PAUSE_MS
    let down: string | undefined
    while (!signal.aborted) {
      try {
        await this.options.engine.events(ENABLE_LABEL, signal, () => {
          if (down !== undefined) this.options.log.info('the Docker event stream is open again')
          down = undefined
          pause = EVENTS_FIRST_PAUSE_MS
          this.told.clear()
          // What happened while it was closed is not in the stream: one listing tells.
          changed()
        }, (event) => { this.seen(event, changed) })
      } catch (err) {
        const message = (err as Error).message
        if (down !== message) this.options.log.warn(`the Docker event stream: ${message}; opening it again (outside changes are seen at the next check until then)`)
        down = message
      }
      if (signal.aborted) return
      await sleep(pause, undefined, { signal }).catch(() => {})
      pause = Math.min(pause * 2, EVENTS_MAX_PAUSE_MS)
    }
  }

  private seen (event: EngineEvent, changed: () => void): void {
    const action = event.Action ?? ''
    const id = event.Actor?.ID
    if (id !== undefined) {
      if (action === 'die') {
        const code = event.Actor?.Attributes?.exitCode
        this.told.set(id, { running: false, exit: code === undefined ? 'exited' : `exited with code ${code}` })
      }
      if (action === 'start' || action === 'unpause') this.told.set(id, { running: true })
      if (action === 'destroy') this.told.delete(id)
    }
    if (['start', 'die', 'stop', 'kill', 'destroy', 'create', 'pause', 'unpause'].includes(action) || action.startsWith('health_status')) changed()
  }
}
