// Dashboard sessions ended on the server, not only in the browser (OWASP ASVS 3.3.1): a signed-out
// session, or every session at once, is refused by every replica — however many copies of the
// cookie exist. Reads are synchronous (an admin request never waits on a store); with a shared
// store each replica reads the revocations again about once a second, and knows its own at once.

/** Where revocations are shared between replicas (Redis); one process keeps them in memory. */
export interface RevocationStore {
  /** Revokes one session until it would have expired anyway. */
  revoke(session: string, expiresAt: number): Promise<void>
  /** Revokes every session issued before `at`. */
  revokeAll(at: number): Promise<void>
  /** Every revoked session not yet expired, and the instant before which every session is revoked. */
  read(now: number): Promise<{ sessions: Map<string, number>, before: number }>
}

export class SessionRevocations {
  private sessions = new Map<string, number>()
  private before = 0

  constructor (private readonly store: RevocationStore | undefined, private readonly now: () => number) {}

  /** A session is `<expiresAt>.<random>`, issued `lifetimeMs` before it expires. */
  isRevoked (session: string, issuedAt: number): boolean {
    return issuedAt < this.before || this.sessions.has(session)
  }

  async revoke (session: string, expiresAt: number): Promise<void> {
    this.sessions.set(session, expiresAt)
    await this.store?.revoke(session, expiresAt)
  }

  async revokeAll (): Promise<void> {
    // +1: a session opened in this very millisecond is revoked too.
    this.before = this.now() + 1
    await this.store?.revokeAll(this.before)
  }

  /** What the other replicas revoked; expired entries are forgotten. A store away keeps what is known. */
  async refresh (): Promise<void> {
    const now = this.now()
    for (const [session, expiresAt] of this.sessions) if (expiresAt <= now) this.sessions.delete(session)
    if (this.store === undefined) return
    const shared = await this.store.read(now)
    for (const [session, expiresAt] of shared.sessions) this.sessions.set(session, expiresAt)
    this.before = Math.max(this.before, shared.before)
  }
}
