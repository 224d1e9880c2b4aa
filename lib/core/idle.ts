// When an app may be stopped for idleness: the one answer the sweep and the admin view share.
import type { AppRecord } from './app-record'

/**
 * Epoch milliseconds from which the app is idle long enough to be stopped, or null when it is
 * never stopped for idleness (ignored, `never`, or in a state with nothing to stop). `failed`
 * apps are included: a failed wake may have left something running at the provider; `unknown`
 * ones too: the provider's listing does not say (Heroku), and a stop is harmless and tells.
 */
export function idleDeadline (record: AppRecord, keptAwakeUntil?: number): number | null {
  if (record.ignored || record.maxIdleTimeMs === null) return null
  if (record.state !== 'running' && record.state !== 'failed' && record.state !== 'unknown') return null
  // A pin, or a keep_awake window, keeps the app up until it ends; then the usual idle time runs
  // from the last request.
  return Math.max(record.lastActivityAt + record.maxIdleTimeMs, record.pinnedUntil ?? 0, keptAwakeUntil ?? 0)
}
