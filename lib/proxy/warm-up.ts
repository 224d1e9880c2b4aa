// The first HTTP exchange of a process costs about 20 ms more than the next ones: undici compiles
// its WebAssembly HTTP parser at its first connection, and V8 compiles the forwarding code when it
// first runs. Paastis pays that at start, with a few exchanges through its own forwarder between
// two loopback servers, rather than on its first visitor's request — after a deploy, most often a
// wake, whose first byte should follow the app's readiness closely.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { request } from 'undici'
import type { Forwarder } from './forwarder'

const EXCHANGES = 3

async function listen (server: http.Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function close (server: http.Server): Promise<void> {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
}

/** Makes a few exchanges through the forwarder; answers how many passed. Never throws, never outlives `timeoutMs`. */
export async function warmUp (forwarder: Forwarder, timeoutMs = 2000): Promise<number> {
  const app = http.createServer((_req, res) => { res.writeHead(200, { 'content-length': 2 }).end('ok') })
  const front = http.createServer((req, res) => {
    forwarder.forward(req, res, { origin: origin ?? '', basePath: '', headers: {} }, {
      onResponse: (statusCode) => { res.writeHead(statusCode) },
      onError: () => { res.destroy() }
    })
  })
  let origin: string | undefined
  let passed = 0
  const deadline = AbortSignal.timeout(timeoutMs)
  const exchanges = async (): Promise<void> => {
    origin = await listen(app)
    const url = await listen(front)
    for (let i = 0; i < EXCHANGES; i++) {
      const response = await request(url, { signal: deadline })
      await response.body.dump()
      if (response.statusCode === 200) passed++
    }
  }
  try {
    await Promise.race([exchanges(), sleep(timeoutMs, undefined, { ref: false })])
  } catch {
    // A warm-up that fails costs the first visitor those milliseconds, nothing more.
  } finally {
    await Promise.all([close(front), close(app)])
  }
  return passed
}
