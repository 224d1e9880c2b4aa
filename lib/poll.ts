// The one way Paastis waits for something: poll a check at an interval, within a time limit.
import { setTimeout as sleep } from 'node:timers/promises'

/** Polls `check` every `intervalMs` until it returns a value, or throws after `timeoutMs`. */
export async function pollUntil<T> (check: () => Promise<T | undefined>, intervalMs: number, timeoutMs: number, onTimeout: () => Error): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() + intervalMs > deadline) throw onTimeout()
    await sleep(intervalMs)
  }
}

/** Waits while `busy()` holds, checking every `intervalMs`, for `timeoutMs` at most; true when it ended. */
export async function waitWhile (busy: () => boolean, intervalMs: number, timeoutMs: number): Promise<boolean> {
  return await pollUntil(async () => busy() ? undefined : true, intervalMs, timeoutMs, () => new Error('timeout')).catch(() => false)
}
