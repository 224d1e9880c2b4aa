// Host header → app. The first label of the Host is the app key (`my-app.proxy.example.com` →
// `my-app`); the rules may map the key to another app name. A Host that names no known app is
// answered without touching the provider or growing any table: only hosts of known apps are
// cached, and the cache is bounded.
import type { AppRecord } from './app-record'
import type { Registry } from './registry'
import type { Rules } from './rules'

export type Route =
  | { kind: 'app', record: AppRecord }
  | { kind: 'unknown', key: string }
  | { kind: 'bad-host' }

const HOSTNAME = /^([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)((?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*)\.?(?::\d{1,5})?$/i
const IP_LITERAL = /^(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i

export class HostRouter {
  private readonly cache = new Map<string, string>()

  constructor (
    private readonly registry: Registry,
    private readonly rules: Rules,
    private readonly maxCached = 10_000
  ) {}

  get cachedHosts (): number {
    return this.cache.size
  }

  route (host: string | undefined): Route {
    if (host === undefined) return { kind: 'bad-host' }
    const cached = this.cache.get(host)
    if (cached !== undefined) {
      const record = this.registry.get(cached)
      if (record !== undefined) return { kind: 'app', record }
      this.cache.delete(host)
    }
    if (host.length > 260) return { kind: 'bad-host' }
    if (IP_LITERAL.test(host)) return { kind: 'unknown', key: host }
    const match = HOSTNAME.exec(host)
    if (match === null) return { kind: 'bad-host' }
    const key = match[1].toLowerCase()
    const resolution = this.rules.resolve(key)
    const record = this.registry.get(resolution.name)
    if (record === undefined) return { kind: 'unknown', key }
    if (resolution.name !== key && record.ruleKey !== key) {
      // Reached through a renaming rule: that rule's options are the app's.
      record.ruleKey = key
      record.rules = resolution.rules
      record.linkedApps = resolution.linkedApps
      if (resolution.maxIdleTimeMs !== undefined) record.maxIdleTimeMs = resolution.maxIdleTimeMs
      record.ignored ||= resolution.ignore
    }
    if (this.cache.size >= this.maxCached) this.cache.clear()
    this.cache.set(host, record.name)
    return { kind: 'app', record }
  }
}
