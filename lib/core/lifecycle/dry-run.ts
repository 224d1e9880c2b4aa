// DRY_RUN: what would have been stopped is recorded once per idle period, and nothing else
// happens (no hook, no drain); a request that reaches such an app records that it would have
// woken it then.
import type { AppRecord } from '../app-record'
import type { LifecycleOptions, StopCause, StopResult } from './options'

type Recording = Pick<LifecycleOptions, 'registry' | 'events' | 'log' | 'clock'>

export async function wouldStop (options: Recording, record: AppRecord, cause: StopCause, expectedActivityAt?: number): Promise<StopResult> {
  const { registry, events, log, clock } = options
  const message = `${record.name} would be stopped (${cause === 'idle' ? 'idle' : 'sleep_at'}); DRY_RUN is on, so it keeps running`
  if (expectedActivityAt !== undefined && record.lastActivityAt > expectedActivityAt) return { stopped: false, reason: 'active' }
  if (typeof record.wouldStopAt === 'number') return { stopped: false, reason: 'dry-run', message }
  record.wouldStopAt = clock.now()
  await registry.save(record)
  events.record({ app: record.name, type: 'would_stop', cause, message })
  log.info({ app: record.name, provider: record.provider, cause, dryRun: true }, message)
  return { stopped: false, reason: 'dry-run', message }
}

/** A request reached an app that would be asleep: it would have been woken then (or it stopped). */
export async function wouldStart (options: Pick<LifecycleOptions, 'registry' | 'events'>, record: AppRecord): Promise<void> {
  if (typeof record.wouldStopAt !== 'number') return
  const at = Math.max(record.lastActivityAt, record.wouldStopAt)
  record.wouldStopAt = null
  await options.registry.save(record)
  // Stopped since (outside Paastis, or by an admin): its own events tell that part.
  if (record.state !== 'running') return
  options.events.record({ at: new Date(at).toISOString(), app: record.name, type: 'would_start', cause: 'request', message: `a request would have woken ${record.name}` })
}
