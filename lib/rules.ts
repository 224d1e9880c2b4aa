// The rules of paastis.yml, with the original Paastis' semantics: every rule whose (unanchored)
// pattern matches the key applies, in file order, and a later rule overrides an earlier one.

import type { ProbeSpec } from './probe'

export type WakeStrategy = 'hold' | 'page'

/** How an app is woken and what its clients see meanwhile; each key set by the last rule that sets it. */
export interface WakeOptions {
  ping?: ProbeSpec
  strategy?: WakeStrategy
  wakeTimeoutMs?: number
  waitForLinked?: boolean
  /** Requests from these user agents (monitors, bots) never wake the app nor count as activity. */
  ignoreUserAgents?: RegExp[]
}

/** An exact vhost routed to a rule's app; a whitelisted one never wakes it nor keeps it awake. */
export interface HostAlias {
  host: string
  whitelisted: boolean
}

export interface Rule {
  pattern: string
  regex: RegExp
  appName?: string
  maxIdleTimeMs?: number | null
  linkedApps?: string[]
  ignore?: boolean
  /** Exact hosts (Hakuna's vhosts) and aliases routed to `appName`. */
  hosts?: HostAlias[]
  wake: WakeOptions
}

export interface Resolution {
  /** The app's name at the provider. */
  name: string
  maxIdleTimeMs?: number | null
  linkedApps: string[]
  ignore: boolean
  /** Patterns of the rules that applied. */
  rules: string[]
  wake: WakeOptions
}

/** Replaces `$1`…`$n` with the match's groups; `$12` is group 12, never group 1 then "2". */
export function interpolate (template: string, match: RegExpExecArray): string {
  return template.replace(/\$(\d+)/g, (whole, index: string) => {
    const group = match[Number(index)]
    return group === undefined ? whole : group
  })
}

export class Rules {
  constructor (readonly rules: readonly Rule[] = []) {}

  resolve (key: string): Resolution {
    const resolution: Resolution = { name: key, linkedApps: [], ignore: false, rules: [], wake: {} }
    for (const rule of this.rules) {
      const match = rule.regex.exec(key)
      if (match === null) continue
      resolution.rules.push(rule.pattern)
      if (rule.appName !== undefined) resolution.name = interpolate(rule.appName, match)
      if (rule.maxIdleTimeMs !== undefined) resolution.maxIdleTimeMs = rule.maxIdleTimeMs
      if (rule.linkedApps !== undefined) resolution.linkedApps = rule.linkedApps.map((app) => interpolate(app, match))
      if (rule.ignore !== undefined) resolution.ignore = rule.ignore
      Object.assign(resolution.wake, rule.wake)
    }
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
