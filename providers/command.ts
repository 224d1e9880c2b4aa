// The `command` provider: apps that are local processes or services, declared in paastis.yml.
// - `run`: a long-running command Paastis spawns (PORT set) and stops with SIGTERM, then SIGKILL
//   after a grace period. Its output goes to the log under the app's name.
// - `start`/`stop`/`status`: commands for services managed elsewhere; `status` exits 0 when running.
import type { ChildProcess } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import type { AppRecord, Formation } from '../lib/core/app-record'
import type { Logger } from '../lib/common/logger'
import type { CommandAppSpec } from '../lib/config/command-app'
import { runsCommand, type PidFiles } from '../lib/processes/pid-files'
import { waitWhile } from '../lib/common/poll'
import { SingleFlight } from '../lib/common/single-flight'
import { killGroup, pipeOutput, runShell, spawnShell } from '../lib/processes/shell'
import { ProviderError, type Provider, type ProviderApp } from '../lib/core/provider'

export interface CommandProviderOptions {
  log: Logger
  /** How long a stopped process may take to exit before SIGKILL. */
  stopGraceMs: number
  /** Timeout of the start/stop/status commands. */
  commandTimeoutMs: number
  /** Where the pid files of spawned processes are kept (found again after a crash). */
  pidFiles?: PidFiles
}

interface Spawned {
  child: ChildProcess
  exit?: string
  exited: Promise<void>
  /** The last line the process wrote to stderr (why it failed, most often). */
  lastError?: string
}

export class CommandProvider implements Provider {
  readonly name = 'command'
  private readonly specs = new Map<string, CommandAppSpec>()
  private readonly processes = new Map<string, Spawned>()
  /** The stops under way: a start waits for its app's, or it would race the rest of the group. */
  private readonly terminating = new SingleFlight<void>()

  constructor (specs: CommandAppSpec[], private readonly options: CommandProviderOptions) {
    for (const spec of specs) this.specs.set(spec.name, spec)
  }

  /**
   * However Paastis exits (a second SIGTERM, a crash, a hung shutdown ended), what it spawned
   * does not outlive it: the exit handler can only act synchronously, so it kills.
   */
  private readonly killOnExit = (): void => {
    for (const spawned of this.processes.values()) {
      if (spawned.exit === undefined) killGroup(spawned.child.pid, 'SIGKILL')
    }
  }

  /**
   * Stops the processes a previous Paastis spawned and could not stop (it was killed): they
   * would hold the apps' ports, and their next start would fail or run a second copy.
   */
  async recover (): Promise<void> {
    const { pidFiles, log } = this.options
    if (pidFiles === undefined) return
    for (const spec of this.specs.values()) {
      const left = pidFiles.read(spec.name)
      if (left === undefined) continue
      if (runsCommand(left.pid, left.command) && killGroup(left.pid, 0)) {
        log.warn({ app: spec.name, pid: left.pid, since: left.startedAt }, 'stopping the app process a previous Paastis left running')
        killGroup(left.pid, 'SIGTERM')
        await waitWhile(() => killGroup(left.pid, 0), 50, this.options.stopGraceMs)
        if (killGroup(left.pid, 'SIGKILL')) log.warn({ app: spec.name, pid: left.pid }, 'it did not stop in time: killed')
      }
      pidFiles.remove(spec.name)
    }
  }

  /**
   * A reloaded paastis.yml: its apps replace these. A changed app runs on with its old command
   * until its next stop; a removed one that Paastis spawned is stopped (nothing would stop it).
   */
  async setApps (specs: CommandAppSpec[]): Promise<void> {
    const next = new Map(specs.map((spec) => [spec.name, spec]))
    const removed = [...this.specs.keys()].filter((name) => !next.has(name))
    this.specs.clear()
    for (const [name, spec] of next) this.specs.set(name, spec)
    await Promise.all(removed.map(async (name) => { await this.terminate(name) }))
  }

  async list (): Promise<ProviderApp[]> {
    return Promise.all([...this.specs.values()].map(async (spec) => ({
      name: spec.name,
      state: await this.state(spec),
      upstream: upstreamOf(spec)
    })))
  }

  async start (app: AppRecord): Promise<void> {
    const spec = this.spec(app.name, 'start')
    if (spec.run !== undefined) {
      await this.terminating.get(spec.name)
      if (!this.isAlive(spec.name)) this.spawn(spec, spec.run)
      return
    }
    await this.command(spec, 'start', spec.start as string)
  }

  async stop (app: AppRecord): Promise<Formation | undefined> {
    const spec = this.spec(app.name, 'stop')
    if (spec.run !== undefined) {
      await this.terminate(spec.name)
    } else {
      await this.command(spec, 'stop', spec.stop as string)
    }
    return undefined
  }

  failure (app: AppRecord): string | undefined {
    const spec = this.specs.get(app.name)
    if (spec?.run === undefined) return undefined
    const spawned = this.processes.get(app.name)
    if (spawned === undefined) return 'the process is not running'
    return spawned.exit
  }

  async close (): Promise<void> {
    await Promise.all([...this.processes.keys()].map((name) => this.terminate(name)))
    process.off('exit', this.killOnExit)
  }

  diagnose (app: AppRecord): string | undefined {
    const line = this.processes.get(app.name)?.lastError
    return line === undefined ? undefined : `its last error output: ${line.slice(0, 500)}`
  }

  private spec (name: string, operation: string): CommandAppSpec {
    const spec = this.specs.get(name)
    if (spec === undefined) throw new ProviderError(this.name, operation, name, 'no such app in paastis.yml', 404)
    return spec
  }

  private isAlive (name: string): boolean {
    const spawned = this.processes.get(name)
    return spawned !== undefined && spawned.exit === undefined
  }

  private async state (spec: CommandAppSpec): Promise<ProviderApp['state']> {
    if (spec.run !== undefined) return this.isAlive(spec.name) ? 'running' : 'stopped'
    const result = await runShell(spec.status as string, this.shellOptions(spec, 'status'))
    return result.code === 0 ? 'running' : 'stopped'
  }

  private spawn (spec: CommandAppSpec, command: string): void {
    const log = this.options.log
    const env: Record<string, string> = { ...spec.env, PAASTIS_APP_NAME: spec.name }
    if (spec.port !== undefined) env.PORT = String(spec.port)
    // Its own process group, so that a stop reaches the shell and everything it started.
    const child = spawnShell(command, spec.cwd, env)
    const spawned: Spawned = {
      child,
      exited: new Promise((resolve) => {
        child.on('error', (err) => {
          spawned.exit = `could not be spawned: ${err.message}`
          resolve()
        })
        child.on('exit', (code, signal) => {
          spawned.exit = signal === null ? `the process exited with code ${code}` : `the process was killed by ${signal}`
          log.info({ app: spec.name, code, signal }, 'app process exited')
          resolve()
        })
      })
    }
    if (child.pid !== undefined) this.options.pidFiles?.write(spec.name, { pid: child.pid, command, startedAt: new Date().toISOString() })
    pipeOutput(child.stdout, log, { app: spec.name, stream: 'stdout' })
    pipeOutput(child.stderr, log, { app: spec.name, stream: 'stderr' }, (line) => { spawned.lastError = line })
    this.processes.set(spec.name, spawned)
    if (!process.listeners('exit').includes(this.killOnExit)) process.on('exit', this.killOnExit)
    log.info({ app: spec.name, pid: child.pid }, 'app process spawned')
  }

  private async terminate (name: string): Promise<void> {
    const spawned = this.processes.get(name)
    if (spawned !== undefined) await this.terminating.run(name, async () => { await this.end(name, spawned) })
  }

  /** SIGTERM to the group, SIGKILL after the grace period; then it is forgotten. */
  private async end (name: string, spawned: Spawned): Promise<void> {
    const pid = spawned.child.pid
    killGroup(pid, 'SIGTERM')
    const deadline = Date.now() + this.options.stopGraceMs
    const grace = new AbortController()
    await Promise.race([spawned.exited, sleep(this.options.stopGraceMs, undefined, { signal: grace.signal }).catch(() => {})])
    grace.abort()
    // The shell may be gone while what it started still runs: wait for the whole group.
    await waitWhile(() => killGroup(pid, 0), 50, Math.max(0, deadline - Date.now()))
    if (killGroup(pid, 'SIGKILL')) this.options.log.warn({ app: name }, 'app did not stop in time: killed')
    await spawned.exited
    // Only this process: a start that waited for this stop tracks its own.
    if (this.processes.get(name) === spawned) {
      this.processes.delete(name)
      this.options.pidFiles?.remove(name)
    }
  }

  private async command (spec: CommandAppSpec, operation: 'start' | 'stop', command: string): Promise<void> {
    const result = await runShell(command, this.shellOptions(spec, operation))
    if (result.code !== 0) {
      const why = result.timedOut ? 'timed out' : `exited with ${result.code ?? result.signal}`
      throw new ProviderError(this.name, operation, spec.name, `the ${operation} command ${why}`)
    }
  }

  private shellOptions (spec: CommandAppSpec, operation: string) {
    return {
      cwd: spec.cwd,
      env: { ...spec.env, PAASTIS_APP_NAME: spec.name },
      timeoutMs: this.options.commandTimeoutMs,
      log: this.options.log,
      logFields: { app: spec.name, command: operation }
    }
  }
}

function upstreamOf (spec: CommandAppSpec): string {
  return spec.upstream ?? `http://127.0.0.1:${spec.port}`
}
