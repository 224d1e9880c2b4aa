#!/usr/bin/env node
// The standalone entry (`paastis`, `node dist/server.js`, the Docker image): command-line flags,
// the logger, listening, and a graceful shutdown that drains requests in flight.
import closeWithGrace from 'close-with-grace'
import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import app, { options, type AppOptions } from './app'
import { CLI_COMMANDS, runCli } from './cli/commands'
import { formatDuration, parseFiniteDuration } from './lib/common/duration'
import { loggerOptions } from './lib/common/logger'
import { conflictMessage } from './lib/core/reconciler'
import { CLOSE_DEADLINE_MS } from './plugins/shutdown'
import { describeStopPlan, stopPlan } from './lib/core/stop-plan'

const HELP = `Usage: paastis [options]
       paastis check [options]
       paastis ${CLI_COMMANDS.join(' | ')} …   (paastis apps --help)

Scale-to-zero proxy: stops idle apps, wakes them on the first request.
\`paastis check\` validates the environment, paastis.yml and the provider's credentials (one
listing), prints the apps found with the rules and idle time of each, and exits 0 or 1.

Options:
  -H, --host <host>          address to listen on (HOST, default 0.0.0.0)
  -P, --port <port>          port to listen on (PORT, default 3000)
      --max-idle-time <d>    default idle time before stop: minutes or 30s/15m/2h
                             (START_AND_STOP_MAX_IDLE_TIME, default 15)
      --config <file>        rules and apps file (PAASTIS_CONFIG_FILE, default ./paastis.yml)
      --dry-run              decide and record every stop, never make one (DRY_RUN=true)
      --opt-in               manage only the apps a rule or REGISTRY_MANAGED_APPS names
                             (MANAGE_APPS=opt-in)
  -h, --help                 print this help
  -v, --version              print the version

Every other setting is an environment variable (also read from .env); flags override them.`

/** Which variable each flag sets: errors about a value name the flag it came from. */
const FLAG_VARIABLES = { host: 'HOST', port: 'PORT', 'max-idle-time': 'START_AND_STOP_MAX_IDLE_TIME', config: 'PAASTIS_CONFIG_FILE' } as const
/** Switches, and the variable and value each sets. */
const SWITCHES = { 'dry-run': ['DRY_RUN', 'true'], 'opt-in': ['MANAGE_APPS', 'opt-in'] } as const

export interface Args {
  action: 'help' | 'version' | 'run' | 'check'
  /** Variable → the flag that set it. */
  flags: Record<string, string>
}

/** Flags override the environment and .env; absent flags change nothing. */
export function applyArgs (argv: string[], env: NodeJS.ProcessEnv): Args {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      host: { type: 'string', short: 'H' },
      port: { type: 'string', short: 'P' },
      'max-idle-time': { type: 'string' },
      config: { type: 'string' },
      'dry-run': { type: 'boolean' },
      'opt-in': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' }
    },
    strict: true
  })
  const flags: Record<string, string> = {}
  if (values.help === true) return { action: 'help', flags }
  if (values.version === true) return { action: 'version', flags }
  for (const [flag, variable] of Object.entries(FLAG_VARIABLES) as Array<[keyof typeof FLAG_VARIABLES, string]>) {
    const value = values[flag]
    if (value === undefined) continue
    env[variable] = value
    flags[variable] = `--${flag}`
  }
  for (const [flag, [variable, value]] of Object.entries(SWITCHES)) {
    if (values[flag as keyof typeof SWITCHES] !== true) continue
    env[variable] = value
    flags[variable] = `--${flag}`
  }
  if (positionals.length > 1 || (positionals.length === 1 && positionals[0] !== 'check')) {
    throw new Error(`unknown command "${positionals.join(' ')}"`)
  }
  return { action: positionals[0] === 'check' ? 'check' : 'run', flags }
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

/** close-with-grace's own limit: never reached, the shutdown plugin ends the process before. */
const LAST_RESORT_MS = CLOSE_DEADLINE_MS + 5000

export function buildServer (appOptions: AppOptions = {}): FastifyInstance {
  // The logger options are read now: the demo sets LOG_FORMAT before building the server.
  const logger = loggerOptions()
  // `paastis check` prints its own report; only warnings (unknown keys…) are logged.
  if (appOptions.check === true && process.env.LOG_LEVEL === undefined) logger.level = 'warn'
  const server = Fastify({ ...options, logger })
  // fastify-plugin, as fastify-cli does: the app's decorators (config) are the server's.
  server.register(fp(app), appOptions)
  return server
}

/** `paastis check`: the configuration, one listing, and what applies to each app. */
async function check (flags: Record<string, string>): Promise<number> {
  const server = buildServer({ flags, check: true })
  try {
    await server.ready()
  } catch (err) {
    console.error(`✗ configuration: ${(err as Error).message}`)
    await server.close().catch(() => {})
    return 1
  }
  const { settings, provider, reconciler, registry, rules } = server
  console.log(`✓ environment${settings.file.path === '' ? '' : ` and ${settings.file.path} (${settings.file.rules.length} rules, ${settings.file.apps.length} apps)`}`)
  await server.firstDiscovery()
  if (!reconciler.listed) {
    console.error(`✗ ${provider.name}: the apps could not be listed: ${reconciler.lastDiscoveryError ?? 'no answer'}`)
    await server.close()
    return 1
  }
  const apps = registry.list().sort((a, b) => a.name.localeCompare(b.name))
  // Each provider's outcome, and the names two of them serve.
  let failed = false
  for (const member of provider.members) {
    const error = provider.failures.get(member.name)
    if (error !== undefined) failed = true
    console.log(error === undefined
      ? `✓ ${member.name}: ${apps.filter((app) => app.provider === member.name).length} apps listed`
      : `✗ ${member.name}: the apps could not be listed: ${error}`)
  }
  for (const [key, providers] of provider.conflicts()) console.log(`✗ ${conflictMessage(key, providers)}`)
  console.log('')
  const rows = [['APP', 'PROVIDER', 'STATE', 'MAX IDLE', 'RULES'], ...apps.map((app) => [
    app.name, app.provider, app.state, app.ignored ? 'ignored' : formatDuration(app.maxIdleTimeMs),
    rules.policyFor(app.name).rules.join(', ') || '–'
  ])]
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)))
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd())
  console.log('')
  for (const line of describeStopPlan(stopPlan(apps), { dryRun: settings.dryRun, optIn: settings.policy.optIn })) console.log(line)
  await server.close()
  return failed || provider.conflicts().size > 0 ? 1 : 0
}

export async function main (argv: string[] = process.argv.slice(2)): Promise<void> {
  // The client commands talk to a running Paastis; they build no server.
  if ((CLI_COMMANDS as readonly string[]).includes(argv[0])) {
    process.exitCode = await runCli(argv, process.env, { out: (text) => console.log(text), err: (text) => console.error(text) })
    return
  }
  let args: Args
  try {
    args = applyArgs(argv, process.env)
  } catch (err) {
    console.error(`paastis: ${(err as Error).message}\n\n${HELP}`)
    process.exit(2)
  }
  if (args.action === 'help') return console.log(HELP)
  if (args.action === 'version') return console.log(version())
  if (args.action === 'check') {
    process.exitCode = await check(args.flags)
    return
  }

  const server = buildServer({ flags: args.flags, standalone: true })
  // The drain and its limit are the shutdown plugin's (SHUTDOWN_GRACE_PERIOD, under any launcher).
  // A second signal exits at once (close-with-grace): the apps Paastis spawned are killed on exit.
  // SIGHUP reloads paastis.yml (plugins/config-reload.ts), as it makes nginx read its files again.
  closeWithGrace({ delay: shutdownGraceMs() + LAST_RESORT_MS, skip: ['SIGHUP'] }, async ({ signal, err }) => {
    if (err !== undefined) server.log.error({ err }, 'shutting down after an error')
    else server.log.info({ signal }, 'shutting down: draining requests in flight')
    await server.close()
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
