// What the schemas of paastis.yml share: the JSON Schema shapes of its values, each with the
// message a person reads when it is wrong (`x-message`, read by lib/config/paastis-file.ts), and the
// conversions that a schema cannot do (patterns compiled and checked, durations in ms).
import { DURATION_PATTERN, parseDuration } from '../common/duration'
import { linearPattern, type Pattern } from '../common/pattern'

/** Where a value is in the file: ['rules', 0, 'pattern']. */
export type At = Array<string | number>
/** Stops the reading with the value's place (file:line) and the reason. */
export type Fail = (at: At, reason: string) => never

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

/** A non-empty text; numbers are read as text (`port: 3000` in a command is fine). */
export const text = { type: ['string', 'number', 'null'], pattern: '\\S', 'x-message': 'must be a non-empty string' } as const
export const flag = { type: 'boolean', 'x-message': 'must be true or false' } as const
export const list = (items: object) => ({ type: ['array', 'null'], items, 'x-message': 'must be a list' }) as const
export const mapping = (properties: Record<string, object>, extra: object = {}) =>
  ({ type: 'object', properties, additionalProperties: false, 'x-message': 'must be a mapping', ...extra }) as const
/** A duration (500ms, 30s, 2m); `never` is not one. */
export const duration = {
  type: ['string', 'number', 'null'], pattern: DURATION_PATTERN, not: { const: 'never' }, 'x-message': 'must be a duration such as 500ms, 30s, 2m'
} as const

export const asText = (value: Json | undefined): string | undefined => value === undefined || value === null ? undefined : String(value)

export function asDuration (value: Json | undefined): number | undefined {
  return value === undefined || value === null ? undefined : parseDuration(String(value), 's') as number
}

const MAX_PATTERN_LENGTH = 1000

/**
 * Rule patterns, user-agent patterns and ping regexes: RE2 syntax, matched in linear time (a
 * stranger's Host or User-Agent can never freeze Paastis); what RE2 cannot run is refused here.
 */
export function compilePattern (source: string, at: At, fail: Fail): Pattern {
  if (source.length > MAX_PATTERN_LENGTH) fail(at, `is longer than ${MAX_PATTERN_LENGTH} characters`)
  try {
    return linearPattern(source)
  } catch (err) {
    const reason = (err as Error).message
    const hint = /\(\?[=!<]|\\[1-9]|\\k</.test(source)
      ? ' (lookarounds and backreferences are not RE2 syntax: patterns run in linear time, so that a stranger cannot freeze Paastis)'
      : ''
    return fail(at, `invalid regular expression: ${reason}${hint}`)
  }
}
