// What each admin API answer must hold before the CLI reads it: the fields it prints, with their
// types. Anything else (another server, another version) is one line of error, not a TypeError.
import type { Shape } from '../lib/common/shape'

const str = { type: 'string' } as const
const num = { type: 'number' } as const
const APP = { type: 'object', required: ['name', 'provider', 'state', 'lastActivityAt'], properties: { name: str, provider: str, state: str, lastActivityAt: str } }

export const SHAPES = {
  apps: { what: 'a list of apps', schema: { type: 'array', items: APP } },
  app: { what: 'an app', schema: APP },
  stop: { what: 'the outcome of a stop', schema: { type: 'object', required: ['stopped', 'app'], properties: { stopped: { type: 'boolean' }, app: APP } } },
  events: { what: 'a list of events', schema: { type: 'array', items: { type: 'object', required: ['at', 'app', 'type'], properties: { at: str, app: str, type: str } } } },
  savings: {
    what: 'savings',
    schema: {
      type: 'object',
      required: ['from', 'to', 'hoursAsleep', 'hoursRunning', 'apps'],
      properties: {
        from: str,
        to: str,
        currency: str,
        hoursAsleep: num,
        hoursRunning: num,
        apps: { type: 'array', items: { type: 'object', required: ['app', 'hoursAsleep', 'hoursRunning'], properties: { app: str, hoursAsleep: num, hoursRunning: num } } }
      }
    }
  }
} satisfies Record<string, Shape>

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g

/**
 * What the CLI prints carries no control character but newline and tab: an app's error output or
 * a hostile server cannot set the clipboard (OSC 52), clear the screen or retitle the terminal.
 * Each one is shown, escaped, as what it is.
 */
export function printable (text: string): string {
  return text.replace(CONTROL, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`)
}
