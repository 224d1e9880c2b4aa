// A remote app's readiness: a PaaS router answers 502 while the app behind it boots. Here a fake
// router (this process) stands in front of an app that boots in 2–3 s; Paastis wakes it through
// the router and the bench times the app's own listen → the client's first byte, and counts the
// requests the router received during each wake: the readiness asks (Paastis's own probes, or the
// held request sent as the probe) and the request itself.
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { request } from 'undici'
import { admin, freePort, median, nowMs, paastis, QUICK, stop, UPSTREAM_SCRIPT, work } from './harness'

export interface RemoteResult {
  wakes: number
  bootMs: number[]
  /** App listening → client's first byte: median and worst. */
  afterReadyMs: { median: number, worst: number }
  /** Requests the router received per wake (median), and per second of boot. */
  probesPerWake: number
  probesPerSecond: number
}

/** The router: forwards to the app, or answers a 502 page while nothing listens (Scalingo's, Heroku's behaviour). */
async function router (appPort: number): Promise<{ port: number, probes: () => number, close: () => Promise<void> }> {
  let probes = 0
  const server = http.createServer((req, res) => {
    probes++
    const upstream = http.request({ host: '127.0.0.1', port: appPort, path: req.url, method: req.method, headers: req.headers })
    upstream.on('response', (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    upstream.on('error', () => {
      res.writeHead(502, { 'content-type': 'text/html' })
      res.end('<!doctype html><title>Application is starting</title><p>The application is booting, try again in a few seconds.</p>')
    })
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    probes: () => probes,
    close: async () => { server.closeAllConnections(); await new Promise((resolve) => server.close(resolve)) }
  }
}

export async function remote (): Promise<RemoteResult> {
  const appPort = await freePort()
  const front = await router(appPort)
  const readyFile = path.join(work, 'remote-ready')
  const configFile = path.join(work, 'remote.yml')
  const bootFile = path.join(work, 'remote-boot')
  // The boot time is read by the app at each start, so that wakes fall at different points of the probe schedule.
  writeFileSync(configFile, `apps:\n  - name: remote\n    run: READY_DELAY_MS=$(cat ${JSON.stringify(bootFile)}) exec node ${JSON.stringify(UPSTREAM_SCRIPT)}\n` +
    `    upstream: http://127.0.0.1:${front.port}\n    env: { PORT: '${appPort}', READY_FILE: ${JSON.stringify(readyFile)} }\n`)
  const proxy = await paastis({ PAASTIS_CONFIG_FILE: configFile })
  const boots = QUICK ? [1000] : [2000, 2230, 2470, 2710, 2950]
  const afterReady: number[] = []
  const probes: number[] = []
  for (const boot of boots) {
    await admin(proxy, 'POST', '/apps/remote/stop')
    writeFileSync(bootFile, String(boot))
    rmSync(readyFile, { force: true })
    const before = front.probes()
    const response = await request(`http://127.0.0.1:${proxy.port}/`, { headers: { host: 'remote.localhost' } })
    const firstByte = nowMs()
    await response.body.dump()
    if (response.statusCode !== 200) throw new Error(`the remote app answered ${response.statusCode} through Paastis`)
    afterReady.push(firstByte - Number(readFileSync(readyFile, 'utf8')))
    probes.push(front.probes() - before)
  }
  await stop(proxy)
  await front.close()
  const perWake = median(probes)
  return {
    wakes: boots.length,
    bootMs: boots,
    afterReadyMs: { median: median(afterReady), worst: Math.max(...afterReady) },
    probesPerWake: perWake,
    probesPerSecond: median(probes.map((count, i) => count / (boots[i] / 1000)))
  }
}
