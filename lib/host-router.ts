// Host header → app. Exact hosts declared by the rules (`hosts`, `aliases`) come first; otherwise
// the first label of the Host is the app key (`my-app.proxy.example.com` → `my-app`) and the
// rules may map the key to another app name. A Host that names no known app is answered without
// touching the provider or growing any table: only hosts of known apps are cached, and the
// cache is bounded.
import type { AppRecord } from './app-record'
import type { Registry } from './registry'
import type { Resolution, Rules } from './rules'

export interface AppRoute {
  kind: 'app'
  record: AppRecord
  /** The rules' options for the app as reached through this host. */
  policy: Resolution
  /** A whitelisted alias: proxied when the app runs, never wakes it, never counts as activity. */
  whitelisted: boolean
}

export type Route = AppRoute | { kind: 'unknown', key: string } | { kind: 'bad-host' }

const HOSTNAME = /^([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)((?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*)\.?(?::\d{1,5})?$/i
const IP_LITERAL = /^(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i
const BAD_HOST: Route = { kind: 'bad-host' }

export class HostRouter {
  private readonly cache = new Map<string, AppRoute>()
  private readonly exact: Map<string, { app: string, whitelisted: boolean }>

  constructor (
    private readonly registry: Registry,
    private readonly rules: Rules,
    private readonly maxCached = 10_000
  ) {
    this.exact = rules.exactHosts()
  }

  get cachedHosts (): number {
    return this.cache.size
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
    const key = exact?.app ?? match[1].toLowerCase()
    const policy = this.rules.resolve(key)
    const record = this.registry.get(policy.name)
    if (record === undefined) return { kind: 'unknown', key }
    if (policy.name !== key && record.ruleKey !== key) {
      // Reached through a renaming rule: that rule's options are the app's.
      record.ruleKey = key
      record.rules = policy.rules
      record.linkedApps = policy.linkedApps
      if (policy.maxIdleTimeMs !== undefined) record.maxIdleTimeMs = policy.maxIdleTimeMs
      record.ignored ||= policy.ignore
      // Once per host, not per request: other replicas learn the app's options too.
      this.registry.save(record).catch(() => {})
    }
    const route: AppRoute = { kind: 'app', record, policy, whitelisted: exact?.whitelisted ?? false }
    if (this.cache.size >= this.maxCached) this.cache.clear()
    this.cache.set(host, route)
    return route
  }
}
