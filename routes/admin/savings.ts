// What Paastis saved over a period: hours asleep per app, per day and in all, and money where
// the rules give a `cost_per_hour`.
import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts'
import { PaastisError } from '../../lib/errors'
import { savings } from '../../lib/savings'
import { errorResponses, errorSchema } from './schemas'

const DAY_MS = 86_400_000
/** Longer periods are asked for in several calls: the answer stays small. */
const MAX_PERIOD_DAYS = 400

const hours = { type: 'number' } as const
const money = { type: 'number', nullable: true } as const

export const savingsSchema = {
  type: 'object',
  required: ['from', 'to', 'hoursAsleep', 'hoursRunning', 'saved', 'apps', 'days'],
  properties: {
    from: { type: 'string', format: 'date-time' },
    to: { type: 'string', format: 'date-time' },
    hoursAsleep: hours,
    hoursRunning: hours,
    saved: { ...money, description: 'Hours asleep × cost_per_hour, summed over the apps that have one' },
    apps: {
      type: 'array',
      items: {
        type: 'object',
        required: ['app', 'hoursAsleep', 'hoursRunning', 'costPerHour', 'saved', 'days'],
        properties: {
          app: { type: 'string' },
          hoursAsleep: hours,
          hoursRunning: hours,
          costPerHour: money,
          saved: money,
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
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms)) throw new PaastisError('BAD_REQUEST', `${name}: "${value}" is not an ISO 8601 date or date-time`)
  return ms
}

const savingsRoute: FastifyPluginAsyncJsonSchemaToTs = async (fastify) => {
  const { accounting, rules, clock } = fastify
  fastify.get('/savings', {
    schema: {
      summary: 'Hours each app slept over a period (default: the last 30 days), per day, and the money saved',
      tags: ['apps'],
      querystring: { type: 'object', properties: { from: instant, to: instant }, additionalProperties: false },
      response: { 200: savingsSchema, 400: { ...errorSchema, description: 'A bad date or period' }, 401: errorResponses[401] }
    }
  }, async (request) => {
    const to = parseInstant('to', request.query.to, clock.now())
    const from = parseInstant('from', request.query.from, to - 30 * DAY_MS)
    if (from >= to) throw new PaastisError('BAD_REQUEST', '`from` must be before `to`')
    if (to - from > MAX_PERIOD_DAYS * DAY_MS) throw new PaastisError('BAD_REQUEST', `a period is at most ${MAX_PERIOD_DAYS} days`)
    const accounts = await accounting.accounts(from, to)
    return savings(accounts.values(), (app) => rules.policyFor(app).costPerHour, from, to)
  })
}

export default savingsRoute
