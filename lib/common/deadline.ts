// A deadline for a whole call to a dependency that may go silent after connecting (a paused VM, a
// partition dropping packets): the call's promise is given up after `ms`, with a message that
// names the dependency. Used where the client library has no deadline of its own for the whole
// call (ioredis has commandTimeout, undici AbortSignal; postgres.js has none client-side).
export class DeadlineError extends Error {
  constructor (what: string, readonly ms: number) {
    super(`${what} did not answer within ${ms} ms`)
    this.name = 'DeadlineError'
  }
}

export async function withDeadline<T> (work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(new DeadlineError(what, ms)) }, ms)
  })
  // A call given up may still settle later: its rejection is not an unhandled one.
  work.catch(() => {})
  try {
    return await Promise.race([work, late])
  } finally {
    clearTimeout(timer)
  }
}
