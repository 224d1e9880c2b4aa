// The `apps:` of paastis.yml, for the `command` provider: the shape of one app (a JSON Schema,
// checked by lib/config/paastis-file.ts), and the spec it becomes (providers/command.ts runs it).
import path from 'node:path'
import { asText, mapping, text, type At, type Fail, type Json } from './file-schema'

export interface CommandAppSpec {
  name: string
  /** A long-running command Paastis spawns and stops itself. */
  run?: string
  port?: number
  upstream?: string
  /** Absolute, resolved against the file's folder. */
  cwd: string
  env: Record<string, string>
  /** Commands for services managed elsewhere (systemd, docker compose). */
  start?: string
  stop?: string
  status?: string
}

export const COMMAND_APP_SCHEMA = mapping({
  name: { ...text, pattern: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$', 'x-message': '"{value}" must be a DNS label: lowercase letters, digits and dashes' },
  run: text,
  port: { type: 'integer', minimum: 1, maximum: 65535, 'x-message': 'must be a TCP port (1-65535)' },
  upstream: text,
  cwd: text,
  env: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'], 'x-message': 'must be a string' }, 'x-message': 'must be a mapping' },
  start: text,
  stop: text,
  status: text
}, { required: ['name'] })

/** An app checked by COMMAND_APP_SCHEMA, made a spec; the rules between its keys checked here. */
export function toCommandApp (value: Record<string, Json>, at: At, baseDir: string, fail: Fail): CommandAppSpec {
  const spec: CommandAppSpec = { name: String(value.name), cwd: baseDir, env: {} }
  for (const key of ['run', 'start', 'stop', 'status', 'upstream'] as const) {
    const command = asText(value[key])
    if (command !== undefined) spec[key] = command
  }
  if (value.cwd !== undefined) spec.cwd = path.resolve(baseDir, asText(value.cwd) ?? '.')
  if (value.port !== undefined) spec.port = value.port as number
  for (const [key, envValue] of Object.entries((value.env ?? {}) as Record<string, Json>)) spec.env[key] = String(envValue)
  if (spec.run === undefined && spec.start === undefined) {
    fail(at, 'needs either `run` (a process Paastis spawns) or `start`/`stop`/`status` commands')
  }
  if (spec.run !== undefined && (spec.start ?? spec.stop ?? spec.status) !== undefined) {
    fail(at, '`run` and `start`/`stop`/`status` are exclusive')
  }
  if (spec.start !== undefined && (spec.stop === undefined || spec.status === undefined)) {
    fail(at, '`start` needs `stop` and `status` too')
  }
  if (spec.upstream !== undefined) {
    let protocol: string | undefined
    try {
      protocol = new URL(spec.upstream).protocol
    } catch {}
    if (protocol !== 'http:' && protocol !== 'https:') fail([...at, 'upstream'], `"${spec.upstream}" is not an http(s) URL`)
  } else if (spec.port === undefined) {
    fail(at, 'needs `port` or `upstream` so that Paastis knows where the app answers')
  }
  return spec
}
