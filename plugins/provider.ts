// The provider: the one PROVIDER_NAME names, or, with `providers:` in paastis.yml, a set of them
// (lib/provider-set.ts), each built from its own keys (providers/create.ts) and instrumented:
// calls and errors counted for /metrics per provider; what they spawned stops with Paastis.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { AppOptions } from '../lib/app-options'
import { ConfigError } from '../lib/config-error'
import { envSchema, type Env } from '../lib/config-schema'
import type { Provider } from '../lib/provider'
import type { ProviderEntry } from '../lib/provider-entry'
import { ProviderSet } from '../lib/provider-set'
import { CommandProvider } from '../providers/command'
import { createProvider, type ProviderSettings } from '../providers/create'
import { InstrumentedProvider } from '../providers/instrumented'

declare module 'fastify' {
  interface FastifyInstance {
    provider: InstrumentedProvider
    /** Each provider by its name, with its call counts (one entry without `providers:`). */
    providers: ReadonlyArray<{ name: string, provider: InstrumentedProvider }>
  }
}

/** What an entry of `providers:` does not set is its type's default, never another account's variable. */
function entryConfig (config: Env, entry: ProviderEntry): Env {
  const own: Record<string, unknown> = { ...config, PROVIDER_NAME: entry.type, PROVIDER_REGION: undefined }
  for (const [name, schema] of Object.entries(envSchema.properties)) {
    if (!/^PROVIDER_(SCALINGO|HEROKU|CLEVER)_/.test(name)) continue
    own[name] = 'default' in schema ? schema.default : undefined
  }
  return { ...own, ...entry.env } as unknown as Env
}

export default fp(async function provider (fastify: FastifyInstance, opts: AppOptions) {
  const { config, settings } = fastify
  const providerSettings: ProviderSettings = {
    requestTimeoutMs: settings.providerRequestTimeoutMs,
    pollIntervalMs: settings.providerPollIntervalMs,
    commandStopGraceMs: settings.commandStopGraceMs,
    hooksTimeoutMs: settings.hooksTimeoutMs,
    apps: settings.file.apps,
    configFile: settings.file.path
  }
  const build = async (env: Env, name: string): Promise<InstrumentedProvider> => {
    let inner: Provider
    try {
      inner = createProvider(env, providerSettings, fastify.log.child({ provider: name }))
    } catch (err) {
      // "PROVIDER_SCALINGO_API_TOKEN is required" names the variable; an entry's key is its own.
      if (err instanceof ConfigError && name !== env.PROVIDER_NAME) throw new ConfigError(`providers: ${name}: ${err.message.replace(/PROVIDER_[A-Z]+_([A-Z_]+)/g, (_all, key: string) => key.toLowerCase())}`)
      throw err
    }
    // `paastis check` may run beside a live Paastis: it never touches its processes.
    if (inner instanceof CommandProvider && opts.check !== true) await inner.recover()
    return new InstrumentedProvider(inner, name)
  }

  const entries = settings.file.providers
  let members: Array<{ name: string, provider: InstrumentedProvider, appPrefix?: string, domain?: string }>
  if (entries.length === 0) {
    members = [{ name: config.PROVIDER_NAME, provider: await build(config, config.PROVIDER_NAME) }]
  } else {
    members = []
    for (const entry of entries) members.push({ name: entry.name, provider: await build(entryConfig(config, entry), entry.name), appPrefix: entry.appPrefix, domain: entry.domain })
  }
  const names = new Set(members.map((member) => member.name))
  settings.file.rules.forEach((rule, i) => {
    if (rule.provider !== undefined && !names.has(rule.provider)) {
      throw new ConfigError(`${settings.file.path}: rules[${i}].provider: no provider is named "${rule.provider}" (${[...names].join(', ')})`)
    }
  })
  const provider = entries.length === 0 ? members[0].provider : new InstrumentedProvider(new ProviderSet(members))
  fastify.decorate('provider', provider)
  fastify.decorate('providers', members.map(({ name, provider }) => ({ name, provider })))
  // Processes Paastis spawned stop with it.
  fastify.addHook('onClose', async () => { await provider.close() })
}, { name: 'provider', dependencies: ['config', 'settings'] })
