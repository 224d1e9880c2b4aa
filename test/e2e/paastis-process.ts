// The built `paastis` command as a child process, its output kept: for the tests that need a real
// process (signals, kills, several replicas).
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import path from 'node:path'

export const SERVER = path.join(__dirname, '..', '..', 'dist', 'server.js')

export interface PaastisProcess {
  child: ChildProcess
  /** Everything it wrote so far, stdout and stderr. */
  output: () => string
  exit: Promise<number | null>
}

/** Runs `paastis ARGS` with only PATH, JSON logs and `env` in its environment. */
export function runPaastis (args: string[], env: Record<string, string>): PaastisProcess {
  const child = spawn(process.execPath, [SERVER, ...args], {
    env: { PATH: process.env.PATH, LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const exit = once(child, 'exit').then(([code]) => code as number | null)
  return { child, output: () => output, exit }
}
