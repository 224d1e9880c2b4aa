// A real Docker Engine for a test: a private dockerd (vfs storage, no bridge, no iptables) with
// its own socket, data and exec roots under a temporary folder, stopped and removed with the
// test. No registry is reachable here, so the one image is made offline: `docker import` of a
// root filesystem holding this Node binary and the libraries `ldd` lists. Containers run with
// `--network host` on a port each. Every `docker` call is the real CLI, with a deadline.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import type { Test } from 'tap'
import { Agent, request } from 'undici'
import { eventually } from './helper'

const run = promisify(execFile)

export const TEST_IMAGE = 'paastis-test:node'

export interface DockerEngineUnderTest {
  /** `unix:///…/docker.sock` */
  host: string
  socket: string
  /** The real `docker` CLI against this engine; resolves with its stdout, trimmed. */
  docker: (...args: string[]) => Promise<string>
  /** One call to the engine's API over its socket; throws on an error status. */
  api: (method: 'GET' | 'POST', path: string, body?: unknown) => Promise<unknown>
  /** Stops the engine (its containers stop with it) and starts it again on the same roots. */
  restart: () => Promise<void>
  /** Stops the engine; it removes its socket. */
  stop: () => Promise<void>
  start: () => Promise<void>
}

/** Why the Docker cases cannot run here, or undefined when they can. */
export function dockerMissing (): string | undefined {
  if (process.getuid?.() !== 0) return 'dockerd needs root (CI runs as root)'
  for (const binary of ['/usr/sbin/dockerd', '/usr/bin/docker']) {
    if (!existsSync(binary) && !existsSync(binary.replace('/usr/', '/usr/local/'))) return `${path.basename(binary)} is missing: apt-get install -y docker.io (test/preflight.sh does)`
  }
  return undefined
}

export async function startDocker (t: Test): Promise<DockerEngineUnderTest> {
  // Short paths: a unix socket path has at most 107 bytes.
  const dir = mkdtempSync(path.join(tmpdir(), 'pdk-'))
  const socket = path.join(dir, 'docker.sock')
  const host = `unix://${socket}`
  let daemon: ChildProcess | undefined
  let output = ''
  const docker = async (...args: string[]): Promise<string> => {
    const { stdout } = await run('docker', args, { env: { PATH: process.env.PATH, DOCKER_HOST: host, HOME: dir }, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 })
    return stdout.trim()
  }
  const start = async (): Promise<void> => {
    output = ''
    daemon = spawn('dockerd', [
      '--storage-driver=vfs', '--iptables=false', '--ip6tables=false', '--bridge=none',
      `--host=${host}`, `--data-root=${path.join(dir, 'data')}`, `--exec-root=${path.join(dir, 'exec')}`, `--pidfile=${path.join(dir, 'docker.pid')}`
    ], { stdio: ['ignore', 'pipe', 'pipe'] })
    daemon.stdout?.on('data', (chunk: Buffer) => { output = (output + chunk.toString()).slice(-4000) })
    daemon.stderr?.on('data', (chunk: Buffer) => { output = (output + chunk.toString()).slice(-4000) })
    const own = daemon
    const up = await eventually(async () => own.exitCode !== null || await docker('version', '--format', '{{.Server.APIVersion}}').then(() => true, () => false), 60_000)
    if (!up || own.exitCode !== null) throw new Error(`dockerd did not come up: ${output}`)
  }
  const stop = async (): Promise<void> => {
    const own = daemon
    daemon = undefined
    if (own === undefined || own.exitCode !== null) return
    const exited = once(own, 'exit')
    own.kill('SIGTERM')
    const timer = setTimeout(() => own.kill('SIGKILL'), 30_000)
    await exited
    clearTimeout(timer)
    // dockerd leaves its network namespace mounted; the folder cannot be removed until it is not.
    await run('umount', [path.join(dir, 'exec', 'netns', 'default')]).catch(() => {})
  }
  const agent = new Agent({ connect: { socketPath: socket } })
  t.teardown(async () => {
    await agent.close()
    await stop()
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
  })
  await start()
  await importImage(dir, docker)
  const api = async (method: 'GET' | 'POST', url: string, body?: unknown): Promise<unknown> => {
    const response = await request(`http://docker${url}`, {
      method,
      dispatcher: agent,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000)
    })
    const text = await response.body.text()
    if (response.statusCode >= 400) throw new Error(`${method} ${url}: ${response.statusCode} ${text}`)
    return text === '' ? undefined : JSON.parse(text)
  }
  return { host, socket, docker, api, stop, start, restart: async () => { await stop(); await start() } }
}

/** This Node binary and its libraries, as a one-layer image. */
async function importImage (dir: string, docker: DockerEngineUnderTest['docker']): Promise<void> {
  const root = path.join(dir, 'rootfs')
  const node = realpathSync(process.execPath)
  const copy = (from: string): void => {
    const to = path.join(root, from)
    mkdirSync(path.dirname(to), { recursive: true })
    copyFileSync(realpathSync(from), to)
  }
  mkdirSync(path.join(root, 'tmp'), { recursive: true })
  mkdirSync(path.join(root, 'bin'), { recursive: true })
  copyFileSync(node, path.join(root, 'bin', 'node'))
  const { stdout } = await run('ldd', [node])
  for (const library of stdout.match(/\/\S+/g) ?? []) copy(library)
  const tar = path.join(dir, 'rootfs.tar')
  await run('tar', ['-C', root, '-cf', tar, '.'])
  await docker('import', tar, TEST_IMAGE)
  rmSync(root, { recursive: true, force: true })
  rmSync(tar, { force: true })
}

/**
 * A small HTTP app for a container: answers `<name> <state>` on PORT, writes `booted` once per
 * start (docker logs counts the starts), exits on SIGTERM. With READY_AFTER_MS it answers
 * `booting` until then and creates /tmp/ready (what its HEALTHCHECK looks for).
 */
export const CONTAINER_APP = `
const http = require('node:http')
const fs = require('node:fs')
const name = process.env.APP_NAME
let state = process.env.READY_AFTER_MS ? 'booting' : 'ready'
try { fs.unlinkSync('/tmp/ready') } catch {}
if (process.env.READY_AFTER_MS) setTimeout(() => { state = 'ready'; fs.writeFileSync('/tmp/ready', '') }, Number(process.env.READY_AFTER_MS))
http.createServer((req, res) => res.end(name + ' ' + state)).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('booted'))
process.on('SIGTERM', () => process.exit(0))
`

/** A HEALTHCHECK command for CONTAINER_APP: healthy once /tmp/ready exists. */
export const READY_CHECK = ['/bin/node', '-e', 'process.exit(require("fs").existsSync("/tmp/ready") ? 0 : 1)']
