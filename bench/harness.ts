// What every bench shares: the processes it starts (each killed at the end), free ports, the
// CPU time a process has used, medians.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { request } from 'undici'

export const QUICK = process.argv.includes('--quick')
export const DIST = path.join(__dirname, '..')
export const TOKEN = 'bench-token'
/** The app every bench proxies to (`upstream.ts`). */
export const UPSTREAM_SCRIPT = path.join(DIST, 'bench', 'upstream.js')
export const work = mkdtempSync(path.join(os.tmpdir(), 'paastis-bench-'))
const children: ChildProcess[] = []

export async function freePort (): Promise<number> {
  return await new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

export interface Child { port: number, process: ChildProcess, output: () => string }

/** Keeps a process to kill at the end, whatever happens. */
export function track (child: ChildProcess): ChildProcess {
  children.push(child)
  return child
}

export async function start (script: string, env: Record<string, string>, args: string[] = []): Promise<Child> {
  const port = Number(env.PORT ?? await freePort())
  const child = track(spawn(process.execPath, [...args, script], {
    env: { PATH: process.env.PATH, LOG_FORMAT: 'json', LOG_LEVEL: 'warn', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe']
  }))
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const until = Date.now() + 20_000
  while (!await listening(port)) {
    if (Date.now() > until || child.exitCode !== null) throw new Error(`${path.basename(script)} did not start:\n${output}`)
    await sleep(50)
  }
  return { port, process: child, output: () => output }
}

export async function listening (port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => { socket.end(); resolve(true) })
    socket.on('error', () => resolve(false))
  })
}

export async function stop (child: Child | undefined): Promise<void> {
  if (child === undefined || child.process.exitCode !== null) return
  const exited = new Promise((resolve) => child.process.once('exit', resolve))
  child.process.kill('SIGTERM')
  await Promise.race([exited, sleep(10_000)])
  child.process.kill('SIGKILL')
}

export function rssKb (child: Child): number {
  const status = readFileSync(`/proc/${child.process.pid ?? 0}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN)
}

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ: 100 on Linux everywhere). */
const TICKS_PER_SECOND = 100

function ticks (pid: number): { ppid: number, cpu: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command name (which may hold spaces) start at field 3: ppid is 4, utime and stime 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return { ppid: Number(fields[1]), cpu: Number(fields[11]) + Number(fields[12]) }
}

/** CPU time (user + system) used so far by the process and its children (nginx's worker), in ms, from /proc. */
export function cpuMs (pid: number): number {
  let total = ticks(pid).cpu
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === pid) continue
    try {
      const other = ticks(Number(entry))
      if (other.ppid === pid) total += other.cpu
    } catch {} // gone since the listing
  }
  return total * 1000 / TICKS_PER_SECOND
}

/** Wall-clock time in ms with sub-ms digits, comparable between processes (performance.timeOrigin is epoch-based). */
export const nowMs = (): number => performance.timeOrigin + performance.now()

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor((sorted.length - 1) / 2)]
}

export const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]
}

export async function paastis (env: Record<string, string>): Promise<Child> {
  return await start(path.join(DIST, 'server.js'), { HOST: '127.0.0.1', ROUTING_SYSTEM_API_TOKEN: TOKEN, START_AND_STOP_CHECKING_INTERVAL_CRON: '0 0 1 1 *', ...env })
}

export async function admin (proxy: Child, method: 'POST' | 'GET', url: string): Promise<void> {
  const response = await request(`http://127.0.0.1:${proxy.port}${url}`, { method, headers: { host: 'localhost', authorization: `Bearer ${TOKEN}` } })
  await response.body.dump()
}

export function cleanup (): void {
  for (const child of children) child.kill('SIGKILL')
  rmSync(work, { recursive: true, force: true })
}

export const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
