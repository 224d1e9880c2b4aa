// JSON schemas shared by the admin routes.
import { APP_STATES } from '../../lib/core/app-record'
import { EVENT_TYPES } from '../../lib/core/events'
import { ERROR_CODES } from '../../lib/common/error-codes'

export const errorSchema = {
  type: 'object',
  required: ['statusCode', 'code', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string', enum: Object.keys(ERROR_CODES) },
    error: { type: 'string' },
    message: { type: 'string' }
  },
  additionalProperties: false
} as const

export const appSchema = {
  type: 'object',
  required: ['name', 'provider', 'state', 'hosts', 'lastActivityAt', 'maxIdleTime', 'linkedApps', 'ignored', 'rules'],
  properties: {
    name: { type: 'string' },
    provider: { type: 'string' },
    region: { type: 'string', nullable: true },
    state: { type: 'string', enum: [...APP_STATES] },
    upstream: { type: 'string', nullable: true },
    hosts: { type: 'array', items: { type: 'string' } },
    url: { type: 'string', nullable: true, description: 'Where people open the app: its first host in paastis.yml, else APPS_URL with its name; null when neither says' },
    lastActivityAt: { type: 'string', format: 'date-time' },
    maxIdleTime: { type: 'string', description: '15m, 2h, never…' },
    maxIdleTimeMs: { type: 'integer', nullable: true },
    timeLeftMs: { type: 'integer', nullable: true, description: 'Before the app is stopped for idleness; null when it will not be' },
    linkedApps: { type: 'array', items: { type: 'string' } },
    ignored: { type: 'boolean' },
    rules: { type: 'array', items: { type: 'string' }, description: 'Patterns of the paastis.yml rules that shaped the app' },
    formation: { type: 'object', additionalProperties: { type: 'integer' }, nullable: true },
    lastError: { type: 'string', nullable: true },
    lastErrorDetail: { type: 'string', nullable: true, description: 'What the app said last when its start failed (its last error output)' },
    failedWakes: { type: 'integer', nullable: true, description: 'Consecutive failed wakes' },
    nextWakeAt: { type: 'string', format: 'date-time', nullable: true, description: 'Until then, requests do not wake the app (an admin start still does)' },
    pinnedUntil: { type: 'string', format: 'date-time', nullable: true, description: 'Kept awake until then, whatever its idleness (POST /apps/:name/pin)' },
    schedule: {
      type: 'object',
      description: "The app's keep_awake windows and sleep_at, and where it stands now",
      properties: {
        timezone: { type: 'string' },
        keepAwake: { type: 'array', items: { type: 'string' } },
        prewarm: { type: 'boolean' },
        sleepAt: { type: 'string', nullable: true },
        keptAwakeUntil: { type: 'string', format: 'date-time', nullable: true },
        nextSleepAt: { type: 'string', format: 'date-time', nullable: true },
        summary: { type: 'string', description: 'kept awake until Fri 19:00; stopped at Fri 20:00 (Europe/Paris)' }
      },
      additionalProperties: false
    },
    accounting: {
      type: 'object',
      description: 'Since Paastis first saw the app, from the event history (GET /savings has it per day)',
      required: ['firstSeenAt', 'runningSeconds', 'asleepSeconds', 'wakes', 'failedWakes', 'medianWakeMs', 'lastStartAt', 'lastStopAt'],
      properties: {
        firstSeenAt: { type: 'string', format: 'date-time' },
        runningSeconds: { type: 'number' },
        asleepSeconds: { type: 'number' },
        wakes: { type: 'integer', description: 'Starts by Paastis' },
        failedWakes: { type: 'integer' },
        medianWakeMs: { type: 'integer', nullable: true },
        lastStartAt: { type: 'string', format: 'date-time', nullable: true },
        lastStopAt: { type: 'string', format: 'date-time', nullable: true }
      },
      additionalProperties: false
    }
  },
  additionalProperties: false
} as const

export const eventSchema = {
  type: 'object',
  required: ['id', 'at', 'app', 'type'],
  properties: {
    id: { type: 'string', description: "The store's id: `before` of the next page" },
    at: { type: 'string', format: 'date-time' },
    app: { type: 'string' },
    type: { type: 'string', enum: [...EVENT_TYPES] },
    cause: { type: 'string' },
    reason: { type: 'string' },
    message: { type: 'string' },
    durationMs: { type: 'integer' },
    state: { type: 'string', enum: [...APP_STATES], description: 'The state an app was discovered in' }
  },
  additionalProperties: false
} as const

export const appNameParams = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', minLength: 1, maxLength: 100 } }
} as const

export const errorResponses = {
  401: { description: 'Missing or wrong admin token', ...errorSchema },
  404: { description: 'Unknown app, or the admin API is disabled', ...errorSchema }
} as const
