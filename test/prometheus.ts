// A real Prometheus for a test (Debian's `prometheus`, installed by test/preflight.sh): its own
// free port and data folder, the configuration the test gives, stopped with the test. A port
// found free may be taken before Prometheus binds it: then it exits, and another port is tried.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Test } from 'tap'
import { eventually, freePort } from './helper'

export interface QueryResult {
  status: string
  error?: string
  data?: { resultType: string, result: Array<{ metric: Record<string, string>, value: [number, string] }> }
}

export interface PrometheusServer {
  url: string
  /** An instant query (/api/v1/query), answered within 5 s. */
  query(expr: string): Promise<QueryResult>
}

export async function startPrometheus (t: Test, config: string, files: Record<string, string> = {}): Promise<PrometheusServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'paastis-prometheus-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(path.join(dir, 'prometheus.yml'), config)
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text)
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    const child = spawn('prometheus', [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn'
    ], { stdio: ['ignore', 'ignore', 'pipe'] })
    let said = ''
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { said = (said + chunk).slice(-2000) })
    const spawned = await Promise.race([once(child, 'spawn').then(() => true), once(child, 'error').then(() => false)])
    if (!spawned) throw new Error('prometheus is missing: apt-get install -y prometheus (test/preflight.sh does)')
    t.teardown(async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = once(child, 'exit')
      child.kill('SIGTERM')
      await exited
    })
    const url = `http://127.0.0.1:${port}`
    const ready = await eventually(async () => {
      if (child.exitCode !== null) return true
      const answer = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined)
      return answer?.status === 200
    }, 30_000)
    if (child.exitCode === null && ready) {
      return {
        url,
        async query (expr) {
          const answer = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`, { signal: AbortSignal.timeout(5000) })
          return await answer.json() as QueryResult
        }
      }
    }
    if (child.exitCode === null) throw new Error(`prometheus did not get ready within 30 s: ${said}`)
    if (!/address already in use/.test(said) || attempt === 5) throw new Error(`prometheus exited (${child.exitCode}): ${said}`)
  }
}
