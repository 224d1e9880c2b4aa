// The one way Paastis waits for something: poll a check at an interval, within a time limit.
import { setTimeout as sleep } from 'node:timers/promises'

/** Polls `check` every `intervalMs` until it returns a value, or throws after `timeoutMs` (or when `signal` aborts). */
export async function pollUntil<T> (check: () => Promise<T | undefined>, intervalMs: number, timeoutMs: number, onTimeout: () => Error, signal?: AbortSignal): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() + intervalMs > deadline || signal?.aborted === true) throw onTimeout()
    await sleep(intervalMs, undefined, { signal }).catch(() => {})
  }
}

/** Waits while `busy()` holds, checking every `intervalMs`, for `timeoutMs` at most (or until `signal` aborts); true when it ended. */
export async function waitWhile (busy: () => boolean, intervalMs: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  return await pollUntil(async () => busy() ? undefined : true, intervalMs, timeoutMs, () => new Error('timeout'), signal).catch(() => false)
}
