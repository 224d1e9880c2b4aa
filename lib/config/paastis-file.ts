// paastis.yml: rules for every provider and, for the `command` provider, the apps themselves.
// The YAML is read here, checked against the schemas of its owners (lib/config/rules-schema.ts,
// lib/config/command-app.ts) by Ajv, and every error is given its file:line. A broken file stops
// start-up with the file, the line and the reason; an unknown key is an error too (a typo must
// never silently give an app the default), with the key it probably meant.
import Ajv, { type ErrorObject } from 'ajv'
import { closest, distance } from 'fastest-levenshtein'
import { createHash } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { isMap, LineCounter, parseDocument, type Document, type Node } from 'yaml'
import { COMMAND_APP_SCHEMA, toCommandApp, type CommandAppSpec } from './command-app'
import { list, type At, type Json } from './file-schema'
import { PROVIDER_SCHEMA, toProviderEntry, type ProviderEntry } from './provider-entry'
import { RULE_SCHEMA, toRule } from './rules-schema'
import type { Rule } from './rules'

export type { CommandAppSpec } from './command-app'
export { RULE_KEYS } from './rules-schema'

export interface PaastisFile {
  path: string
  /** The first 12 hex digits of the file's SHA-256 (`empty` without a file): which configuration runs. */
  hash: string
  rules: Rule[]
  apps: CommandAppSpec[]
  /** Several providers at once; empty: the one PROVIDER_NAME names. */
  providers: ProviderEntry[]
}

export class ConfigFileError extends Error {
  constructor (readonly file: string, readonly line: number | undefined, reason: string) {
    super(`${file}${line === undefined ? '' : `:${line}`}: ${reason}`)
    this.name = 'ConfigFileError'
  }
}

/** A paastis.yml with thousands of rules and apps is far smaller than this. */
const MAX_FILE_BYTES = 1024 * 1024
const MAX_ALIAS_COUNT = 100

const FILE_SCHEMA = {
  type: ['object', 'null'],
  properties: { rules: list(RULE_SCHEMA), apps: list(COMMAND_APP_SCHEMA), providers: list(PROVIDER_SCHEMA) },
  additionalProperties: false,
  'x-message': 'the file must be a mapping with `rules`, `apps` and/or `providers`'
}

const ajv = new Ajv({ allErrors: true, verbose: true, strict: false })
ajv.addKeyword({ keyword: 'x-message', schemaType: 'string' })
const validateFile = ajv.compile(FILE_SCHEMA)

function label (at: At): string {
  return at.map((part, i) => typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${part}`).join('') || '(top level)'
}

/** `/rules/0/pattern` → ['rules', 0, 'pattern']. */
function pathOf (pointer: string): At {
  if (pointer === '') return []
  return pointer.slice(1).split('/').map((part) => {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~')
    return /^\d+$/.test(key) ? Number(key) : key
  })
}

/** Where a value is: its line in the file (or its parent's, when the value itself is missing). */
function lineOf (doc: Document, lines: LineCounter, at: At): number | undefined {
  for (let depth = at.length; depth >= 0; depth--) {
    const node = doc.getIn(at.slice(0, depth), true) as Node | undefined
    if (node?.range) return lines.linePos(node.range[0]).line
  }
  return undefined
}

/** What a person reads for one schema error: the message its schema gives, else a plain one. */
function reasonOf (error: ErrorObject): { at: At, reason: string } {
  const at = pathOf(error.instancePath)
  if (error.keyword === 'required') return { at: [...at, error.params.missingProperty as string], reason: 'is required' }
  const message = (error.parentSchema as Record<string, unknown> | undefined)?.['x-message']
  if (typeof message === 'string') return { at, reason: message.replace('{value}', String(error.data)) }
  return { at, reason: error.message ?? 'is invalid' }
}

/** `env`: where the `${VAR}` of `providers:` are read. */
export function parsePaastisFile (text: string, file: string, env: Record<string, string | undefined> = {}): PaastisFile {
  if (Buffer.byteLength(text) > MAX_FILE_BYTES) throw tooLarge(file, Buffer.byteLength(text))
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true })
  if (doc.errors.length > 0) {
    const error = doc.errors[0]
    const line = error.linePos?.[0].line
    throw new ConfigFileError(file, line, `invalid YAML: ${error.message.split('\n')[0]}`)
  }
  const fail = (at: At, reason: string): never => {
    throw new ConfigFileError(file, lineOf(doc, lines, at), `${label(at)}: ${reason}`)
  }
  let top: Json
  try {
    // An alias bomb (a few lines that expand to millions of nodes) is refused, not expanded.
    top = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as Json
  } catch (err) {
    throw new ConfigFileError(file, undefined, `refused: ${(err as Error).message} (at most ${MAX_ALIAS_COUNT} alias uses)`)
  }
  const hash = hashOf(text)
  if (top === null || top === undefined) return { path: file, hash, rules: [], apps: [], providers: [] }
  if (!isMap(doc.contents)) fail([], FILE_SCHEMA['x-message'])
  if (validateFile(top) !== true) {
    const { at, reason } = firstProblem(validateFile.errors ?? [])
    fail(at, reason)
  }
  const root = top as { rules?: Json[] | null, apps?: Json[] | null, providers?: Json[] | null }
  const rules: Rule[] = (root.rules ?? []).map((raw, i) => toRule(raw as Record<string, Json>, ['rules', i], fail))
  const seen = new Set<string>()
  const baseDir = path.dirname(path.resolve(file))
  const apps: CommandAppSpec[] = (root.apps ?? []).map((raw, i) => {
    const app = toCommandApp(raw as Record<string, Json>, ['apps', i], baseDir, fail)
    if (seen.has(app.name)) fail(['apps', i, 'name'], `"${app.name}" is declared twice`)
    seen.add(app.name)
    return app
  })
  const names = new Set<string>()
  const providers = (root.providers ?? []).map((raw, i) => {
    const entry = toProviderEntry(raw as Record<string, Json>, ['providers', i], fail, env)
    if (names.has(entry.name)) fail(['providers', i, 'name'], `"${entry.name}" is used twice: every provider needs its own name`)
    names.add(entry.name)
    return entry
  })
  const commands = providers.filter((entry) => entry.type === 'command')
  if (commands.length > 1) fail(['providers'], 'at most one provider of type command: its apps are the one `apps:` list')
  return { path: file, hash, rules, apps, providers }
}

/** The error a person should read first: unknown keys (a typo explains what follows it), the outermost first. */
function firstProblem (all: ErrorObject[]): { at: At, reason: string } {
  const errors = all.filter((error) => !error.schemaPath.includes('/anyOf/'))
  const unknown = errors.filter((candidate) => candidate.keyword === 'additionalProperties')
    .sort((a, b) => a.instancePath.split('/').length - b.instancePath.split('/').length)
  if (unknown.length > 0) {
    const error = unknown[0]
    const key = error.params.additionalProperty as string
    return { at: [...pathOf(error.instancePath), key], reason: unknownKey(key, error.parentSchema) }
  }
  return reasonOf(errors[0])
}

const validateRule = ajv.compile(RULE_SCHEMA)

/**
 * One rule written elsewhere than the file (a container's labels), checked as the file's rules
 * are; `where` names a key for the person who wrote it. Throws an Error with that name and reason.
 */
export function parseRule (fields: Record<string, Json>, where: (at: At) => string): Rule {
  const fail = (at: At, reason: string): never => {
    throw new Error(`${where(at)}: ${reason}`)
  }
  if (validateRule(fields) !== true) {
    const { at, reason } = firstProblem(validateRule.errors ?? [])
    fail(at, reason)
  }
  return toRule(fields, [], fail)
}

export const hashOf = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 12)

/** The hash of a file with nothing in it (0 bytes). */
export const EMPTY_FILE_HASH = hashOf('')

/** "unknown key; did you mean app_max_idle_time?" with the keys the place accepts. */
function unknownKey (key: string, schema: unknown): string {
  const known = Object.keys((schema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {})
  const guess = known.length === 0 ? undefined : closest(key, known)
  const near = guess !== undefined && distance(key, guess) <= Math.max(2, Math.floor(guess.length / 3))
  const hint = near ? `did you mean "${guess}"?` : `the keys allowed here are ${known.join(', ')}`
  return `unknown key: ${hint} (fix its spelling or remove it)`
}

const tooLarge = (file: string, size: number): ConfigFileError =>
  new ConfigFileError(file, undefined, `is ${size} bytes: larger than the ${MAX_FILE_BYTES} bytes a paastis.yml may have`)

/** Reads the file; a missing file is an empty configuration unless it was asked for explicitly. */
export async function loadPaastisFile (file: string, required: boolean, env: Record<string, string | undefined> = process.env): Promise<PaastisFile> {
  let text: string
  try {
    // The size is checked before anything is read: a huge file costs nothing.
    const { size } = await stat(file)
    if (size > MAX_FILE_BYTES) throw tooLarge(file, size)
    text = await readFile(file, 'utf8')
  } catch (err) {
    if (err instanceof ConfigFileError) throw err
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !required) {
      return { path: file, hash: 'empty', rules: [], apps: [], providers: [] }
    }
    throw new ConfigFileError(file, undefined, `cannot be read: ${(err as Error).message}`)
  }
  const parsed = parsePaastisFile(text, file, env)
  // A missing folder would fail every wake with "spawn /bin/sh ENOENT": say it now.
  for (const [i, app] of parsed.apps.entries()) {
    const folder = await stat(app.cwd).catch(() => undefined)
    if (folder?.isDirectory() !== true) throw new ConfigFileError(file, undefined, `apps[${i}].cwd: ${app.cwd} is not a folder (app ${app.name})`)
  }
  return parsed
}
