// Every environment variable Paastis reads: the original Paastis' table, same names and meaning,
// plus the new ones. Validated at start-up by @fastify/env; a bad value names the variable.
import type { FromSchema } from 'json-schema-to-ts'
import { DURATION_PATTERN } from '../common/duration'
import { LOG_LEVELS } from '../common/logger'
import { PROVIDER_TYPES } from './provider-types'

const duration = { type: 'string', pattern: DURATION_PATTERN } as const
const seconds = { type: 'integer', minimum: 0 } as const
const text = { type: 'string' } as const
const url = { type: 'string', pattern: '^https?://' } as const

export const envSchema = {
  type: 'object',
  required: [],
  properties: {
    HOST: { ...text, default: '0.0.0.0' },
    PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 3000 },
    REGISTRY_TYPE: { type: 'string', enum: ['in-memory', 'redis'], default: 'in-memory' },
    REGISTRY_IGNORED_APPS: { ...text, default: '' },
    // all: the seed's opt-out (every app listed is managed); opt-in: only the apps named.
    MANAGE_APPS: { type: 'string', enum: ['all', 'opt-in'], default: 'all' },
    REGISTRY_MANAGED_APPS: { ...text, default: '' },
    DRY_RUN: { type: 'boolean', default: false },
    REGISTRY_REDIS_URL: { type: 'string', pattern: '^rediss?://' },
    REDIS_URL: { type: 'string', pattern: '^rediss?://' },
    REGISTRY_REDIS_PREFIX: { type: 'string', pattern: '^[A-Za-z0-9:_.-]+$', default: 'paastis:' },
    REGISTRY_REDIS_SYNC_INTERVAL: { ...duration, default: '1s' },
    // The original Paastis' names; `redis` is new. Unset: redis with a Redis registry, else memory.
    EVENTS_STORE_TYPE: { type: 'string', enum: ['memory', 'redis', 'postgres'] },
    DATABASE_URL: { type: 'string', pattern: '^postgres(ql)?://' },
    EVENTS_RETENTION: { ...duration, default: '90d' },
    // The deadline of every call to Redis and to the event store: a silent one costs this, no more.
    STORE_TIMEOUT: { ...duration, default: '2s' },
    WEBHOOK_URLS: { ...text, default: '' },
    WEBHOOK_EVENTS: { ...text, default: 'started,start_failed,stopped,stop_vetoed' },
    WEBHOOK_SECRET: { type: 'string', minLength: 16 },
    WEBHOOK_TIMEOUT: { ...duration, default: '5s' },
    WEBHOOK_RETRIES: { type: 'integer', minimum: 0, maximum: 10, default: 3 },
    WAITING_PAGE_AFTER: { ...duration, default: '2s' },
    WAITING_PAGE_TEMPLATE: text,
    WAITING_PAGE_TITLE: { type: 'string', minLength: 1, maxLength: 200 },
    WAITING_PAGE_LOGO_URL: { type: 'string', pattern: '^(https?://|/)' },
    WAITING_PAGE_CONTACT_URL: { type: 'string', pattern: '^(https?://|mailto:)' },
    START_AND_STOP_CHECKING_INTERVAL_CRON: { ...text, default: '* * * * *' },
    START_AND_STOP_MAX_IDLE_TIME: { ...duration, default: '15' },
    DISCOVERY_SUSPECT_CHECKS: { type: 'integer', minimum: 1, default: 3 },
    PROVIDER_NAME: { type: 'string', enum: PROVIDER_TYPES, default: 'command' },
    PROVIDER_REGION: text,
    PROVIDER_SCALINGO_API_TOKEN: text,
    PROVIDER_SCALINGO_OPERATION_TIMEOUT: { ...seconds, default: 30 },
    PROVIDER_SCALINGO_AUTH_URL: { ...url, default: 'https://auth.scalingo.com' },
    PROVIDER_SCALINGO_API_URL: url,
    PROVIDER_HEROKU_API_TOKEN: text,
    PROVIDER_HEROKU_OPERATION_TIMEOUT: { ...seconds, default: 30 },
    PROVIDER_HEROKU_API_URL: { ...url, default: 'https://api.heroku.com' },
    PROVIDER_CLEVER_API_HOST: { ...url, default: 'https://api.clever-cloud.com' },
    PROVIDER_CLEVER_API_TOKEN: text,
    PROVIDER_CLEVER_OAUTH_CONSUMER_KEY: text,
    PROVIDER_CLEVER_OAUTH_CONSUMER_SECRET: text,
    PROVIDER_CLEVER_TOKEN: text,
    PROVIDER_CLEVER_SECRET: text,
    PROVIDER_CLEVER_OPERATION_TIMEOUT: { ...seconds, default: 60 },
    PROVIDER_CLEVER_VHOST_SCHEME: { type: 'string', enum: ['https', 'http'], default: 'https' },
    PROVIDER_REQUEST_TIMEOUT: { ...duration, default: '10s' },
    // Docker's own variables, read as its CLI reads them; PROVIDER_DOCKER_HOST is an entry's `host:`.
    // Not checked here: a DOCKER_HOST of the operator's shell (ssh://…) must not stop a Paastis that
    // does not use Docker; the docker provider refuses what it cannot reach, with the forms it takes.
    DOCKER_HOST: { ...text, default: 'unix:///var/run/docker.sock' },
    DOCKER_TLS_VERIFY: text,
    DOCKER_CERT_PATH: text,
    PROVIDER_DOCKER_HOST: { type: 'string', pattern: '^(unix|tcp)://' },
    PROVIDER_DOCKER_TLS_VERIFY: text,
    PROVIDER_DOCKER_CERT_PATH: text,
    PROVIDER_DOCKER_NETWORK: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$' },
    PROVIDER_DOCKER_HOST_ADDRESS: { ...text, default: '127.0.0.1' },
    PROVIDER_DOCKER_STOP_TIMEOUT: { ...seconds, default: 10 },
    PROVIDER_DOCKER_OPERATION_TIMEOUT: { ...seconds, default: 60 },
    PROVIDER_RETRIES: { type: 'integer', minimum: 0, maximum: 10, default: 3 },
    PROVIDER_POLL_INTERVAL: { ...duration, default: '1s' },
    HOOKS_BEFORE_START: text,
    HOOKS_AFTER_START: text,
    HOOKS_BEFORE_STOP: text,
    HOOKS_AFTER_STOP: text,
    HOOKS_TIMEOUT: { ...duration, default: '30s' },
    // More variables of Paastis's environment passed to apps and hooks (never a secret of Paastis).
    CHILD_ENV: { ...text, default: '' },
    ROUTING_SYSTEM_API_ENABLED: { type: 'boolean', default: true },
    ROUTING_SYSTEM_API_TOKEN: { type: 'string', minLength: 1 },
    ADMIN_HOST: { type: 'string', pattern: '^[A-Za-z0-9.-]+$', default: 'localhost' },
    ADMIN_ALLOW: { ...text, default: '' },
    METRICS_PUBLIC: { type: 'boolean', default: false },
    // The currency of every cost_per_hour, shown with every money figure (/savings, the dashboard, the CLI, /metrics).
    // Where people open the apps, for the dashboard's links: {app} is replaced by each app's name.
    APPS_URL: { type: 'string', pattern: '^https?://[^\\s]*\\{app\\}', description: 'an http(s) URL with {app} where the app\'s name goes, as https://{app}.apps.example.com' },
    // Traces, off unless an endpoint is set (the OpenTelemetry spec's names): OTLP/HTTP, JSON.
    OTEL_EXPORTER_OTLP_ENDPOINT: url,
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url,
    OTEL_SERVICE_NAME: { type: 'string', minLength: 1, default: 'paastis' },
    // The deadline of one export, in milliseconds (the spec's unit), the traces' own first.
    OTEL_EXPORTER_OTLP_TIMEOUT: { type: 'integer', minimum: 1, default: 10_000 },
    OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: { type: 'integer', minimum: 1 },
    COST_CURRENCY: { type: 'string', pattern: '^[A-Z]{3}$', default: 'EUR', description: 'a three-letter ISO 4217 currency code, as EUR or USD' },
    PAASTIS_CONFIG_FILE: { ...text, default: './paastis.yml' },
    PAASTIS_STATE_DIR: { ...text, default: '' },
    WAKE_TIMEOUT: { ...duration, default: '2m' },
    WAKE_FAILURE_BACKOFF: { ...duration, default: '10s' },
    WAKE_FAILURE_BACKOFF_MAX: { ...duration, default: '10m' },
    PROXY_CONNECTIONS: { type: 'integer', minimum: 1, default: 128 },
    PROXY_PIPELINING: { type: 'integer', minimum: 1, maximum: 100, default: 1 },
    PROXY_KEEP_ALIVE_TIMEOUT: { ...duration, default: '60s' },
    TRUST_PROXY: { ...text, default: 'false' },
    MAX_CONNECTIONS: { type: 'integer', minimum: 1 },
    CLIENT_HEADERS_TIMEOUT: { ...duration, default: '10s' },
    CLIENT_BODY_TIMEOUT: { ...duration, default: '30s' },
    CLIENT_REQUEST_TIMEOUT: { ...duration, default: '5m' },
    PROXY_CONNECT_TIMEOUT: { ...duration, default: '10s' },
    PROXY_RESPONSE_TIMEOUT: { ...duration, default: '60s' },
    PROXY_BODY_TIMEOUT: { ...duration, default: '60s' },
    PROXY_REQUEST_BUFFER_SIZE: { type: 'integer', minimum: 0, default: 65536 },
    WEBSOCKET_PING_INTERVAL: { ...duration, default: '30s' },
    WAKE_STRATEGY: { type: 'string', enum: ['hold', 'page'], default: 'hold' },
    WAKE_MAX_PENDING: { type: 'integer', minimum: 1, default: 1000 },
    COMMAND_STOP_GRACE_PERIOD: { ...duration, default: '10s' },
    STOP_DRAIN_TIMEOUT: { ...duration, default: '10s' },
    LOG_REQUESTS: { type: 'boolean', default: false },
    LOG_FORMAT: { type: 'string', enum: ['json', 'pretty'] },
    SHUTDOWN_GRACE_PERIOD: { ...duration, default: '30s' },
    LOG_LEVEL: { type: 'string', enum: LOG_LEVELS, default: 'info' },
    LOGGING_LEVEL: { type: 'string', enum: LOG_LEVELS }
  }
} as const

export type EnvName = keyof typeof envSchema.properties

/**
 * The environment as validated and coerced by the schema, derived from it (a variable with a
 * default is always there): the type cannot drift from the schema.
 */
export type Env = FromSchema<typeof envSchema>

/** Variables that hold secrets: never logged, never passed to the processes Paastis runs. */
export const SECRET_ENV: readonly EnvName[] = [
  'PROVIDER_SCALINGO_API_TOKEN', 'PROVIDER_HEROKU_API_TOKEN', 'PROVIDER_CLEVER_API_TOKEN',
  'PROVIDER_CLEVER_OAUTH_CONSUMER_KEY', 'PROVIDER_CLEVER_OAUTH_CONSUMER_SECRET',
  'PROVIDER_CLEVER_TOKEN', 'PROVIDER_CLEVER_SECRET', 'ROUTING_SYSTEM_API_TOKEN', 'REGISTRY_REDIS_URL', 'REDIS_URL', 'DATABASE_URL', 'WEBHOOK_SECRET', 'WEBHOOK_URLS'
]

/** `a, b,,c ` → ['a', 'b', 'c'] */
export function commaList (value: string | undefined): string[] {
  return (value ?? '').split(',').map((item) => item.trim()).filter((item) => item !== '')
}

/** What every child (an app, a hook) gets of Paastis's environment: the system's basics, never a secret. */
export const CHILD_ENV_BASE: readonly string[] = ['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LANGUAGE', 'TZ', 'TMPDIR', 'TERM', 'NODE_ENV']

/**
 * The environment of a child process: an allow-list — the base above, the LC_* locale, the names
 * CHILD_ENV adds — then what the child's own entry sets. Nothing else of Paastis's environment
 * (its tokens, the `${VAR}` of `providers:`, whatever a platform injects) reaches it.
 */
export function childEnv (extra: Record<string, string>, source: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const allowed = new Set([...CHILD_ENV_BASE, ...commaList(source.CHILD_ENV)])
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(source)) {
    if (value !== undefined && (allowed.has(name) || name.startsWith('LC_'))) env[name] = value
  }
  return { ...env, ...extra }
}
