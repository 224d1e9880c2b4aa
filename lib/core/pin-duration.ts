// How long a pin may last: a duration with its unit (a pin of "2" is ambiguous), more than 0 and
// at most 30 days. The admin API and the CLI check it by the same schema, in the same words.
import { DURATION_PATTERN, parseFiniteDuration } from '../common/duration'
import { PaastisError } from '../common/errors'

const MAX_PIN_MS = 30 * 86_400_000

export const PIN_DURATION = {
  type: 'string',
  pattern: DURATION_PATTERN.replace('(ms|s|m|h|d)?', '(s|m|h|d)').replace('never|', ''),
  description: 'a duration with its unit, as 30m, 2h or 1d (at most 30 days)'
} as const

/** The pin's length in ms; a BAD_REQUEST past 30 days or at 0. */
export function pinMs (text: string): number {
  const ms = parseFiniteDuration(text, 'm')
  if (ms <= 0 || ms > MAX_PIN_MS) throw new PaastisError('BAD_REQUEST', `for: a pin lasts more than 0 and at most 30 days, not "${text}"`)
  return ms
}
