// After failed wakes an app is left alone for a backoff that doubles at each failure, so that a
// broken app is not started again by every request (an admin's start is not held back).
import { WakeError } from '../../common/errors'
import type { AppRecord } from '../app-record'

export interface BackoffPolicy {
  /** After the first failure... */
  baseMs: number
  /** ...doubled at each further one, up to this. */
  maxMs: number
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 10_000, maxMs: 600_000 }

/** The backoff after `failures` consecutive failed wakes. */
export function backoffMs (failures: number, policy: BackoffPolicy): number {
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(30, failures - 1))
}

/** The error of a wake refused because the last ones failed, while their backoff lasts. */
export function backoffLeft (record: AppRecord | undefined, now: number): WakeError | undefined {
  if (record?.state !== 'failed' || record.nextWakeAt === undefined) return undefined
  const left = record.nextWakeAt - now
  if (left <= 0) return undefined
  const why = record.lastError ?? `${record.name} could not be started`
  return new WakeError(record.name, 'backoff', `${why} (${record.failedWakes ?? 1} failed wakes in a row; next try in ${Math.ceil(left / 1000)} s)`, left)
}
