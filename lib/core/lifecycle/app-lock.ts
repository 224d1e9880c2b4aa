// Across replicas, one at a time starts or stops an app: the one that holds its lock.
import type { Logger } from '../../common/logger'
import type { Locks } from '../locks'

/**
 * Runs `work` holding the app's cross-replica lock (`shared`: the store has the latest word),
 * or answers `held` when another replica holds it. One process takes no lock.
 */
export async function withAppLock<T> (locks: Locks | undefined, log: Logger, name: string, work: (shared: boolean) => Promise<T>): Promise<T | 'held'> {
  const lock = await (locks?.acquire(`app:${name}`) ?? Promise.resolve(undefined))
  if (lock === 'held') return 'held'
  if (lock === 'unavailable') log.warn({ app: name }, 'the shared registry does not answer: acting on this replica alone')
  try {
    return await work(lock !== undefined && lock !== 'unavailable')
  } finally {
    if (lock !== undefined && lock !== 'unavailable') await lock.release()
  }
}
