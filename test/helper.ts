// Builds a real Paastis for a test: the app plugin on a Fastify instance, a paastis.yml written
// to a fixture folder, apps that are real child processes, and a clock the test can move.
import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Test } from 'tap'
import app, { options } from '../app'
import type { Clock } from '../lib/clock'

export const FIXTURE_APP = path.join(__dirname, 'fixtures', 'app.js')

/** The rules of the original Paastis' sample paastis.yml. */
export const SEED_RULES = `
rules:
  - pattern: 'app-review-pr(\\d+)-(back|front)'
    app_name: 'renamed-app-pr$1-$2'
    app_max_idle_time: 30
    linked_apps:
      - 'app-review-pr$1-front'
`

export class ManualClock implements Clock {
  constructor (private current: number = Date.now()) {}
  now (): number { return this.current }
  advance (ms: number): void { this.current += ms }
}

export interface BuildOptions {
  env?: Record<string, string>
  /** paastis.yml content; written to a fixture folder. */
  yaml?: string
  clock?: Clock
  /** Listen on a loopback port (websockets, real clients). */
  listen?: boolean
}

export async function build (t: Test, { env = {}, yaml, clock }: BuildOptions = {}): Promise<FastifyInstance> {
  const configEnv: Record<string, string> = {}
  if (yaml !== undefined) {
    // Not t.testdir(): the test may keep its own files there.
    const dir = mkdtempSync(path.join(tmpdir(), 'paastis-test-'))
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))
    configEnv.PAASTIS_CONFIG_FILE = path.join(dir, 'paastis.yml')
    writeFileSync(configEnv.PAASTIS_CONFIG_FILE, yaml)
  }
  const server = Fastify({ ...options, logger: { level: process.env.TEST_LOG_LEVEL ?? 'silent' } })
  server.register(fp(app), {
    env: { START_AND_STOP_CHECKING_INTERVAL_CRON: '0 0 1 1 *', ...configEnv, ...env },
    clock
  })
  t.teardown(() => server.close())
  await server.ready()
  return server
}

/** A port nothing listens on right now. */
export async function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

export interface FixtureApp {
  name: string
  port: number
  env?: Record<string, string>
}

/** paastis.yml lines declaring fixture apps run by the command provider. */
export function appsYaml (apps: FixtureApp[]): string {
  return 'apps:\n' + apps.map((app) => [
    `  - name: ${app.name}`,
    `    run: node ${JSON.stringify(FIXTURE_APP)}`,
    `    port: ${app.port}`,
    `    env: ${JSON.stringify(app.env ?? {})}`
  ].join('\n')).join('\n') + '\n'
}

/** How many times a fixture app started (it appends its pid to START_LOG). */
export function startsIn (file: string): number {
  try {
    return readFileSync(file, 'utf8').split('\n').filter((line) => line !== '').length
  } catch {
    return 0
  }
}

/** Polls until `check` holds, for at most `ms`; returns whether it held. */
export async function eventually (check: () => boolean | Promise<boolean>, ms = 5000): Promise<boolean> {
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (await check()) return true
    await sleep(25)
  }
  return check()
}
