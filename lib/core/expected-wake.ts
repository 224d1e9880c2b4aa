// "Usually ready in about 8 s": the median of an app's previous wakes, read from the event
// history at most once a minute for all apps, so that a flood of visitors costs no query each.
import type { AppAccount } from './accounting'

const REFRESH_MS = 60_000

export class ExpectedWakes {
  private cache: { at: number, accounts: Promise<Map<string, AppAccount>> } | undefined

  constructor (private readonly accounts: () => Promise<Map<string, AppAccount>>, private readonly now: () => number = Date.now) {}

  /** Whole seconds, at least 1; null when the app never woke here. */
  async seconds (app: string): Promise<number | null> {
    const now = this.now()
    if (this.cache === undefined || now - this.cache.at > REFRESH_MS) {
      const accounts = this.accounts()
      this.cache = { at: now, accounts }
      // A failed read is tried again at the next page, not cached for a minute.
      accounts.catch(() => { if (this.cache?.accounts === accounts) this.cache = undefined })
    }
    try {
      const median = (await this.cache.accounts).get(app)?.medianWakeMs
      return median === null || median === undefined ? null : Math.max(1, Math.round(median / 1000))
    } catch {
      return null
    }
  }
}
