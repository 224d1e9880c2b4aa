// A task asked for again and again (a burst of engine events) runs once at a time: a request
// while it runs makes one more run after it, however many came. Failures are the task's own.

export interface Coalesced {
  /** Asks for a run. */
  (): void
  /** Resolves when no run is in progress or pending. */
  idle: () => Promise<void>
}

export function coalesced (task: () => Promise<void>): Coalesced {
  let running: Promise<void> | undefined
  let again = false
  const loop = async (): Promise<void> => {
    do {
      again = false
      await task().catch(() => {})
    } while (again)
  }
  const trigger = (): void => {
    if (running !== undefined) {
      again = true
      return
    }
    running = loop().finally(() => { running = undefined })
  }
  return Object.assign(trigger, { idle: async () => { await running } })
}
