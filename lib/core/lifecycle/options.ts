// What the lifecycle is built with and what its operations answer.
import type { Dispatcher } from 'undici'
import type { Clock } from '../../common/clock'
import type { Logger } from '../../common/logger'
import type { WakeOptions } from '../../config/rules'
import type { AppRecord } from '../app-record'
import type { EventLog } from '../events'
import type { Locks } from '../locks'
import type { Provider } from '../provider'
import type { Registry } from '../registry'
import type { ShellHooks } from '../shell-hooks'
import type { WakeTracing } from '../wake-tracing'

export interface WakeResult {
  /** 0 when the app was already running. */
  totalMs: number
  providerMs: number
  readyMs: number
}

export const ALREADY_RUNNING: WakeResult = { totalMs: 0, providerMs: 0, readyMs: 0 }

export type StopCause = 'idle' | 'admin' | 'schedule'

export interface StopResult {
  stopped: boolean
  /** Why it did not stop (`dry-run`: DRY_RUN recorded that it would have). */
  reason?: 'already-stopped' | 'vetoed' | 'active' | 'failed' | 'unknown' | 'busy' | 'dry-run'
  message?: string
}

export interface LifecycleOptions {
  registry: Registry
  provider: Provider
  hooks: ShellHooks
  events: EventLog
  clock: Clock
  log: Logger
  /** The rules' wake options of an app (probe, timeout); defaults apply where they say nothing. */
  wakeOptionsFor: (app: AppRecord) => WakeOptions
  /** When the keep_awake window the app is in closes (epoch ms); undefined outside them. */
  keptAwakeUntil?: (app: AppRecord, now: number) => number | undefined
  wakeTimeoutMs: number
  /** After a failed wake the app is left alone this long, doubled at each further failure... */
  wakeBackoffMs?: number
  /** ...up to this. */
  wakeBackoffMaxMs?: number
  /** Requests that may wait for one app's wake at once (WAKE_MAX_PENDING); more are refused. */
  maxWaiting?: number
  /** Cross-replica locks (Redis); one process needs none. */
  locks?: Locks
  /** The proxy's connection pool, for the readiness probes (see probe()). */
  probeDispatcher?: Dispatcher
  /** Exchanges open on the app on the other replicas (Redis); one process has none. */
  remoteInflight?: (name: string) => Promise<number>
  /** DRY_RUN: idle and scheduled stops are recorded as would_stop, never made (an admin's stop still is). */
  dryRun?: boolean
  /** STOP_DRAIN_TIMEOUT: how long a stop waits for the exchanges open on the app; then they are cut. */
  drainTimeoutMs?: number
  /** Traces of the wakes (OpenTelemetry when on); none by default. */
  tracing?: WakeTracing
}
