// The `rules:` of paastis.yml: the shape of one rule (a JSON Schema, checked by
// lib/config/paastis-file.ts), and the Rule it becomes (lib/config/rules.ts applies it).
import { DURATION_PATTERN, parseDuration } from '../common/duration'
import type { Pattern } from '../common/pattern'
import { asDuration, asText, compilePattern, duration, flag, list, mapping, text, type At, type Fail, type Json } from './file-schema'
import type { ProbeSpec } from '../proxy/probe'
import { checkTimezone, parseSleepAt, parseWindow } from './schedule'
import type { HostAlias, Rule, WakeOptions } from './rules'

const HOST_NAME = '^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*$'
const host = { type: ['string', 'number', 'null'], pattern: HOST_NAME, 'x-message': 'must be a host name such as app.example.com' } as const

const ping = mapping({
  method: { ...text, pattern: '^[A-Z]+$', 'x-message': 'must be an HTTP method such as GET or HEAD' },
  path: { ...text, pattern: '^/', 'x-message': 'must start with /' },
  regex: mapping({ statusCode: text, headers: text, body: text }),
  settle: duration
})

export const RULE_SCHEMA = mapping({
  pattern: text,
  provider: { ...text, pattern: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$', 'x-message': 'must name a provider of `providers:`' },
  app_name: text,
  app_max_idle_time: {
    type: ['string', 'number', 'null'], pattern: DURATION_PATTERN, 'x-message': 'must be minutes (15) or a duration (30s, 15m, 2h, 1d) or never'
  },
  linked_apps: list(text),
  ignore: flag,
  hosts: list(host),
  aliases: list({
    anyOf: [host, mapping({ host, whitelisted: flag }, { required: ['host'] })],
    'x-message': 'must be a host name such as app.example.com, or { host, whitelisted }'
  }),
  ping,
  strategy: { enum: ['hold', 'page'], 'x-message': 'must be hold or page' },
  wake_timeout: duration,
  page_after: duration,
  fallback: { type: 'string', pattern: '^https?://[^\\s]+$', 'x-message': 'must be an http(s) URL' },
  fallback_proxy: flag,
  wait_for_linked: flag,
  ignore_user_agents: list(text),
  cost_per_hour: { type: 'number', minimum: 0, 'x-message': 'must be a number ≥ 0: what the app costs per hour running' },
  keep_awake: list(text),
  timezone: text,
  prewarm: flag,
  sleep_at: text
})

/** Every key a rule may have (the README and the sample show each). */
export const RULE_KEYS = new Set(Object.keys(RULE_SCHEMA.properties))

type Fields = Record<string, Json>

/** A rule checked by RULE_SCHEMA, made a Rule: patterns compiled and checked, durations in ms. */
export function toRule (value: Fields, at: At, fail: Fail): Rule {
  const provider = asText(value.provider)
  // A rule for every app of one provider needs no pattern.
  if (value.pattern === undefined && provider === undefined) fail([...at, 'pattern'], 'is required (or `provider`)')
  const pattern = asText(value.pattern) ?? ''
  const rule: Rule = { pattern, regex: compilePattern(pattern, [...at, 'pattern'], fail), wake: toWakeOptions(value, at, fail) }
  if (provider !== undefined) rule.provider = provider
  const appName = asText(value.app_name)
  if (appName !== undefined) rule.appName = appName
  if (value.app_max_idle_time !== undefined && value.app_max_idle_time !== null) rule.maxIdleTimeMs = parseDuration(String(value.app_max_idle_time))
  if (value.linked_apps !== undefined) rule.linkedApps = ((value.linked_apps ?? []) as Json[]).map(String)
  if (value.ignore !== undefined) rule.ignore = value.ignore as boolean
  if (typeof value.cost_per_hour === 'number') rule.costPerHour = value.cost_per_hour
  toSchedule(value, rule, at, fail)
  const hosts = toHosts(value)
  if (hosts.length > 0) {
    if (rule.appName === undefined || rule.appName.includes('$')) {
      fail([...at, 'app_name'], '`hosts` and `aliases` need a literal `app_name`: the app they route to')
    }
    rule.hosts = hosts
  }
  return rule
}

/** keep_awake, timezone, prewarm and sleep_at, each checked now (a rule's zone, else UTC). */
function toSchedule (value: Fields, rule: Rule, at: At, fail: Fail): void {
  const timezone = asText(value.timezone)
  if (timezone !== undefined) {
    try { checkTimezone(timezone) } catch (err) { fail([...at, 'timezone'], (err as Error).message) }
    rule.timezone = timezone
  }
  if (value.keep_awake !== undefined) {
    rule.keepAwake = ((value.keep_awake ?? []) as Json[]).map(String)
    rule.keepAwake.forEach((spec, i) => {
      try { parseWindow(spec, timezone ?? 'UTC') } catch (err) { fail([...at, 'keep_awake', i], (err as Error).message) }
    })
  }
  if (value.prewarm !== undefined) rule.prewarm = value.prewarm as boolean
  const sleepAt = asText(value.sleep_at)
  if (sleepAt !== undefined) {
    try { parseSleepAt(sleepAt, timezone ?? 'UTC') } catch (err) { fail([...at, 'sleep_at'], (err as Error).message) }
    rule.sleepAt = sleepAt
  }
}

function toPing (value: Fields, at: At, fail: Fail): ProbeSpec {
  // GET by default, as DEFAULT_PROBE: its connection stays open for the first proxied request.
  const spec: ProbeSpec = { method: 'GET', path: asText(value.path) ?? '/' }
  if (value.regex !== undefined) {
    const regex = value.regex as Fields
    const pattern = (key: string): Pattern | undefined => {
      const source = asText(regex[key])
      return source === undefined ? undefined : compilePattern(source, [...at, 'regex', key], fail)
    }
    spec.statusCode = pattern('statusCode')
    spec.headers = pattern('headers')
    spec.body = pattern('body')
  } else {
    spec.statusCode = /^[2-4]/
  }
  spec.method = asText(value.method) ?? spec.method
  spec.settleMs = asDuration(value.settle)
  return spec
}

function toWakeOptions (value: Fields, at: At, fail: Fail): WakeOptions {
  const wake: WakeOptions = {}
  if (value.ping !== undefined) wake.ping = toPing(value.ping as Fields, [...at, 'ping'], fail)
  if (value.strategy !== undefined) wake.strategy = value.strategy as 'hold' | 'page'
  const timeout = asDuration(value.wake_timeout)
  if (timeout !== undefined) wake.wakeTimeoutMs = timeout
  const pageAfter = asDuration(value.page_after)
  if (pageAfter !== undefined) wake.pageAfterMs = pageAfter
  if (typeof value.fallback === 'string') wake.fallback = value.fallback
  if (value.fallback_proxy !== undefined) wake.fallbackProxy = value.fallback_proxy as boolean
  if (value.wait_for_linked !== undefined) wake.waitForLinked = value.wait_for_linked as boolean
  if (value.ignore_user_agents !== undefined) {
    wake.ignoreUserAgents = ((value.ignore_user_agents ?? []) as Json[])
      .map((agent, i) => compilePattern(String(agent), [...at, 'ignore_user_agents', i], fail))
  }
  return wake
}

function toHosts (value: Fields): HostAlias[] {
  const hosts: HostAlias[] = ((value.hosts ?? []) as Json[]).map((name) => ({ host: String(name).toLowerCase(), whitelisted: false }))
  for (const alias of (value.aliases ?? []) as Json[]) {
    if (typeof alias === 'object' && alias !== null && !Array.isArray(alias)) {
      hosts.push({ host: String(alias.host).toLowerCase(), whitelisted: alias.whitelisted === true })
    } else {
      hosts.push({ host: String(alias).toLowerCase(), whitelisted: false })
    }
  }
  return hosts
}
