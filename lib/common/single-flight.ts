// One run of a task per key at a time: whoever asks while it runs shares its promise, so that
// however many requests, admin calls and scheduler ticks ask at once, the work is done once.

export class SingleFlight<T> {
  private readonly runs = new Map<string, Promise<T>>()

  /** True while the key's task runs. */
  has (key: string): boolean {
    return this.runs.has(key)
  }

  /** The key's task under way, if any. */
  get (key: string): Promise<T> | undefined {
    return this.runs.get(key)
  }

  /** The key's task under way, or `work` started now and shared until it settles. */
  run (key: string, work: () => Promise<T>): Promise<T> {
    const pending = this.runs.get(key)
    if (pending !== undefined) return pending
    const run = work().finally(() => this.runs.delete(key))
    this.runs.set(key, run)
    return run
  }
}
