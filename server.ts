#!/usr/bin/env node
// The standalone entry (`paastis`, `node dist/server.js`, the Docker image): command-line flags,
// the logger, listening, and a graceful shutdown that drains requests in flight.
import closeWithGrace from 'close-with-grace'
import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import app, { options } from './app'
import { parseFiniteDuration } from './lib/duration'
import { loggerOptions } from './lib/logger'

const HELP = `Usage: paastis [options]

Scale-to-zero proxy: stops idle apps, wakes them on the first request.

Options:
  -H, --host <host>          address to listen on (HOST, default 0.0.0.0)
  -P, --port <port>          port to listen on (PORT, default 3000)
      --max-idle-time <d>    default idle time before stop: minutes or 30s/15m/2h
                             (START_AND_STOP_MAX_IDLE_TIME, default 15)
      --config <file>        rules and apps file (PAASTIS_CONFIG_FILE, default ./paastis.yml)
  -h, --help                 print this help
  -v, --version              print the version

Every other setting is an environment variable (also read from .env); flags override them.`

/** Flags override the environment and .env; absent flags change nothing. */
export function applyArgs (argv: string[], env: NodeJS.ProcessEnv): 'help' | 'version' | 'run' {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string', short: 'H' },
      port: { type: 'string', short: 'P' },
      'max-idle-time': { type: 'string' },
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' }
    },
    strict: true
  })
  if (values.help === true) return 'help'
  if (values.version === true) return 'version'
  if (values.host !== undefined) env.HOST = values.host
  if (values.port !== undefined) env.PORT = values.port
  if (values['max-idle-time'] !== undefined) env.START_AND_STOP_MAX_IDLE_TIME = values['max-idle-time']
  if (values.config !== undefined) env.PAASTIS_CONFIG_FILE = values.config
  return 'run'
}

function version (): string {
  const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }
  return pkg.version
}

/** Read before the app (and its validated config) exists; a bad value falls back to 30 s. */
function shutdownGraceMs (): number {
  try {
    return parseFiniteDuration(process.env.SHUTDOWN_GRACE_PERIOD ?? '30s', 's')
  } catch {
    return 30_000
  }
}

export function buildServer (): FastifyInstance {
  // The logger options are read now: the demo sets LOG_FORMAT before building the server.
  const server = Fastify({ ...options, logger: loggerOptions() })
  // fastify-plugin, as fastify-cli does: the app's decorators (config) are the server's.
  server.register(fp(app))
  return server
}

/**
 * Drains for at most the grace period; then cuts the connections still open. Either way the apps
 * Paastis spawned are stopped (the provider's close) and the process exits 0.
 */
async function shutdown (server: FastifyInstance, graceMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const graceOver = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), graceMs) })
  const closing = server.close()
  if (await Promise.race([closing.then(() => 'closed' as const), graceOver]) === 'timeout') {
    server.log.warn(`requests still open after SHUTDOWN_GRACE_PERIOD (${graceMs} ms): closing their connections`)
    server.server.closeAllConnections()
    await server.provider.close()
    await closing
  }
  clearTimeout(timer)
}

export async function main (argv: string[] = process.argv.slice(2)): Promise<void> {
  let action: ReturnType<typeof applyArgs>
  try {
    action = applyArgs(argv, process.env)
  } catch (err) {
    console.error(`paastis: ${(err as Error).message}\n\n${HELP}`)
    process.exit(2)
  }
  if (action === 'help') return console.log(HELP)
  if (action === 'version') return console.log(version())

  const server = buildServer()
  const graceMs = shutdownGraceMs()
  // close-with-grace's own delay is the last resort (exit 1): the grace period ends before it.
  closeWithGrace({ delay: graceMs + 30_000 }, async ({ signal, err }) => {
    if (err !== undefined) server.log.error({ err }, 'shutting down after an error')
    else server.log.info({ signal }, 'shutting down: draining requests in flight')
    await shutdown(server, graceMs)
  })
  try {
    await server.ready()
    await server.listen({ host: server.config.HOST, port: server.config.PORT })
  } catch (err) {
    // Configuration errors name the variable or the file and line: print that, not a stack.
    server.log.fatal((err as Error).message)
    await server.close().catch(() => {})
    process.exit(1)
  }
}

if (require.main === module) void main()
