// A real redis-server for a test: its own free port, no persistence, stopped with the test. Test
// files run in parallel: a port found free may be taken before redis-server binds it, so the
// server that answers must be ours (its pid), else another port is tried.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import type { Test } from 'tap'
import { eventually, freePort } from './helper'

export interface RedisServer {
  url: string
  port: number
  client: Redis
  stop(): Promise<void>
  start(): Promise<void>
}

export async function startRedis (t: Test): Promise<RedisServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOn(t, await freePort())
    } catch (err) {
      if (!(err instanceof PortTaken) || attempt === 5) throw err
    }
  }
}

class PortTaken extends Error {}

async function startOn (t: Test, port: number): Promise<RedisServer> {
  let child: ChildProcess | undefined
  let closed = false
  // A deadline on every command: a server that does not answer fails the test, never hangs it.
  // Once closed, nothing reconnects: a client retrying forever kept a test file alive until tap's
  // timeout (seen beside CPU burners: a timer of ioredis's reconnection left after disconnect()).
  const client = new Redis(port, '127.0.0.1', {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 2000,
    retryStrategy: (times) => closed ? null : Math.min(times * 50, 500)
  })
  client.on('error', () => {})
  const close = (): void => {
    closed = true
    client.disconnect()
  }
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    client,
    async start () {
      try {
        child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
      } catch {
        throw new Error('redis-server is missing: apt-get install -y redis-server (.ci/run does)')
      }
      child.on('error', () => {})
      const own = child
      const up = await eventually(async () => {
        if (own.exitCode !== null) return true
        // Only from rest: connect() while ioredis reconnects starts a second attempt beside its timer.
        if (client.status === 'wait' || client.status === 'end') await client.connect().catch(() => {})
        // The server that answers is this one: its pid (another's on a taken port would answer too).
        const info = client.status === 'ready' ? await client.info('server').catch(() => '') : ''
        return new RegExp(`^process_id:${own.pid}\\r?$`, 'm').test(info)
      }, 10_000)
      if (own.exitCode !== null) {
        close()
        throw new PortTaken(`port ${port} was taken`)
      }
      if (!up) {
        // Nothing left behind: a client reconnecting forever or a server would keep the test file alive.
        close()
        own.kill('SIGKILL')
        throw new Error('redis-server did not start: is it installed? (apt-get install -y redis-server)')
      }
    },
    async stop () {
      if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
      const exited = once(child, 'exit')
      child.kill('SIGKILL')
      // Bounded: a child that is already gone must not hold the test open until tap's timeout.
      await Promise.race([exited, sleep(5000, undefined, { ref: false })])
    }
  }
  await server.start()
  t.teardown(async () => {
    close()
    await server.stop()
  })
  return server
}
