// Host header → app: a pure lookup that never writes a record. Exact hosts declared by the rules
// (`hosts`, `aliases`) come first; otherwise the first label of the Host is the app key
// (`my-app.proxy.example.com` → `my-app`) and the rules may map the key to another app name.
// A Host that names no known app costs one bounded key (a DNS label: 63 characters) run through
// the rules' patterns (refused at load if they can backtrack catastrophically), is answered
// without touching the provider, and is remembered in a bounded negative cache.
import type { AppRecord } from './app-record'
import type { ProviderEntry } from '../config/provider-entry'
import { ProviderSet } from './provider-set'
import type { Registry } from './registry'
import type { Resolution, Rules } from '../config/rules'

export interface AppRoute {
  kind: 'app'
  record: AppRecord
  /** The rules' options for the app (from its own name, whatever the host). */
  policy: Resolution
  /** A whitelisted alias: proxied when the app runs, never wakes it, never counts as activity. */
  whitelisted: boolean
}

/** Providers served at their own domain only: `<app>.<domain>` is theirs. */
export const domainsOf = (providers: readonly ProviderEntry[]): Array<{ domain: string, provider: string }> =>
  providers.flatMap((entry) => ProviderSet.ownDomain(entry) ? [{ domain: entry.domain, provider: entry.name }] : [])

export type Route = AppRoute | { kind: 'unknown', key: string } | { kind: 'bad-host' }

const HOSTNAME = /^([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)((?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*)\.?(?::\d{1,5})?$/i
const IP_LITERAL = /^(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i
const BAD_HOST: Route = { kind: 'bad-host' }

export class HostRouter {
  private readonly cache = new Map<string, AppRoute>()
  /** App keys known to name no app, valid while the registry's set of names is unchanged. */
  private readonly unknown = new Set<string>()
  private unknownVersion = -1
  private exact: Map<string, { app: string, whitelisted: boolean }>

  constructor (
    private readonly registry: Registry,
    private readonly rules: Rules,
    /** Providers with a `domain`: `<app>.<domain>` is their app, keyed `<app>@<provider>`. */
    private domains: ReadonlyArray<{ domain: string, provider: string }> = [],
    private readonly maxCached = 10_000
  ) {
    this.exact = rules.exactHosts()
  }

  /** The rules or the providers' domains changed (a reload): every Host is routed afresh. */
  reset (domains: ReadonlyArray<{ domain: string, provider: string }>): void {
    this.domains = domains
    this.exact = this.rules.exactHosts()
    this.cache.clear()
    this.unknown.clear()
  }

  /** Hosts of known apps remembered. */
  get cachedHosts (): number {
    return this.cache.size
  }

  /** App keys remembered as naming no app. */
  get cachedUnknownKeys (): number {
    return this.unknown.size
  }

  route (host: string | undefined): Route {
    if (host === undefined) return BAD_HOST
    // Warm path: one lookup, no allocation; the record must still be the registry's.
    const cached = this.cache.get(host)
    if (cached !== undefined) {
      if (this.registry.get(cached.record.name) === cached.record) return cached
      this.cache.delete(host)
    }
    if (host.length > 260) return BAD_HOST
    if (IP_LITERAL.test(host)) return { kind: 'unknown', key: host }
    const match = HOSTNAME.exec(host)
    if (match === null) return BAD_HOST
    const hostname = (match[1] + match[2]).toLowerCase()
    const exact = this.exact.get(hostname)
    const own = exact === undefined ? this.ownDomain(hostname) : undefined
    const key = exact?.app ?? own ?? match[1].toLowerCase()
    if (this.unknownVersion !== this.registry.namesVersion) {
      this.unknown.clear()
      this.unknownVersion = this.registry.namesVersion
    }
    if (this.unknown.has(key)) return { kind: 'unknown', key }
    const record = this.registry.get(exact?.app ?? own ?? this.rules.nameFor(key))
    if (record === undefined) {
      if (this.unknown.size >= this.maxCached) this.unknown.clear()
      this.unknown.add(key)
      return { kind: 'unknown', key }
    }
    const route: AppRoute = { kind: 'app', record, policy: this.rules.policyFor(record.name), whitelisted: exact?.whitelisted ?? false }
    if (this.cache.size >= this.maxCached) this.cache.clear()
    this.cache.set(host, route)
    return route
  }

  /** `api.team-a.example.com` with team-a's domain `team-a.example.com` → `api@team-a`. */
  private ownDomain (hostname: string): string | undefined {
    for (const { domain, provider } of this.domains) {
      if (hostname.length <= domain.length + 1 || !hostname.endsWith(`.${domain}`)) continue
      const label = hostname.slice(0, -domain.length - 1)
      if (!label.includes('.')) return `${label}@${provider}`
    }
    return undefined
  }
}
