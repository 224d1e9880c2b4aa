// Failed admin authentications per client address, in fixed windows: past the limit, the address
// is refused (429) until its window ends, so that a token cannot be guessed at network speed.
export class AuthFailures {
  private readonly windows = new Map<string, { count: number, endsAt: number }>()

  constructor (
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
    /** Addresses tracked at once: a flood of addresses cannot grow memory without bound. */
    private readonly maxTracked = 10_000
  ) {}

  /** Milliseconds the address must still wait, or 0 when it may try. */
  blockedFor (address: string): number {
    const window = this.windows.get(address)
    if (window === undefined) return 0
    const left = window.endsAt - this.now()
    if (left <= 0) {
      this.windows.delete(address)
      return 0
    }
    return window.count >= this.max ? left : 0
  }

  /** Records a failure; returns how many the address has in its window. */
  fail (address: string): number {
    const now = this.now()
    let window = this.windows.get(address)
    if (window === undefined || window.endsAt <= now) {
      if (this.windows.size >= this.maxTracked) this.prune(now)
      window = { count: 0, endsAt: now + this.windowMs }
      this.windows.set(address, window)
    }
    return ++window.count
  }

  private prune (now: number): void {
    for (const [address, window] of this.windows) if (window.endsAt <= now) this.windows.delete(address)
    // Still full: the oldest addresses go first (a Map keeps insertion order).
    for (const address of this.windows.keys()) {
      if (this.windows.size < this.maxTracked) break
      this.windows.delete(address)
    }
  }
}
