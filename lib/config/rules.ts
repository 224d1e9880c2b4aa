// The rules of paastis.yml, with the original Paastis' semantics: every rule whose (unanchored)
// pattern matches the key applies, in file order, and a later rule overrides an earlier one.

import type { Pattern } from '../common/pattern'
import type { ProbeSpec } from '../proxy/probe'
import { parseSleepAt, parseWindow, type Schedule } from './schedule'

export type WakeStrategy = 'hold' | 'page'

/** How an app is woken and what its clients see meanwhile; each key set by the last rule that sets it. */
export interface WakeOptions {
  ping?: ProbeSpec
  strategy?: WakeStrategy
  wakeTimeoutMs?: number
  /** Browsers are held this long before getting the waiting page: quick wakes never show it. */
  pageAfterMs?: number
  /** Where a request goes when its wake fails or times out: redirected, or proxied with fallbackProxy. */
  fallback?: string
  /** Requests other than browser navigations are proxied to `fallback` instead of redirected. */
  fallbackProxy?: boolean
  waitForLinked?: boolean
  /** Requests from these user agents (monitors, bots) never wake the app nor count as activity. */
  ignoreUserAgents?: Pattern[]
}

/** An exact vhost routed to a rule's app; a whitelisted one never wakes it nor keeps it awake. */
export interface HostAlias {
  host: string
  whitelisted: boolean
}

export interface Rule {
  pattern: string
  regex: Pattern
  /** Only the apps of this provider (`providers:` in paastis.yml). */
  provider?: string
  appName?: string
  maxIdleTimeMs?: number | null
  linkedApps?: string[]
  ignore?: boolean
  /** What the app costs per hour running (any currency): /savings turns its hours asleep into money. */
  costPerHour?: number
  /** Windows (`Mon-Fri 08:00-19:00`) in which the app is never stopped for idleness. */
  keepAwake?: string[]
  /** The IANA zone of keep_awake and sleep_at (default UTC). */
  timezone?: string
  /** Start the app when one of its windows opens. */
  prewarm?: boolean
  /** A cron expression: stop the app then, whatever its activity. */
  sleepAt?: string
  /** Exact hosts (Hakuna's vhosts) and aliases routed to `appName`. */
  hosts?: HostAlias[]
  wake: WakeOptions
}

/** What the rules say of one app: computed from its own name, once, whichever Host reached it. */
export interface Resolution {
  /** The app's name at the provider. */
  name: string
  maxIdleTimeMs?: number | null
  linkedApps: string[]
  ignore: boolean
  costPerHour?: number
  schedule?: Schedule
  /** Patterns of the rules that applied. */
  rules: string[]
  wake: WakeOptions
}

/** Replaces `$1`…`$n` with the match's groups; `$12` is group 12, never group 1 then "2". */
export function interpolate (template: string, groups: ArrayLike<string | undefined>): string {
  return template.replace(/\$(\d+)/g, (whole, index: string) => {
    const group = groups[Number(index)]
    return group === undefined ? whole : group
  })
}

function escapeRegex (text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/**
 * `renamed-app-pr$1-$2` → a regex that recognises the names the template makes, and gives back
 * the groups that made them: the renaming rule's options then apply to the app it names.
 */
function templateMatcher (template: string): (name: string) => Array<string | undefined> | null {
  const seen = new Set<string>()
  const source = template.split(/(\$\d+)/).map((part) => {
    const group = /^\$(\d+)$/.exec(part)?.[1]
    if (group === undefined) return escapeRegex(part)
    if (seen.has(group)) return `\\k<g${group}>`
    seen.add(group)
    return `(?<g${group}>.+?)`
  }).join('')
  const regex = new RegExp(`^${source}$`)
  return (name) => {
    const match = regex.exec(name)
    if (match === null) return null
    const groups: Array<string | undefined> = [name]
    for (const [key, value] of Object.entries(match.groups ?? {})) groups[Number(key.slice(1))] = value
    return groups
  }
}

/** The groups with which a rule applies to the app `name`, or null when it does not. */
type RuleMatcher = (name: string) => ArrayLike<string | undefined> | null

export class Rules {
  private matchers: RuleMatcher[] = []
  private readonly policies = new Map<string, Resolution>()
  private current: readonly Rule[] = []
  /** Rules an app carries itself (a container's labels), by app key: applied after the file's. */
  private readonly declared = new Map<string, Rule>()

  constructor (rules: readonly Rule[] = []) {
    this.replace(rules)
  }

  get rules (): readonly Rule[] {
    return this.current
  }

  /** A reloaded paastis.yml: every policy is computed again from the new rules. */
  replace (rules: readonly Rule[]): void {
    this.current = rules
    // A rule without app_name applies to the apps its pattern matches; a renaming rule, to the
    // apps its app_name names.
    this.matchers = rules.map((rule) => rule.appName === undefined ? (name) => rule.regex.exec(name) : templateMatcher(rule.appName))
    this.policies.clear()
  }

  /**
   * The app a Host key routes to, with the original Paastis' semantics: every rule whose
   * (unanchored) pattern matches the key applies in file order, the last `app_name` wins.
   */
  nameFor (key: string): string {
    let name = key
    for (const rule of this.rules) {
      if (rule.appName === undefined) continue
      const match = rule.regex.exec(key)
      if (match !== null) name = interpolate(rule.appName, match)
    }
    return name
  }

  /**
   * The rule an app carries itself (undefined: none). It comes after paastis.yml's rules: a key it
   * sets wins, since nothing is more specific than the app's own word. True when it changed.
   */
  declare (name: string, rule: Rule | undefined): boolean {
    const before = this.declared.get(name)
    if (before?.pattern === rule?.pattern) return false
    if (rule === undefined) this.declared.delete(name)
    else this.declared.set(name, rule)
    this.policies.clear()
    return true
  }

  /** Whether the app carries a rule of its own (one of the policy's `rules`, not the operator's). */
  declares (name: string): boolean {
    return this.declared.has(name)
  }

  /** Which provider an app is of (the registry knows): rules with `provider:` need it. */
  providerOf: (name: string) => string | undefined = () => undefined

  /** The policy of the app `name`: each key set by the last rule that applies to it. */
  policyFor (name: string, provider = this.providerOf(name)): Resolution {
    const cacheKey = provider === undefined ? name : `${provider}\u0000${name}`
    const cached = this.policies.get(cacheKey)
    if (cached !== undefined) return cached
    const resolution: Resolution = { name, linkedApps: [], ignore: false, rules: [], wake: {} }
    const times: Pick<Rule, 'keepAwake' | 'timezone' | 'prewarm' | 'sleepAt'> = {}
    const apply = (rule: Rule, groups: ArrayLike<string | undefined>): void => {
      resolution.rules.push(rule.pattern === '' ? `provider: ${rule.provider ?? ''}` : rule.pattern)
      if (rule.maxIdleTimeMs !== undefined) resolution.maxIdleTimeMs = rule.maxIdleTimeMs
      if (rule.linkedApps !== undefined) {
        // A group the app's name does not give cannot name a linked app.
        resolution.linkedApps = rule.linkedApps.map((app) => interpolate(app, groups)).filter((app) => !/\$\d/.test(app))
      }
      if (rule.ignore !== undefined) resolution.ignore = rule.ignore
      if (rule.costPerHour !== undefined) resolution.costPerHour = rule.costPerHour
      if (rule.keepAwake !== undefined) times.keepAwake = rule.keepAwake
      if (rule.timezone !== undefined) times.timezone = rule.timezone
      if (rule.prewarm !== undefined) times.prewarm = rule.prewarm
      if (rule.sleepAt !== undefined) times.sleepAt = rule.sleepAt
      Object.assign(resolution.wake, rule.wake)
    }
    this.rules.forEach((rule, i) => {
      if (rule.provider !== undefined && rule.provider !== provider) return
      const groups = this.matchers[i](name)
      if (groups !== null) apply(rule, groups)
    })
    const own = this.declared.get(name)
    if (own !== undefined) apply(own, [name])
    if (times.keepAwake !== undefined || times.sleepAt !== undefined) {
      // Each piece was checked when paastis.yml was read, with its own rule's zone.
      const timezone = times.timezone ?? 'UTC'
      resolution.schedule = {
        timezone,
        windows: (times.keepAwake ?? []).map((spec) => parseWindow(spec, timezone)),
        prewarm: times.prewarm === true,
        sleepAt: times.sleepAt === undefined ? undefined : parseSleepAt(times.sleepAt, timezone),
        sleepAtSpec: times.sleepAt
      }
    }
    // Only names of apps the provider lists are asked for: bounded by the registry.
    this.policies.set(cacheKey, resolution)
    return resolution
  }

  /** Exact hosts declared by the rules, lowercased, without port. */
  exactHosts (): Map<string, { app: string, whitelisted: boolean }> {
    const hosts = new Map<string, { app: string, whitelisted: boolean }>()
    for (const rule of this.rules) {
      for (const alias of rule.hosts ?? []) hosts.set(alias.host, { app: rule.appName as string, whitelisted: alias.whitelisted })
    }
    return hosts
  }
}
