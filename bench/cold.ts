// The cold path beside its floor, in one run: an app that boots in 500 ms, woken through Paastis,
// and the same app started directly with a client that knows its port and asks it again every
// 1 ms, twenty times each, interleaved (what no proxy can beat: the app's own cold first answer). Both are timed from the app's
// own listen (written by the app, sub-millisecond wall clock) to the client's first byte.
import { spawn } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Client, request } from 'undici'
import { admin, freePort, median, nowMs, paastis, percentile, QUICK, stop, track, UPSTREAM_SCRIPT, work } from './harness'

export interface ColdResult {
  wakes: number
  /** Listen → first byte through Paastis: median and worst. */
  paastisMs: { median: number, worst: number }
  /** Listen → first byte of a client retrying every 1 ms: median and worst. */
  floorMs: { median: number, worst: number }
  /** Request → first byte through Paastis, app booting in 500 ms (median). */
  wakeMs: number
  /** Every sample, in order: through Paastis and the floor. */
  samples: { paastis: number[], floor: number[] }
  burst: { requests: number, ok: number, starts: number, p99Ms: number }
}

const BOOT_MS = 500

const readyAt = (file: string): number => Number(readFileSync(file, 'utf8'))

/** The app started by hand and asked every 1 ms until it answers: ms from its listen to the first byte. */
async function floor (port: number, readyFile: string): Promise<number> {
  rmSync(readyFile, { force: true })
  const app = track(spawn(process.execPath, [UPSTREAM_SCRIPT], { env: { PATH: process.env.PATH, PORT: String(port), READY_DELAY_MS: String(BOOT_MS), READY_FILE: readyFile }, stdio: 'ignore' }))
  const exited = new Promise((resolve) => app.once('exit', resolve))
  let firstByte: number | undefined
  const until = Date.now() + 20_000
  while (firstByte === undefined && Date.now() < until) {
    // A new connection each time, as a client that does not know whether anything listens.
    const client = new Client(`http://127.0.0.1:${port}`)
    try {
      const response = await client.request({ path: '/', method: 'GET' })
      firstByte = nowMs()
      await response.body.dump()
    } catch {
      await sleep(1)
    } finally {
      await client.close().catch(() => {})
    }
  }
  app.kill('SIGTERM')
  await exited
  if (firstByte === undefined) throw new Error('the floor app never answered')
  return firstByte - readyAt(readyFile)
}

export async function cold (): Promise<ColdResult> {
  const appPort = await freePort()
  const floorPort = await freePort()
  const readyFile = path.join(work, 'ready')
  const floorReadyFile = path.join(work, 'floor-ready')
  const startLog = path.join(work, 'starts')
  const configFile = path.join(work, 'cold.yml')
  writeFileSync(configFile, `apps:\n  - name: cold\n    run: node ${JSON.stringify(UPSTREAM_SCRIPT)}\n    port: ${appPort}\n` +
    `    env: { READY_DELAY_MS: '${BOOT_MS}', READY_FILE: ${JSON.stringify(readyFile)}, START_LOG: ${JSON.stringify(startLog)} }\n`)
  const proxy = await paastis({ PAASTIS_CONFIG_FILE: configFile })
  const through: number[] = []
  const floors: number[] = []
  const wakes: number[] = []
  const wakeCount = QUICK ? 2 : 20
  // Interleaved, so that both see the same machine.
  for (let i = 0; i < wakeCount; i++) {
    floors.push(await floor(floorPort, floorReadyFile))
    await admin(proxy, 'POST', '/apps/cold/stop')
    rmSync(readyFile, { force: true })
    const begin = nowMs()
    const response = await request(`http://127.0.0.1:${proxy.port}/`, { headers: { host: 'cold.localhost' } })
    const firstByte = nowMs()
    await response.body.dump()
    through.push(firstByte - readyAt(readyFile))
    wakes.push(firstByte - begin)
  }
  await admin(proxy, 'POST', '/apps/cold/stop')
  rmSync(startLog, { force: true })
  const burst = QUICK ? 200 : 1000
  const latencies = await Promise.all(Array.from({ length: burst }, async () => {
    const begin = Date.now()
    const response = await request(`http://127.0.0.1:${proxy.port}/`, { headers: { host: 'cold.localhost' } })
    await response.body.dump()
    return { ms: Date.now() - begin, ok: response.statusCode === 200 }
  }))
  const starts = readFileSync(startLog, 'utf8').trim().split('\n').length
  await stop(proxy)
  return {
    wakes: wakeCount,
    paastisMs: { median: median(through), worst: Math.max(...through) },
    floorMs: { median: median(floors), worst: Math.max(...floors) },
    wakeMs: median(wakes),
    samples: { paastis: through, floor: floors },
    burst: { requests: burst, ok: latencies.filter((l) => l.ok).length, starts, p99Ms: percentile(latencies.map((l) => l.ms), 0.99) }
  }
}
