// The CLI's options checked before any call, by schemas and in the words the server uses for its
// own (lib/common/schema-words.ts): `--for 2` is "--for must be a duration with its unit…", not a
// regex; an unknown option or a missing value names the command's options.
import Ajv from 'ajv'
import { APP_STATES } from '../lib/core/app-record'
import { EVENT_TYPES } from '../lib/core/event-store'
import { PIN_DURATION } from '../lib/core/pin-duration'
import { issueInWords } from '../lib/common/schema-words'

const OPTIONS = {
  type: 'object',
  properties: {
    for: PIN_DURATION,
    state: { enum: APP_STATES },
    type: { enum: EVENT_TYPES },
    limit: { type: 'string', pattern: '^([1-9][0-9]{0,2}|1000)$', description: 'a whole number from 1 to 1000' }
  }
} as const

const validate = new Ajv({ allErrors: false, strict: false, verbose: true }).compile(OPTIONS)

/** Why the options given cannot be sent, in words; undefined when they can. */
export function optionError (values: Record<string, unknown>): string | undefined {
  if (validate(values)) return undefined
  const issue = validate.errors?.[0]
  return issue === undefined ? 'an option is invalid' : issueInWords(`--${issue.instancePath.replace(/^\//, '')}`, issue)
}

/** node:util parseArgs's refusals ("Unknown option '--stat'. To specify a positional…"), in words. */
export function argumentError (err: Error & { code?: string }, known: string[]): string {
  const option = /'(--?[\w-]+)/.exec(err.message)?.[1] ?? 'an option'
  const takes = known.length === 0 ? '' : `; the options are ${known.join(', ')}`
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': return `unknown option ${option}${takes}`
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /does not take/.test(err.message) ? `${option} takes no value` : `${option} needs a value`
    default: return err.message
  }
}
