// Why an app asked to stop stays up: a pin or a keep_awake window, the operator's before-stop hook,
// a request since it was found idle, an exchange open on another replica. An admin's stop is
// refused only by the hook.
import type { AppRecord } from '../app-record'
import type { LifecycleOptions, StopCause, StopResult } from './options'

export interface StopRefusal {
  event: 'stop_cancelled' | 'stop_vetoed'
  reason: NonNullable<StopResult['reason']>
  message: string
}

/** A pin wins over idleness and sleep_at; a keep_awake window over idleness only. */
export function keptAwake (options: Pick<LifecycleOptions, 'clock' | 'keptAwakeUntil'>, record: AppRecord, cause: StopCause): StopRefusal | undefined {
  if (cause === 'admin') return undefined
  const now = options.clock.now()
  const keptUntil = cause === 'idle' ? options.keptAwakeUntil?.(record, now) : undefined
  if (keptUntil !== undefined) return active(`${record.name} is kept awake until ${new Date(keptUntil).toISOString()} (keep_awake)`)
  if ((record.pinnedUntil ?? 0) > now) return active(`${record.name} is pinned until ${new Date(record.pinnedUntil ?? 0).toISOString()}`)
  return undefined
}

/** Asked in this order, once DRY_RUN had its say: the hook may veto, then activity may cancel. */
export async function refusedStop (options: Pick<LifecycleOptions, 'hooks' | 'remoteInflight'>, record: AppRecord, cause: StopCause, expectedActivityAt?: number): Promise<StopRefusal | undefined> {
  const name = record.name
  if (!await options.hooks.run('before-stop', record)) {
    return { event: 'stop_vetoed', reason: 'vetoed', message: `the before-stop hook vetoed the stop of ${name}` }
  }
  if (expectedActivityAt !== undefined && record.lastActivityAt > expectedActivityAt) return active(`${name} received a request since it was found idle`)
  if (cause === 'idle') {
    // A response streaming on another replica: the app is not idle there.
    const remote = await (options.remoteInflight?.(name) ?? Promise.resolve(0)).catch(() => 0)
    if (remote > 0) return active(`${name} has ${remote} exchange(s) open on other replicas`)
  }
  return undefined
}

function active (message: string): StopRefusal {
  return { event: 'stop_cancelled', reason: 'active', message }
}
