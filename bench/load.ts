// The load generator: wrk when installed (a C program that leaves the CPU to the proxy measured),
// autocannon otherwise. Each load also reports the CPU time the measured process used for it.
import autocannon from 'autocannon'
import { execFileSync, spawn } from 'node:child_process'
import { cpuMs } from './harness'

export const CONNECTIONS = 50

export interface Load {
  rps: number
  p50: number
  p99: number
  errors: number
  requests: number
  /** CPU time (user + system) of the measured process per completed request, in µs; NaN without a pid. */
  cpuUsPerRequest: number
}

export function onPath (command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

export const WRK = onPath('wrk')

/** wrk's "Latency 1.23ms" and distribution lines, in milliseconds. */
function wrkMs (value: string, unit: string): number {
  const factor: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 }
  return Number(value) * (factor[unit] ?? 1)
}

type Measured = Omit<Load, 'cpuUsPerRequest'>

async function wrk (port: number, host: string, seconds: number): Promise<Measured> {
  const child = spawn('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', '-H', `Host: ${host}`, `http://127.0.0.1:${port}/`])
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  await new Promise((resolve) => child.on('exit', resolve))
  const p50 = /^\s+50%\s+([\d.]+)(us|ms|s|m)$/m.exec(output)
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s|m)$/m.exec(output)
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0)
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output)
  const socketErrors = socket === null ? 0 : socket.slice(1).reduce((sum, n) => sum + Number(n), 0)
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? 0),
    requests: Number(/(\d+) requests in/.exec(output)?.[1] ?? 0),
    p50: p50 === null ? NaN : wrkMs(p50[1], p50[2]),
    p99: p99 === null ? NaN : wrkMs(p99[1], p99[2]),
    errors: non2xx + socketErrors
  }
}

async function cannon (port: number, host: string, seconds: number): Promise<Measured> {
  const result = await autocannon({ url: `http://127.0.0.1:${port}/`, connections: CONNECTIONS, duration: seconds, headers: { host } })
  return { rps: result.requests.average, requests: result.requests.total, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx }
}

/** Loads the port for `seconds`; `pid`: the process whose CPU time each request is charged. */
export async function load (port: number, host: string, seconds: number, pid?: number): Promise<Load> {
  const before = pid === undefined ? NaN : cpuMs(pid)
  const measured = WRK ? await wrk(port, host, seconds) : await cannon(port, host, seconds)
  const used = pid === undefined ? NaN : cpuMs(pid) - before
  return { ...measured, cpuUsPerRequest: used * 1000 / measured.requests }
}
