// What the configuration says of one app, written into its record: idle time, linked apps,
// whether Paastis manages it, the rules that shaped it. A record carries state; these fields are
// derived again from the rules whenever a record is loaded, merged from another replica or the
// configuration is reloaded, so that an edited paastis.yml reaches every record, stored or not.
import type { AppRecord } from './app-record'
import type { Rules } from '../config/rules'

/** What the environment says of every app (it does not change while Paastis runs). */
export interface ManagementPolicy {
  /** START_AND_STOP_MAX_IDLE_TIME in ms; null: never. */
  defaultMaxIdleTimeMs: number | null
  /** REGISTRY_IGNORED_APPS. */
  ignoredApps: ReadonlySet<string>
  /** MANAGED_APPS=opt-in: only the apps a rule or REGISTRY_MANAGED_APPS names are managed. */
  optIn: boolean
  /** REGISTRY_MANAGED_APPS. */
  managedApps: ReadonlySet<string>
}

export const OPT_OUT: ManagementPolicy = { defaultMaxIdleTimeMs: 15 * 60_000, ignoredApps: new Set(), optIn: false, managedApps: new Set() }

/** The fields of a record the configuration decides. */
export type Configured = Pick<AppRecord, 'maxIdleTimeMs' | 'linkedApps' | 'ignored' | 'rules'>

export function configurationOf (name: string, provider: string, rules: Rules, policy: ManagementPolicy): Configured {
  const resolution = rules.policyFor(name, provider)
  // Opt-in: a rule of the file that applies (its pattern, or its provider:) or the list names the
  // app; the app's own labels are its consent, not the operator's.
  const named = policy.managedApps.has(name) || resolution.rules.length > (rules.declares(name) ? 1 : 0)
  return {
    maxIdleTimeMs: resolution.maxIdleTimeMs === undefined ? policy.defaultMaxIdleTimeMs : resolution.maxIdleTimeMs,
    linkedApps: resolution.linkedApps,
    ignored: policy.ignoredApps.has(name) || resolution.ignore || (policy.optIn && !named),
    rules: resolution.rules
  }
}

/** Writes the configuration into the record; true when something changed. */
export function configure (record: AppRecord, rules: Rules, policy: ManagementPolicy): boolean {
  const next = configurationOf(record.name, record.provider, rules, policy)
  const changed = record.maxIdleTimeMs !== next.maxIdleTimeMs || record.ignored !== next.ignored ||
    record.linkedApps.join('\n') !== next.linkedApps.join('\n') || record.rules.join('\n') !== next.rules.join('\n')
  Object.assign(record, next)
  return changed
}
