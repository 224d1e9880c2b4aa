// When a started app is ready: the provider has not reported a failure and its address passes
// its probe, before the wake's deadline.
import { performance } from 'node:perf_hooks'
import type { Dispatcher } from 'undici'
import { WakeError } from '../../common/errors'
import type { WakeOptions } from '../../config/rules'
import { DEFAULT_PROBE, waitUntilReady, type ProbeAttempt } from '../../proxy/probe'
import type { AppRecord } from '../app-record'
import type { Provider } from '../provider'

export interface Deadline {
  /** performance.now() at which the wake gives up. */
  at: number
  /** The wake timeout it came from, for the message. */
  timeoutMs: number
}

/**
 * `offered`: held requests that may be the probe (HeldProbes); used only with the default probe,
 * whose test their answers pass or fail (an app's own `ping` asks something else).
 */
export async function waitReady (record: AppRecord, wakeOptions: WakeOptions, deadline: Deadline, provider: Provider, dispatcher?: Dispatcher, offered?: () => ProbeAttempt | undefined): Promise<void> {
  if (record.upstream === undefined) throw new WakeError(record.name, 'failed', 'the provider gave no URL for it')
  const failed = await waitUntilReady(record.upstream, wakeOptions.ping ?? DEFAULT_PROBE, {
    deadline: deadline.at,
    dispatcher,
    failure: () => provider.failure(record),
    offered: wakeOptions.ping === undefined ? offered : undefined
  })
  if (failed === 'timeout') throw new WakeError(record.name, 'timeout', `it did not answer within ${deadline.timeoutMs} ms`)
  if (failed !== undefined) throw new WakeError(record.name, 'failed', failed.failure)
}

/** `work`, or a timeout WakeError once the deadline passes (the work itself goes on). */
export function beforeDeadline<T> (work: Promise<T>, deadline: Deadline, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((resolve, reject) => {
    timer = setTimeout(() => reject(new WakeError('', 'timeout', message)), Math.max(0, deadline.at - performance.now()))
  })
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
}
