// `paastis apps | start | stop | pin | unpin | events | savings`: the admin API of a running
// Paastis, as tables for people and `--json` for scripts. Each command is one entry of COMMANDS.
import { parseArgs } from 'node:util'
import type { appView } from '../lib/core/app-view'
import type { Savings } from '../lib/core/savings'
import { AdminClient, CliError } from './admin-client'
import { argumentError, optionError } from './option-checks'
import { printable, SHAPES } from './shapes'
import { hours, span, table } from './table'

/** What a command is given: its app name (when it takes one), the options, and how to answer. */
interface Context {
  name: string
  values: Record<string, string | boolean | undefined>
  client: AdminClient
  io: Output
  print: (data: unknown, text: () => string) => void
  now: number
}

interface Command {
  /** Its line of the help, after `paastis `. */
  usage: string
  /** Whether it takes one app name. */
  named: boolean
  run: (context: Context) => Promise<number>
}

const path = (name: string, action = ''): string => `/apps/${encodeURIComponent(name)}${action}`

/** Every command, once: the help, the argument check and the dispatch are read from here. */
const COMMANDS = {
  apps: {
    usage: 'apps [--provider NAME] [--state STATE]',
    named: false,
    async run ({ client, values, print, now }) {
      const { body } = await client.get<AppView[]>('/apps', SHAPES.apps, { provider: text(values.provider), state: text(values.state) })
      print(body, () => body.length === 0
        ? 'No apps.'
        : table(['APP', 'PROVIDER', 'STATE', 'STOPS IN', 'LAST ACTIVITY', 'HOURS ASLEEP', 'WAKES', 'MEDIAN WAKE'], body.map((app) => [
          app.name, app.provider, app.state,
          (app.timeLeftMs === null || app.timeLeftMs === undefined ? '–' : span(app.timeLeftMs / 1000)) + (app.pinnedUntil == null ? '' : ' (pinned)'),
          ago(app.lastActivityAt, now),
          app.accounting === undefined ? '–' : hours(app.accounting.asleepSeconds / 3600),
          app.accounting === undefined ? '–' : String(app.accounting.wakes),
          app.accounting?.medianWakeMs == null ? '–' : `${(app.accounting.medianWakeMs / 1000).toFixed(1)}s`
        ])))
      return 0
    }
  },
  start: {
    usage: 'start NAME [--wait]',
    named: true,
    async run ({ client, name, values, print }) {
      const wait = values.wait === true
      const { body, status } = await client.post<AppView>(path(name, '/start'), SHAPES.app, { wait: wait ? 'true' : undefined }, wait ? 600_000 : undefined)
      print(body, () => status === 202 ? `${name}: starting (paastis start ${name} --wait waits until it answers)` : `${name}: ${body.state}`)
      return 0
    }
  },
  stop: {
    usage: 'stop NAME',
    named: true,
    async run ({ client, name, print }) {
      const { body } = await client.post<{ stopped: boolean, app: AppView }>(path(name, '/stop'), SHAPES.stop)
      print(body, () => `${name}: ${body.app.state}`)
      return 0
    }
  },
  pin: {
    usage: 'pin NAME --for 2h',
    named: true,
    async run ({ client, name, values, print, io }) {
      if (values.for === undefined) {
        io.err(`paastis pin: say how long, e.g. --for 2h\n\n${CLI_HELP}`)
        return 2
      }
      const { body } = await client.post<AppView>(path(name, '/pin'), SHAPES.app, { for: text(values.for) })
      print(body, () => `${name}: ${body.state}, pinned until ${body.pinnedUntil ?? '?'}`)
      return 0
    }
  },
  unpin: {
    usage: 'unpin NAME',
    named: true,
    async run ({ client, name, print }) {
      const { body } = await client.delete<AppView>(path(name, '/pin'), SHAPES.app)
      print(body, () => `${name}: ${body.state}, not pinned`)
      return 0
    }
  },
  events: {
    usage: 'events [--app NAME] [--type TYPE] [--limit N]',
    named: false,
    async run ({ client, values, print }) {
      const { body } = await client.get<EventView[]>('/events', SHAPES.events, { app: text(values.app), type: text(values.type), limit: text(values.limit) })
      print(body, () => body.length === 0
        ? 'No events.'
        : table(['AT', 'APP', 'EVENT', 'CAUSE', 'MESSAGE'], body.map((event) => [
          event.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z'), event.app, event.type, event.cause ?? '', event.message ?? ''
        ])))
      return 0
    }
  },
  savings: {
    usage: 'savings [--from DATE] [--to DATE]',
    named: false,
    async run ({ client, values, print }) {
      const { body } = await client.savings(SHAPES.savings, text(values.from), text(values.to))
      print(body, () => savingsText(body))
      return 0
    }
  }
} satisfies Record<string, Command>

export type CliCommand = keyof typeof COMMANDS
export const CLI_COMMANDS = Object.keys(COMMANDS) as CliCommand[]

export const CLI_HELP = `${CLI_COMMANDS.map((command, i) => `${i === 0 ? 'Usage:' : '      '} paastis ${COMMANDS[command].usage}`).join('\n')}

Talks to a running Paastis: PAASTIS_URL (default http://localhost:3000) and PAASTIS_TOKEN (its
ROUTING_SYSTEM_API_TOKEN). Every command prints a table, or JSON with --json.`

/** An app as the admin API shows it (lib/core/app-view.ts), once through JSON. */
type AppView = ReturnType<typeof appView>

interface EventView { at: string, app: string, type: string, cause?: string, message?: string, durationMs?: number }

export interface Output { out: (text: string) => void, err: (text: string) => void }

const ago = (iso: string, now: number): string => `${span((now - Date.parse(iso)) / 1000)} ago`
const text = (value: string | boolean | undefined): string | undefined => typeof value === 'string' ? value : undefined

export async function runCli (argv: string[], env: NodeJS.ProcessEnv, output: Output): Promise<number> {
  // Everything printed goes through printable(): no escape sequence reaches the terminal.
  const io: Output = { out: (text) => { output.out(printable(text)) }, err: (text) => { output.err(printable(text)) } }
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: 'boolean' },
        wait: { type: 'boolean' },
        provider: { type: 'string' },
        state: { type: 'string' },
        app: { type: 'string' },
        type: { type: 'string' },
        limit: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        for: { type: 'string' },
        help: { type: 'boolean', short: 'h' }
      }
    })
  } catch (err) {
    const command = argv.find((arg) => !arg.startsWith('-'))
    const usage = command !== undefined && Object.hasOwn(COMMANDS, command) ? COMMANDS[command as CliCommand].usage : undefined
    const known = usage === undefined ? [] : [...[...usage.matchAll(/--[\w-]+/g)].map((match) => match[0]), '--json']
    io.err(`paastis${usage === undefined ? '' : ` ${String(command)}`}: ${argumentError(err as Error, known)}\n\n${CLI_HELP}`)
    return 2
  }
  const { values, positionals } = parsed
  const [command, ...rest] = positionals
  if (values.help === true) {
    io.out(CLI_HELP)
    return 0
  }
  if (!Object.hasOwn(COMMANDS, command)) {
    io.err(`paastis: unknown command "${String(command)}"\n\n${CLI_HELP}`)
    return 2
  }
  const { named, run } = COMMANDS[command as CliCommand] as Command
  if (rest.length !== (named ? 1 : 0)) {
    io.err(`paastis ${command}: ${named ? 'give one app name' : 'takes no argument'}\n\n${CLI_HELP}`)
    return 2
  }
  const refused = optionError(values)
  if (refused !== undefined) {
    io.err(`paastis ${command}: ${refused}`)
    return 2
  }
  const json = values.json === true
  const print = (data: unknown, text: () => string): void => { io.out(json ? JSON.stringify(data, null, 2) : text()) }
  try {
    const client = new AdminClient({ url: env.PAASTIS_URL ?? 'http://localhost:3000', token: env.PAASTIS_TOKEN })
    return await run({ name: rest[0] ?? '', values, client, io, print, now: Date.now() })
  } catch (err) {
    if (!(err instanceof CliError)) throw err
    io.err(`paastis ${command}: ${err.message}`)
    return 1
  }
}

function savingsText (savings: Savings & { dryRun?: boolean, currency: string }): string {
  const money = (value: number | null): string => value === null ? '–' : `${value.toFixed(2)} ${savings.currency}`
  const rows = savings.apps.map((app) => [app.app, hours(app.hoursAsleep), hours(app.hoursRunning), money(app.costPerHour), money(app.saved)])
  rows.push(['TOTAL', hours(savings.hoursAsleep), hours(savings.hoursRunning), '', money(savings.saved)])
  const text = `From ${savings.from} to ${savings.to}\n\n${table(['APP', 'HOURS ASLEEP', 'HOURS RUNNING', 'COST/HOUR', 'SAVED'], rows)}`
  if (savings.dryRun !== true) return text
  // DRY_RUN: nothing was stopped; what stopping would have saved is the figure to read.
  const would = savings.apps.map((app) => [app.app, hours(app.hoursWouldSleep ?? 0), money(app.wouldHaveSaved ?? null)])
  would.push(['TOTAL', hours(savings.hoursWouldSleep ?? 0), money(savings.wouldHaveSaved ?? null)])
  return `${text}\n\nDRY_RUN is on: no app was stopped. Had it been off:\n\n${table(['APP', 'HOURS IT WOULD HAVE SLEPT', 'WOULD HAVE SAVED'], would)}`
}
