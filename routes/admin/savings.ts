// What Paastis saved over a period: hours asleep per app, per day and in all, and money where
// the rules give a `cost_per_hour`.
import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts'
import { PaastisError } from '../../lib/common/errors'
import { savings } from '../../lib/core/savings'
import { errorResponses, errorSchema } from './schemas'

const DAY_MS = 86_400_000
/** Longer periods are asked for in several calls: the answer stays small. */
const MAX_PERIOD_DAYS = 400

const hours = { type: 'number' } as const
const money = { type: 'number', nullable: true } as const

export const savingsSchema = {
  type: 'object',
  required: ['from', 'to', 'dryRun', 'currency', 'hoursAsleep', 'hoursRunning', 'saved', 'hoursWouldSleep', 'wouldHaveSaved', 'apps', 'days'],
  properties: {
    from: { type: 'string', format: 'date-time' },
    to: { type: 'string', format: 'date-time', description: 'The end of the period: now at the latest (hours that have not happened are not counted)' },
    dryRun: { type: 'boolean', description: 'DRY_RUN is on: no app is stopped; see hoursWouldSleep and wouldHaveSaved' },
    currency: { type: 'string', description: 'COST_CURRENCY: the ISO 4217 code of costPerHour, saved and wouldHaveSaved' },
    hoursAsleep: hours,
    hoursRunning: hours,
    saved: { ...money, description: 'Hours asleep × cost_per_hour, summed over the apps that have one' },
    hoursWouldSleep: { ...hours, description: 'Hours the apps ran but would have slept, had DRY_RUN been off' },
    wouldHaveSaved: { ...money, description: 'hoursWouldSleep × cost_per_hour, summed over the apps that have one' },
    apps: {
      type: 'array',
      items: {
        type: 'object',
        required: ['app', 'hoursAsleep', 'hoursRunning', 'costPerHour', 'saved', 'hoursWouldSleep', 'wouldHaveSaved', 'days'],
        properties: {
          app: { type: 'string' },
          hoursAsleep: hours,
          hoursRunning: hours,
          costPerHour: money,
          saved: money,
          hoursWouldSleep: hours,
          wouldHaveSaved: money,
          days: {
            type: 'array',
            items: { type: 'object', properties: { date: { type: 'string' }, hoursAsleep: hours, hoursRunning: hours }, additionalProperties: false }
          }
        },
        additionalProperties: false
      }
    },
    days: {
      type: 'array',
      items: { type: 'object', properties: { date: { type: 'string' }, hoursAsleep: hours, saved: money }, additionalProperties: false }
    }
  },
  additionalProperties: false
} as const

const instant = { type: 'string', description: 'An ISO 8601 date or date-time (2026-11-30, 2026-11-30T08:00:00Z)' } as const

function parseInstant (name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback
  const ms = Date.parse(value)
  const date = /^(\d{4})-(\d{2})-(\d{2})/.exec(value)
  if (date === null || Number.isNaN(ms)) throw new PaastisError('BAD_REQUEST', `${name}: "${value}" is not an ISO 8601 date or date-time`)
  // Date.parse reads 2026-02-31 as March 3: a day the calendar does not have is refused.
  const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])]
  const calendar = new Date(Date.UTC(year, month - 1, day))
  if (calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) {
    throw new PaastisError('BAD_REQUEST', `${name}: ${date[0]} is not a day of the calendar`)
  }
  return ms
}

const savingsRoute: FastifyPluginAsyncJsonSchemaToTs = async (fastify) => {
  const { accounting, rules, clock, settings } = fastify
  fastify.get('/savings', {
    schema: {
      summary: 'Hours each app slept over a period (default: the last 30 days), per day, and the money saved',
      tags: ['apps'],
      querystring: { type: 'object', properties: { from: instant, to: instant }, additionalProperties: false },
      response: { 200: savingsSchema, 400: { ...errorSchema, description: 'A bad date or period' }, 401: errorResponses[401] }
    }
  }, async (request) => {
    const now = clock.now()
    // A period ends at now at the latest: hours that have not happened saved nothing yet.
    const to = Math.min(now, parseInstant('to', request.query.to, now))
    const from = parseInstant('from', request.query.from, to - 30 * DAY_MS)
    if (from >= to) throw new PaastisError('BAD_REQUEST', from >= now ? '`from` is in the future: nothing has been saved there yet' : '`from` must be before `to`')
    if (to - from > MAX_PERIOD_DAYS * DAY_MS) throw new PaastisError('BAD_REQUEST', `a period is at most ${MAX_PERIOD_DAYS} days`)
    const accounts = await accounting.accounts(from, to)
    return { dryRun: settings.dryRun, currency: settings.currency, ...savings(accounts.values(), (app) => rules.policyFor(app).costPerHour, from, to) }
  })
}

export default savingsRoute
