// Runs an operator's shell command. Values from outside (app names, URLs) travel in environment
// variables only, never inside the command string.
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { childEnv } from '../config/config-schema'
import type { Logger } from '../common/logger'

export interface ShellResult {
  code: number | null
  signal: NodeJS.Signals | null
  timedOut: boolean
}

export interface ShellOptions {
  cwd?: string
  env: Record<string, string>
  timeoutMs: number
  log: Logger
  /** Fields added to every line of output logged. */
  logFields: Record<string, string>
}

/** Logs each line of a child's stdout and stderr. */
export function pipeOutput (stream: NodeJS.ReadableStream | null, log: Logger, fields: Record<string, unknown>, onLine?: (line: string) => void): void {
  if (stream === null) return
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
    log.info(fields, line)
    if (line.trim() !== '') onLine?.(line)
  })
}

/**
 * The one way Paastis starts a process: `/bin/sh -c` with the given command, Paastis's own
 * secrets left out of its environment, output piped, in a process group of its own so that a
 * signal reaches the shell and everything it started.
 */
export function spawnShell (command: string, cwd: string | undefined, env: Record<string, string>): ChildProcess {
  return spawn('/bin/sh', ['-c', command], { cwd, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'], detached: true })
}

/** Runs a command to its end (or its timeout), its output logged line by line. */
export function runShell (command: string, options: ShellOptions): Promise<ShellResult> {
  return new Promise((resolve) => {
    const child = spawnShell(command, options.cwd, options.env)
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      killGroup(child.pid, 'SIGKILL')
    }, options.timeoutMs)
    pipeOutput(child.stdout, options.log, { ...options.logFields, stream: 'stdout' })
    pipeOutput(child.stderr, options.log, { ...options.logFields, stream: 'stderr' })
    child.on('error', (err) => {
      clearTimeout(timer)
      options.log.error({ ...options.logFields, err }, 'command could not be run')
      resolve({ code: null, signal: null, timedOut })
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, timedOut })
    })
  })
}

/** Signals a whole process group (a shell and what it started); false when none is left. */
export function killGroup (pid: number | undefined, signal: NodeJS.Signals | 0): boolean {
  if (pid === undefined) return false
  try {
    process.kill(-pid, signal)
    return true
  } catch {
    return false
  }
}
