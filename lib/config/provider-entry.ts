// The `providers:` of paastis.yml: several providers and accounts in one Paastis. Each entry's
// keys are its type's PROVIDER_<TYPE>_* variables in lower case, without the prefix; secrets come
// from the environment only, through `${VAR}` (a literal token in a file ends up in a repository).
import type { EnvName } from './config-schema'
import { asText, mapping, text, type At, type Fail, type Json } from './file-schema'
import { PROVIDER_TYPES, type ProviderType } from './provider-types'

interface KeySpec { env: EnvName, secret?: boolean, integer?: boolean }

/** Each type's keys and the variable each one stands for. */
export const PROVIDER_KEYS: Record<ProviderType, Record<string, KeySpec>> = {
  scalingo: {
    api_token: { env: 'PROVIDER_SCALINGO_API_TOKEN', secret: true },
    operation_timeout: { env: 'PROVIDER_SCALINGO_OPERATION_TIMEOUT', integer: true },
    auth_url: { env: 'PROVIDER_SCALINGO_AUTH_URL' },
    api_url: { env: 'PROVIDER_SCALINGO_API_URL' },
    region: { env: 'PROVIDER_REGION' }
  },
  heroku: {
    api_token: { env: 'PROVIDER_HEROKU_API_TOKEN', secret: true },
    operation_timeout: { env: 'PROVIDER_HEROKU_OPERATION_TIMEOUT', integer: true },
    api_url: { env: 'PROVIDER_HEROKU_API_URL' },
    region: { env: 'PROVIDER_REGION' }
  },
  'clever-cloud': {
    api_host: { env: 'PROVIDER_CLEVER_API_HOST' },
    api_token: { env: 'PROVIDER_CLEVER_API_TOKEN', secret: true },
    oauth_consumer_key: { env: 'PROVIDER_CLEVER_OAUTH_CONSUMER_KEY', secret: true },
    oauth_consumer_secret: { env: 'PROVIDER_CLEVER_OAUTH_CONSUMER_SECRET', secret: true },
    token: { env: 'PROVIDER_CLEVER_TOKEN', secret: true },
    secret: { env: 'PROVIDER_CLEVER_SECRET', secret: true },
    operation_timeout: { env: 'PROVIDER_CLEVER_OPERATION_TIMEOUT', integer: true },
    vhost_scheme: { env: 'PROVIDER_CLEVER_VHOST_SCHEME' },
    region: { env: 'PROVIDER_REGION' }
  },
  command: {},
  docker: {
    host: { env: 'PROVIDER_DOCKER_HOST' },
    tls_verify: { env: 'PROVIDER_DOCKER_TLS_VERIFY' },
    cert_path: { env: 'PROVIDER_DOCKER_CERT_PATH' },
    network: { env: 'PROVIDER_DOCKER_NETWORK' },
    host_address: { env: 'PROVIDER_DOCKER_HOST_ADDRESS' },
    stop_timeout: { env: 'PROVIDER_DOCKER_STOP_TIMEOUT', integer: true },
    operation_timeout: { env: 'PROVIDER_DOCKER_OPERATION_TIMEOUT', integer: true }
  }
}

const ALL_KEYS = Object.fromEntries(Object.values(PROVIDER_KEYS).flatMap((keys) => Object.keys(keys)).map((key) => [key, { type: ['string', 'number'] }]))
const LABEL = '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'

export const PROVIDER_SCHEMA = mapping({
  name: { ...text, pattern: LABEL, 'x-message': '"{value}" must be lowercase letters, digits and dashes' },
  type: { enum: [...PROVIDER_TYPES], 'x-message': `must be one of: ${PROVIDER_TYPES.join(', ')}` },
  app_prefix: { ...text, pattern: '^[a-z0-9][a-z0-9-]{0,30}$', 'x-message': 'must be lowercase letters, digits and dashes (it begins app keys)' },
  domain: { ...text, pattern: '^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$', 'x-message': 'must be a domain such as team-a.example.com' },
  ...ALL_KEYS
}, { required: ['name', 'type'] })

export interface ProviderEntry {
  name: string
  type: ProviderType
  /** Prepended to its apps' names to make their keys (and first Host labels). */
  appPrefix?: string
  /** Its apps are served at `<app>.<domain>`, and only there. */
  domain?: string
  /** The PROVIDER_* variables this entry sets, its `${VAR}` references resolved. */
  env: Partial<Record<EnvName, string | number>>
  /** The variables its `${VAR}` name: secrets of Paastis, never passed to a child. */
  references: string[]
}

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g
const WHOLE_REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/

/** One entry checked by PROVIDER_SCHEMA, its keys checked for its type and its references resolved. */
export function toProviderEntry (value: Record<string, Json>, at: At, fail: Fail, env: Record<string, string | undefined>): ProviderEntry {
  const type = value.type as ProviderType
  const entry: ProviderEntry = { name: String(value.name), type, env: {}, references: [] }
  const prefix = asText(value.app_prefix)
  if (prefix !== undefined) entry.appPrefix = prefix
  const domain = asText(value.domain)
  if (domain !== undefined) entry.domain = domain.toLowerCase()
  const keys = PROVIDER_KEYS[type]
  for (const [key, raw] of Object.entries(value)) {
    if (['name', 'type', 'app_prefix', 'domain'].includes(key)) continue
    const spec = keys[key]
    const where = [...at, key]
    if (spec === undefined) fail(where, `is not a key of a ${type} provider (its keys: ${Object.keys(keys).join(', ') || 'none; its apps are the `apps:` list'})`)
    const written = String(raw)
    if (spec.secret === true && !WHOLE_REFERENCE.test(written)) {
      fail(where, `is a secret: it must come from the environment, as \${${entry.name.toUpperCase().replace(/-/g, '_')}_${key.toUpperCase()}}, never be written in the file`)
    }
    const resolved = written.replace(REFERENCE, (_whole, name: string) => {
      entry.references.push(name)
      const found = env[name]
      if (found === undefined || found === '') fail(where, `\${${name}} is not set in the environment`)
      return found as string
    })
    if (spec.integer === true) {
      if (!/^\d+$/.test(resolved)) fail(where, 'must be a whole number of seconds')
      entry.env[spec.env] = Number(resolved)
    } else {
      entry.env[spec.env] = resolved
    }
  }
  return entry
}
