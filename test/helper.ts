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
// '../app' alone would be Heroku's app.json for the TypeScript loader: the extension says which.
import app, { options } from '../app.ts'
import type { Clock } from '../lib/common/clock'

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

/**
 * A renaming rule and an unanchored `ignore` rule, as in the README: a stranger's Host
 * (`internal-app-review-pr1-back…`) matches both, and must still change nothing of the app.
 */
export const RENAMING_AND_IGNORE_RULES = `rules:
  - pattern: 'app-review-pr(\\d+)-(back|front)'
    app_name: 'renamed-app-pr$1-$2'
    app_max_idle_time: 30
  - pattern: '^internal-'
    ignore: true
    linked_apps: ['secret']
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
  /** Listen on a loopback port (websockets, real clients): `server.server.address()`. */
  listen?: boolean
  /** Every log line, parsed (the level is then debug). */
  logs?: LogLine[]
  /** Wait for the first attempt at listing the apps (default). */
  waitDiscovery?: boolean
}

export interface LogLine { level: number, msg: string, [key: string]: unknown }

export async function build (t: Test, { env = {}, yaml, clock, listen = false, logs, waitDiscovery = true }: BuildOptions = {}): Promise<FastifyInstance> {
  const configEnv: Record<string, string> = {}
  if (yaml !== undefined) {
    // Not t.testdir(): the test may keep its own files there.
    const dir = mkdtempSync(path.join(tmpdir(), 'paastis-test-'))
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))
    configEnv.PAASTIS_CONFIG_FILE = path.join(dir, 'paastis.yml')
    writeFileSync(configEnv.PAASTIS_CONFIG_FILE, yaml)
  }
  const logger = logs === undefined
    ? { level: process.env.TEST_LOG_LEVEL ?? 'silent' }
    : { level: 'debug', stream: { write: (line: string) => { logs.push(JSON.parse(line) as LogLine) } } }
  // A busy machine (CI, two test files at once) can take more than Fastify's 10 s to load every plugin.
  const server = Fastify({ ...options, logger, pluginTimeout: 60_000 })
  server.register(fp(app), {
    env: { START_AND_STOP_CHECKING_INTERVAL_CRON: '0 0 1 1 *', ...configEnv, ...env },
    clock
  })
  t.teardown(() => server.close())
  await server.ready()
  if (waitDiscovery) await server.firstDiscovery()
  if (listen) await server.listen({ port: 0, host: '127.0.0.1' })
  return server
}

/** The port a server built with `listen: true` is on. */
export function portOf (server: FastifyInstance): number {
  return (server.server.address() as net.AddressInfo).port
}

export interface RawExchange {
  /** Everything the server sent. */
  text: string
  /** Whether the server closed the connection. */
  closed: boolean
}

/**
 * Writes raw bytes to a server and collects what comes back, until it closes the connection,
 * `until` holds of the text received, or `ms` pass.
 */
export async function raw (port: number, data: string | Buffer, { ms = 3000, until }: { ms?: number, until?: (text: string) => boolean } = {}): Promise<RawExchange> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    let text = ''
    let done = false
    const finish = (closed: boolean): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      resolve({ text, closed })
    }
    const timer = setTimeout(() => finish(false), ms)
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1')
      if (until?.(text) === true) finish(false)
    })
    socket.on('close', () => finish(true))
    socket.on('error', () => finish(true))
    socket.write(data)
  })
}

/** The status code of the first response in a raw exchange. */
export function statusOf (text: string): number | undefined {
  const match = /^HTTP\/1\.1 (\d{3})/.exec(text)
  return match === null ? undefined : Number(match[1])
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
