// What a container's `paastis.*` labels say: where it is (its app key, port, group, network) and
// its own rule — every rule key of paastis.yml as a label (`paastis.app_max_idle_time=30m`), so a
// container carries its policy. Labels are text: flags read `true`/`false`, lists are
// comma-separated, `ping` keys are dotted (`paastis.ping.path=/health`). Checked by the same
// schema as the file's rules, with the same words.
import type { Json } from './file-schema'
import { parseRule } from './paastis-file'
import type { Rule } from './rules'
import { closest, distance } from 'fastest-levenshtein'
import { RULE_KEYS, RULE_SCHEMA } from './rules-schema'

export const LABEL_PREFIX = 'paastis.'
/** Nothing unlabelled is touched: only containers with this label are listed. */
export const ENABLE_LABEL = 'paastis.enable=true'

/** Labels that place the container; every other `paastis.*` label is a rule key. */
const PLACEMENT = new Set(['enable', 'name', 'port', 'group', 'network'])
/** Rule keys that route Hosts across apps: they belong to paastis.yml, not to one container. */
const FILE_ONLY = new Set(['pattern', 'provider', 'app_name', 'hosts', 'aliases'])
/** Shorter spellings a label may use. */
const ALIASES: Record<string, string> = { max_idle_time: 'app_max_idle_time' }
const KEY = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/

export interface ContainerLabels {
  /** `paastis.name`: the app's key. */
  name?: string
  /** `paastis.port`: the port the container's HTTP server listens on. */
  port?: number
  /** `paastis.group`: containers that wake and sleep together, as one app. */
  group?: string
  /** `paastis.network`: the network on which Paastis reaches it by its name. */
  network?: string
  /** Its rule keys, checked; undefined when it sets none. */
  rule?: Rule
  /** Why the labels cannot be used (the container is then never touched). */
  error?: string
}

type Properties = Record<string, { type?: string | string[], properties?: Record<string, unknown> }>
const RULE_PROPERTIES = RULE_SCHEMA.properties as unknown as Properties

/** A label's text as the schema's type of `key` reads it; anything else is left for the schema to refuse. */
function valueOf (key: string, text: string): Json {
  const types = [RULE_PROPERTIES[key]?.type ?? 'string'].flat()
  if (types.includes('boolean') && (text === 'true' || text === 'false')) return text === 'true'
  if (types.includes('array')) return text.split(',').map((part) => part.trim()).filter((part) => part !== '')
  if (types.includes('number') && !types.includes('string') && /^\d+(\.\d+)?$/.test(text)) return Number(text)
  return text
}

/** A lowercase key a Host's first label can carry: `My_App.v2` → `my-app-v2`. */
export function asAppKey (text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63)
}

export function readContainerLabels (labels: Readonly<Record<string, string>>, app: string): ContainerLabels {
  const read: ContainerLabels = {}
  const fields: Record<string, Json> = {}
  const shown: string[] = []
  try {
    for (const [label, raw] of Object.entries(labels)) {
      if (!label.startsWith(LABEL_PREFIX)) continue
      const text = raw.trim()
      const [first, ...rest] = label.slice(LABEL_PREFIX.length).split('.')
      const key = ALIASES[first] ?? first
      if (PLACEMENT.has(key) && rest.length === 0) {
        place(read, key, text, label)
        continue
      }
      if (FILE_ONLY.has(key)) throw new Error(`label ${label}: routes Hosts across apps, so it belongs in paastis.yml's rules, not on a container`)
      if (!RULE_KEYS.has(key)) throw new Error(`label ${label}: ${unknownLabel(first)}`)
      if (rest.length > 0) {
        const nested = (fields[key] ??= {}) as Record<string, Json>
        if (typeof nested !== 'object' || Array.isArray(nested)) throw new Error(`label ${label}: ${key} is not a mapping`)
        nested[rest.join('.')] = text
      } else {
        fields[key] = valueOf(key, text)
      }
      shown.push(`${label.slice(LABEL_PREFIX.length)}=${text}`)
    }
    if (shown.length > 0) {
      const rule = parseRule({ ...fields, pattern: `^${app.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')}$` }, (at) => `label ${LABEL_PREFIX}${at.join('.')}`)
      rule.pattern = `labels: ${shown.sort().join(', ')}`
      read.rule = rule
    }
  } catch (err) {
    read.error = (err as Error).message
  }
  return read
}

function place (read: ContainerLabels, key: string, text: string, label: string): void {
  switch (key) {
    case 'enable':
      return
    case 'port': {
      const port = Number(text)
      if (!/^\d+$/.test(text) || port < 1 || port > 65535) throw new Error(`label ${label}: "${text}" must be the port the container listens on (1-65535)`)
      read.port = port
      return
    }
    case 'name':
      if (!KEY.test(text)) throw new Error(`label ${label}: "${text}" must be lowercase letters, digits and dashes (it is the app's key and first Host label)`)
      read.name = text
      return
    case 'group':
      if (text === '') throw new Error(`label ${label}: must name the group`)
      read.group = text
      return
    case 'network':
      if (text === '') throw new Error(`label ${label}: must name a network`)
      read.network = text
  }
}

/** The rule of an app Paastis must leave alone, and why: shown with its rules (`paastis check`, /apps). */
export function refusalRule (reason: string): Rule {
  return { pattern: `not managed: ${reason}`, regex: /^$/, ignore: true, wake: {} }
}

/** "did you mean max_idle_time?" among the labels a container may carry. */
function unknownLabel (key: string): string {
  const known = [...PLACEMENT, ...Object.keys(ALIASES), ...[...RULE_KEYS].filter((rule) => !FILE_ONLY.has(rule))]
  const guess = closest(key, known)
  const near = distance(key, guess) <= Math.max(2, Math.floor(guess.length / 3))
  return `unknown key: ${near ? `did you mean "${LABEL_PREFIX}${guess}"?` : `the labels are ${known.map((name) => LABEL_PREFIX + name).join(', ')}`} (fix its spelling or remove it)`
}
