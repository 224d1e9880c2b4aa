// paastis.yml: rules for every provider and, for the `command` provider, the apps themselves.
// A broken file stops start-up with the file, the line and the reason; unknown keys only warn.
import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import safeRegex from 'safe-regex2'
import { isMap, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml'
import { DURATION_PATTERN, parseDuration } from './duration'
import type { ProbeSpec } from './probe'
import type { HostAlias, Rule, WakeOptions } from './rules'

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

export interface PaastisFile {
  path: string
  rules: Rule[]
  apps: CommandAppSpec[]
  warnings: string[]
}

export class ConfigFileError extends Error {
  constructor (readonly file: string, readonly line: number | undefined, reason: string) {
    super(`${file}${line === undefined ? '' : `:${line}`}: ${reason}`)
    this.name = 'ConfigFileError'
  }
}

export const RULE_KEYS = new Set(['pattern', 'app_name', 'app_max_idle_time', 'linked_apps', 'ignore', 'hosts', 'aliases',
  'ping', 'strategy', 'wake_timeout', 'wait_for_linked', 'ignore_user_agents'])
const PING_KEYS = new Set(['method', 'path', 'regex', 'settle'])
const PING_REGEX_KEYS = new Set(['statusCode', 'headers', 'body'])
const HOST_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/
const APP_KEYS = new Set(['name', 'run', 'port', 'upstream', 'cwd', 'env', 'start', 'stop', 'status'])
const TOP_KEYS = new Set(['rules', 'apps'])
const APP_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/
const DURATION_RE = new RegExp(DURATION_PATTERN)
const MAX_PATTERN_LENGTH = 1000
/** A paastis.yml with thousands of rules and apps is far smaller than this. */
const MAX_FILE_BYTES = 1024 * 1024
const MAX_ALIAS_COUNT = 100

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

class Reader {
  readonly warnings: string[] = []
  constructor (readonly file: string, readonly doc: Document, readonly lines: LineCounter) {}

  lineOf (nodePath: Array<string | number>): number | undefined {
    for (let depth = nodePath.length; depth >= 0; depth--) {
      const node = this.doc.getIn(nodePath.slice(0, depth), true) as Node | undefined
      if (node?.range) return this.lines.linePos(node.range[0]).line
    }
    return undefined
  }

  fail (nodePath: Array<string | number>, reason: string): never {
    throw new ConfigFileError(this.file, this.lineOf(nodePath), `${label(nodePath)}: ${reason}`)
  }

  warnUnknown (value: Record<string, Json>, known: Set<string>, nodePath: Array<string | number>): void {
    for (const key of Object.keys(value)) {
      if (!known.has(key)) {
        const at = this.lineOf([...nodePath, key])
        this.warnings.push(`${this.file}${at === undefined ? '' : `:${at}`}: unknown key "${label([...nodePath, key])}" ignored`)
      }
    }
  }

  string (value: Json | undefined, nodePath: Array<string | number>): string | undefined {
    if (value === undefined || value === null) return undefined
    if (typeof value === 'number') return String(value)
    if (typeof value !== 'string' || value.trim() === '') this.fail(nodePath, 'must be a non-empty string')
    return value
  }

  object (value: Json | undefined, nodePath: Array<string | number>): Record<string, Json> {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) this.fail(nodePath, 'must be a mapping')
    return value
  }

  boolean (value: Json | undefined, nodePath: Array<string | number>): boolean {
    if (typeof value !== 'boolean') this.fail(nodePath, 'must be true or false')
    return value
  }

  list (value: Json | undefined, nodePath: Array<string | number>): Json[] {
    if (value === undefined || value === null) return []
    if (!Array.isArray(value)) this.fail(nodePath, 'must be a list')
    return value
  }
}

function label (nodePath: Array<string | number>): string {
  return nodePath.map((part, i) => typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${part}`).join('') || '(top level)'
}

function readRule (reader: Reader, raw: Json, index: number): Rule {
  const at = ['rules', index]
  const value = reader.object(raw, at)
  reader.warnUnknown(value, RULE_KEYS, at)
  const pattern = reader.string(value.pattern, [...at, 'pattern'])
  if (pattern === undefined) reader.fail([...at, 'pattern'], 'is required')
  const regex = readRegex(reader, pattern, [...at, 'pattern']) as RegExp
  const rule: Rule = { pattern, regex, wake: readWakeOptions(reader, value, at) }
  const appName = reader.string(value.app_name, [...at, 'app_name'])
  if (appName !== undefined) rule.appName = appName
  if (value.app_max_idle_time !== undefined && value.app_max_idle_time !== null) {
    const idle = value.app_max_idle_time
    if ((typeof idle !== 'number' && typeof idle !== 'string') || !DURATION_RE.test(String(idle))) {
      reader.fail([...at, 'app_max_idle_time'], 'must be minutes (15) or a duration (30s, 15m, 2h, 1d) or never')
    }
    rule.maxIdleTimeMs = parseDuration(String(idle))
  }
  if (value.linked_apps !== undefined) {
    rule.linkedApps = reader.list(value.linked_apps, [...at, 'linked_apps'])
      .map((app, i) => reader.string(app, [...at, 'linked_apps', i]) as string)
  }
  if (value.ignore !== undefined) rule.ignore = reader.boolean(value.ignore, [...at, 'ignore'])
  const hosts = readHosts(reader, value, at)
  if (hosts.length > 0) {
    if (rule.appName === undefined || rule.appName.includes('$')) {
      reader.fail([...at, 'app_name'], '`hosts` and `aliases` need a literal `app_name`: the app they route to')
    }
    rule.hosts = hosts
  }
  return rule
}

/**
 * Rule patterns and user-agent patterns run on what strangers send: one that can backtrack
 * catastrophically (nested quantifiers, such as `(a+)*`) would let a single request freeze
 * Paastis, so it is refused here, with the way out.
 */
function readRegex (reader: Reader, value: Json | undefined, at: Array<string | number>): RegExp | undefined {
  const source = reader.string(value, at)
  if (source === undefined) return undefined
  if (source.length > MAX_PATTERN_LENGTH) reader.fail(at, `is longer than ${MAX_PATTERN_LENGTH} characters`)
  let regex: RegExp
  try {
    regex = new RegExp(source)
  } catch (err) {
    reader.fail(at, `invalid regular expression: ${(err as Error).message}`)
  }
  if (!safeRegex(regex)) {
    reader.fail(at, `"${source}" can backtrack catastrophically (a quantifier inside a repeated group): ` +
      'a long Host could freeze Paastis. Rewrite it without nested repetition, e.g. ^[a-z0-9-]*-preview$ instead of ^([a-z0-9]+-?)*-preview$')
  }
  return regex
}

function readDuration (reader: Reader, value: Json | undefined, at: Array<string | number>): number | undefined {
  if (value === undefined || value === null) return undefined
  if ((typeof value !== 'number' && typeof value !== 'string') || !DURATION_RE.test(String(value)) || String(value).trim() === 'never') {
    reader.fail(at, 'must be a duration such as 500ms, 30s, 2m')
  }
  return parseDuration(String(value), 's') as number
}

function readPing (reader: Reader, raw: Json, at: Array<string | number>): ProbeSpec {
  const value = reader.object(raw, at)
  reader.warnUnknown(value, PING_KEYS, at)
  const spec: ProbeSpec = { method: 'HEAD', path: '/' }
  const path = reader.string(value.path, [...at, 'path'])
  if (path !== undefined) {
    if (!path.startsWith('/')) reader.fail([...at, 'path'], 'must start with /')
    spec.path = path
  }
  if (value.regex !== undefined) {
    const regex = reader.object(value.regex, [...at, 'regex'])
    reader.warnUnknown(regex, PING_REGEX_KEYS, [...at, 'regex'])
    spec.statusCode = readRegex(reader, regex.statusCode, [...at, 'regex', 'statusCode'])
    spec.headers = readRegex(reader, regex.headers, [...at, 'regex', 'headers'])
    spec.body = readRegex(reader, regex.body, [...at, 'regex', 'body'])
    // A HEAD response has no body to match.
    if (spec.body !== undefined) spec.method = 'GET'
  } else {
    spec.statusCode = /^[2-4]/
  }
  const method = reader.string(value.method, [...at, 'method'])
  if (method !== undefined) {
    if (!/^[A-Z]+$/.test(method)) reader.fail([...at, 'method'], 'must be an HTTP method such as GET or HEAD')
    spec.method = method
  }
  spec.settleMs = readDuration(reader, value.settle, [...at, 'settle'])
  return spec
}

function readWakeOptions (reader: Reader, value: Record<string, Json>, at: Array<string | number>): WakeOptions {
  const wake: WakeOptions = {}
  if (value.ping !== undefined) wake.ping = readPing(reader, value.ping, [...at, 'ping'])
  if (value.strategy !== undefined) {
    if (value.strategy !== 'hold' && value.strategy !== 'page') reader.fail([...at, 'strategy'], 'must be hold or page')
    wake.strategy = value.strategy
  }
  const timeout = readDuration(reader, value.wake_timeout, [...at, 'wake_timeout'])
  if (timeout !== undefined) wake.wakeTimeoutMs = timeout
  if (value.wait_for_linked !== undefined) wake.waitForLinked = reader.boolean(value.wait_for_linked, [...at, 'wait_for_linked'])
  if (value.ignore_user_agents !== undefined) {
    wake.ignoreUserAgents = reader.list(value.ignore_user_agents, [...at, 'ignore_user_agents'])
      .map((agent, i) => readRegex(reader, agent, [...at, 'ignore_user_agents', i]) as RegExp)
  }
  return wake
}

function readHosts (reader: Reader, value: Record<string, Json>, at: Array<string | number>): HostAlias[] {
  const hosts: HostAlias[] = []
  const host = (raw: Json | undefined, where: Array<string | number>): string => {
    const name = reader.string(raw, where)?.toLowerCase()
    if (name === undefined || !HOST_NAME.test(name)) reader.fail(where, 'must be a host name such as app.example.com')
    return name
  }
  reader.list(value.hosts, [...at, 'hosts']).forEach((raw, i) => {
    hosts.push({ host: host(raw, [...at, 'hosts', i]), whitelisted: false })
  })
  reader.list(value.aliases, [...at, 'aliases']).forEach((raw, i) => {
    const where = [...at, 'aliases', i]
    if (typeof raw === 'string') {
      hosts.push({ host: host(raw, where), whitelisted: false })
      return
    }
    const alias = reader.object(raw, where)
    reader.warnUnknown(alias, new Set(['host', 'whitelisted']), where)
    hosts.push({
      host: host(alias.host, [...where, 'host']),
      whitelisted: alias.whitelisted === undefined ? false : reader.boolean(alias.whitelisted, [...where, 'whitelisted'])
    })
  })
  return hosts
}

function readApp (reader: Reader, raw: Json, index: number, baseDir: string, seen: Set<string>): CommandAppSpec {
  const at = ['apps', index]
  const value = reader.object(raw, at)
  reader.warnUnknown(value, APP_KEYS, at)
  const name = reader.string(value.name, [...at, 'name'])
  if (name === undefined) reader.fail([...at, 'name'], 'is required')
  if (!APP_NAME.test(name)) reader.fail([...at, 'name'], `"${name}" must be a DNS label: lowercase letters, digits and dashes`)
  if (seen.has(name)) reader.fail([...at, 'name'], `"${name}" is declared twice`)
  seen.add(name)

  const spec: CommandAppSpec = { name, cwd: baseDir, env: {} }
  for (const key of ['run', 'start', 'stop', 'status', 'upstream'] as const) {
    const text = reader.string(value[key], [...at, key])
    if (text !== undefined) spec[key] = text
  }
  if (value.cwd !== undefined) spec.cwd = path.resolve(baseDir, reader.string(value.cwd, [...at, 'cwd']) ?? '.')
  if (value.port !== undefined) {
    const port = value.port
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
      reader.fail([...at, 'port'], 'must be a TCP port (1-65535)')
    }
    spec.port = port
  }
  if (value.env !== undefined) {
    const env = reader.object(value.env, [...at, 'env'])
    for (const [key, envValue] of Object.entries(env)) {
      if (envValue === null || typeof envValue === 'object') reader.fail([...at, 'env', key], 'must be a string')
      spec.env[key] = String(envValue)
    }
  }
  if (spec.run === undefined && spec.start === undefined) {
    reader.fail(at, 'needs either `run` (a process Paastis spawns) or `start`/`stop`/`status` commands')
  }
  if (spec.run !== undefined && (spec.start ?? spec.stop ?? spec.status) !== undefined) {
    reader.fail(at, '`run` and `start`/`stop`/`status` are exclusive')
  }
  if (spec.start !== undefined && (spec.stop === undefined || spec.status === undefined)) {
    reader.fail(at, '`start` needs `stop` and `status` too')
  }
  if (spec.upstream !== undefined) {
    try {
      const url = new URL(spec.upstream)
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http')
    } catch {
      reader.fail([...at, 'upstream'], `"${spec.upstream}" is not an http(s) URL`)
    }
  } else if (spec.port === undefined) {
    reader.fail(at, 'needs `port` or `upstream` so that Paastis knows where the app answers')
  }
  return spec
}

export function parsePaastisFile (text: string, file: string): PaastisFile {
  if (Buffer.byteLength(text) > MAX_FILE_BYTES) throw tooLarge(file, Buffer.byteLength(text))
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true })
  if (doc.errors.length > 0) {
    const error = doc.errors[0]
    const line = error.linePos?.[0].line
    throw new ConfigFileError(file, line, `invalid YAML: ${error.message.split('\n')[0]}`)
  }
  const reader = new Reader(file, doc, lines)
  let top: Json
  try {
    // An alias bomb (a few lines that expand to millions of nodes) is refused, not expanded.
    top = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as Json
  } catch (err) {
    throw new ConfigFileError(file, undefined, `refused: ${(err as Error).message} (at most ${MAX_ALIAS_COUNT} alias uses)`)
  }
  if (top === null || top === undefined) return { path: file, rules: [], apps: [], warnings: [] }
  if (!isMap(doc.contents)) reader.fail([], 'the file must be a mapping with `rules` and/or `apps`')
  const root = reader.object(top, [])
  reader.warnUnknown(root, TOP_KEYS, [])
  if (root.rules !== undefined && root.rules !== null && !isSeq(doc.get('rules', true))) reader.fail(['rules'], 'must be a list')

  const rules = reader.list(root.rules, ['rules']).map((raw, i) => readRule(reader, raw, i))
  const seen = new Set<string>()
  const baseDir = path.dirname(path.resolve(file))
  const apps = reader.list(root.apps, ['apps']).map((raw, i) => readApp(reader, raw, i, baseDir, seen))
  return { path: file, rules, apps, warnings: reader.warnings }
}

const tooLarge = (file: string, size: number): ConfigFileError =>
  new ConfigFileError(file, undefined, `is ${size} bytes: larger than the ${MAX_FILE_BYTES} bytes a paastis.yml may have`)

/** Reads the file; a missing file is an empty configuration unless it was asked for explicitly. */
export async function loadPaastisFile (file: string, required: boolean): Promise<PaastisFile> {
  let text: string
  try {
    // The size is checked before anything is read: a huge file costs nothing.
    const { size } = await stat(file)
    if (size > MAX_FILE_BYTES) throw tooLarge(file, size)
    text = await readFile(file, 'utf8')
  } catch (err) {
    if (err instanceof ConfigFileError) throw err
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !required) {
      return { path: file, rules: [], apps: [], warnings: [] }
    }
    throw new ConfigFileError(file, undefined, `cannot be read: ${(err as Error).message}`)
  }
  const parsed = parsePaastisFile(text, file)
  // A missing folder would fail every wake with "spawn /bin/sh ENOENT": say it now.
  for (const [i, app] of parsed.apps.entries()) {
    const folder = await stat(app.cwd).catch(() => undefined)
    if (folder?.isDirectory() !== true) throw new ConfigFileError(file, undefined, `apps[${i}].cwd: ${app.cwd} is not a folder (app ${app.name})`)
  }
  return parsed
}
