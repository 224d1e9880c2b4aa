// A real redis-server for a test: its own free port, no persistence, stopped with the test.
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
  const port = await freePort()
  let child: ChildProcess | undefined
  const client = new Redis(port, '127.0.0.1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 })
  client.on('error', () => {})
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
      const up = await eventually(async () => {
        if (client.status !== 'ready') await client.connect().catch(() => {})
        return client.status === 'ready' && (await client.ping().catch(() => '')) === 'PONG'
      }, 10_000)
      if (!up) throw new Error('redis-server did not start: is it installed? (apt-get install -y redis-server)')
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
    client.disconnect()
    await server.stop()
  })
  return server
}
