// The provider: the one PROVIDER_NAME names, or, with `providers:` in paastis.yml, a set of them
// (lib/core/provider-set.ts), each built from its own keys (providers/create.ts) and instrumented:
// calls and errors counted for /metrics per provider; what they spawned stops with Paastis.
// A reloaded paastis.yml rebuilds only the providers whose entry changed (`providerSetup`).
import { EventEmitter } from 'node:events'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { AppOptions } from '../lib/config/app-options'
import { ConfigError } from '../lib/config/config-error'
import { envSchema, type Env } from '../lib/config/config-schema'
import type { PaastisFile } from '../lib/config/paastis-file'
import type { Provider } from '../lib/core/provider'
import { PROVIDER_KEYS, type ProviderEntry } from '../lib/config/provider-entry'
import { ProviderSet } from '../lib/core/provider-set'
import { CommandProvider } from '../providers/command'
import { createProvider, type ProviderSettings } from '../providers/create'
import { InstrumentedGroup, InstrumentedProvider } from '../providers/instrumented'

interface Member {
  name: string
  provider: InstrumentedProvider
  appPrefix?: string
  domain?: string
  /** What it was built from: an entry that reads the same is kept as it is at a reload. */
  definition: string
}

/** Providers built for a paastis.yml, not yet in use. */
export interface PreparedProviders {
  file: PaastisFile
  members: Member[]
  added: string[]
  removed: string[]
}

export interface ProviderSetup {
  /** Builds what `file` asks for, reusing the providers it does not change; throws a ConfigError. */
  prepare: (file: PaastisFile) => Promise<PreparedProviders>
  /** Puts prepared providers in use; the ones no longer named are closed. */
  apply: (prepared: PreparedProviders) => Promise<void>
  /** Gives up prepared providers (another part of the file was refused). */
  discard: (prepared: PreparedProviders) => Promise<void>
}

declare module 'fastify' {
  interface FastifyInstance {
    provider: InstrumentedGroup
    /** Each provider by its name, with its call counts (one entry without `providers:`). */
    providers: ReadonlyArray<{ name: string, provider: InstrumentedProvider }>
    providerSetup: ProviderSetup
    /** Emits `changed` when a provider saw an app change outside Paastis (Docker's events). */
    providerChanges: EventEmitter<{ changed: [] }>
  }
}

/** The variables an entry's keys stand for (PROVIDER_SCALINGO_API_TOKEN…), of every type. */
const ENTRY_VARIABLES: ReadonlySet<string> = new Set(Object.values(PROVIDER_KEYS).flatMap((keys) => Object.values(keys).map((key) => key.env)))

/** What an entry of `providers:` does not set is its type's default, never another account's variable. */
function entryConfig (config: Env, entry: ProviderEntry): Env {
  const own: Record<string, unknown> = { ...config, PROVIDER_NAME: entry.type }
  for (const [name, schema] of Object.entries(envSchema.properties)) {
    if (!ENTRY_VARIABLES.has(name)) continue
    own[name] = 'default' in schema ? schema.default : undefined
  }
  return { ...own, ...entry.env } as unknown as Env
}

export default fp(async function provider (fastify: FastifyInstance, opts: AppOptions) {
  const { config, settings } = fastify
  const changes = new EventEmitter<{ changed: [] }>()
  fastify.decorate('providerChanges', changes)
  const providerSettings = (file: PaastisFile): ProviderSettings => ({
    requestTimeoutMs: settings.providerRequestTimeoutMs,
    pollIntervalMs: settings.providerPollIntervalMs,
    commandStopGraceMs: settings.commandStopGraceMs,
    hooksTimeoutMs: settings.hooksTimeoutMs,
    apps: file.apps,
    configFile: file.path,
    // `paastis check` lists once: it watches nothing.
    changed: opts.check === true ? undefined : () => { changes.emit('changed') }
  })
  const build = async (env: Env, name: string, file: PaastisFile): Promise<InstrumentedProvider> => {
    let inner: Provider
    try {
      inner = createProvider(env, providerSettings(file), fastify.log.child({ provider: name }))
    } catch (err) {
      // "PROVIDER_SCALINGO_API_TOKEN is required" names the variable; an entry's key is its own.
      if (err instanceof ConfigError && name !== env.PROVIDER_NAME) throw new ConfigError(`providers: ${name}: ${err.message.replace(/PROVIDER_[A-Z]+_([A-Z_]+)/g, (_all, key: string) => key.toLowerCase())}`)
      throw err
    }
    // `paastis check` may run beside a live Paastis: it never touches its processes.
    if (inner instanceof CommandProvider && opts.check !== true) await inner.recover()
    return new InstrumentedProvider(inner, name)
  }

  let members: Member[] = []
  const prepare = async (file: PaastisFile): Promise<PreparedProviders> => {
    const wanted = file.providers.length === 0
      ? [{ name: config.PROVIDER_NAME, env: config, definition: '' }]
      : file.providers.map((entry) => ({ name: entry.name, env: entryConfig(config, entry), definition: JSON.stringify(entry), entry }))
    const next: Member[] = []
    const fresh: Member[] = []
    try {
      for (const want of wanted) {
        const kept = members.find((member) => member.name === want.name && member.definition === want.definition)
        const entry = 'entry' in want ? want.entry : undefined
        if (kept !== undefined) {
          next.push({ ...kept, appPrefix: entry?.appPrefix, domain: entry?.domain })
          continue
        }
        const built: Member = { name: want.name, provider: await build(want.env, want.name, file), appPrefix: entry?.appPrefix, domain: entry?.domain, definition: want.definition }
        fresh.push(built)
        next.push(built)
      }
      const names = new Set(next.map((member) => member.name))
      file.rules.forEach((rule, i) => {
        if (rule.provider !== undefined && !names.has(rule.provider)) {
          throw new ConfigError(`${file.path}: rules[${i}].provider: no provider is named "${rule.provider}" (${[...names].join(', ')})`)
        }
      })
    } catch (err) {
      await Promise.all(fresh.map(async (member) => { await member.provider.close() }))
      throw err
    }
    return {
      file,
      members: next,
      added: fresh.map((member) => member.name).filter((name) => !members.some((member) => member.name === name)),
      removed: members.filter((member) => !next.some((kept) => kept.name === member.name)).map((member) => member.name)
    }
  }
  // Calls go through the top's counts and then the member's (per provider, for /metrics); one
  // provider is a set of one.
  const innerOf = (prepared: PreparedProviders): ProviderSet => new ProviderSet(prepared.members)
  const apply = async (prepared: PreparedProviders): Promise<void> => {
    const gone = members.filter((member) => !prepared.members.some((kept) => kept.provider === member.provider))
    members = prepared.members
    top.replace(innerOf(prepared))
    list.splice(0, list.length, ...members.map(({ name, provider }) => ({ name, provider })))
    // The command provider's apps are the file's `apps:`, whether or not its entry changed.
    for (const member of members) {
      if (member.provider.inner instanceof CommandProvider) await member.provider.inner.setApps(prepared.file.apps)
    }
    await Promise.all(gone.map(async (member) => { await member.provider.close() }))
  }
  const discard = async (prepared: PreparedProviders): Promise<void> => {
    const unused = prepared.members.filter((member) => !members.some((kept) => kept.provider === member.provider))
    await Promise.all(unused.map(async (member) => { await member.provider.close() }))
  }

  const first = await prepare(settings.file)
  members = first.members
  const top = new InstrumentedGroup(innerOf(first))
  const list = members.map(({ name, provider }) => ({ name, provider }))
  fastify.decorate('provider', top)
  fastify.decorate('providers', list)
  fastify.decorate('providerSetup', { prepare, apply, discard })
  // Processes Paastis spawned stop with it.
  fastify.addHook('onClose', async () => { await top.close() })
}, { name: 'provider', dependencies: ['config', 'settings'] })
