// How many client connections Paastis accepts at once: past the open-files limit the process
// could accept nothing at all (EMFILE), so it refuses politely well before.
import { readFileSync } from 'node:fs'

/** The soft limit on open files, when the system says (Linux). */
export function openFilesLimit (): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'))
    const soft = Number(line?.split(/\s{2,}/)[1])
    return Number.isFinite(soft) && soft > 0 ? soft : undefined
  } catch {
    return undefined
  }
}

/** Each proxied connection may hold an upstream one too; keep some for files, logs and Redis. */
export function defaultMaxConnections (limit = openFilesLimit()): number {
  if (limit === undefined) return 10_000
  return Math.max(16, Math.floor((limit - 64) / 2))
}
