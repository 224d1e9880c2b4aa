// The registry: the live view of every app Paastis manages. Reads and activity updates are
// synchronous and in memory (the request path never waits on I/O); changes of record are
// written through to the store.
import type { AppRecord } from './app-record'
import { Counts } from '../common/counts'
import { Slots } from '../common/slots'
import type { RegistryStore } from './store'

export class Registry {
  private readonly apps = new Map<string, AppRecord>()
  private readonly inflight = new Counts()
  /** The exchanges open on each app, so that a drain past its deadline can cut them. */
  private readonly open = new Map<string, Slots<{ destroy(): void }>>()
  /** Records changed here while the store did not answer: written first when it is back. */
  private readonly unsaved = new Set<string>()
  /** Apps a start or stop here is changing: another replica's copy must not overwrite them. */
  private readonly holds = new Counts()
  /** Bumped whenever an app name appears or disappears (negative caches depend on it). */
  namesVersion = 0
  /**
   * The store did not take the last write: further writes wait for the next sync instead of each
   * costing a deadline (a wake must not pay STORE_TIMEOUT per change of state).
   */
  storeAway = false

  /**
   * `configure` writes what the configuration says of an app into its record (lib/core/app-policy.ts):
   * applied to every record that comes from the store, so that a stored copy never brings back
   * the rules it was saved with.
   */
  constructor (readonly store: RegistryStore, private readonly configure: (record: AppRecord) => boolean = () => false) {}

  /** Loads what the store remembers (records survive a restart with a persistent store). */
  async load (): Promise<void> {
    for (const record of await this.store.all()) {
      this.configure(record)
      this.apps.set(record.name, record)
    }
    this.namesVersion++
  }

  /** The configuration changed: every record is configured again; the names of those that changed. */
  reconfigure (): string[] {
    return this.list().filter((record) => this.configure(record)).map((record) => record.name)
  }

  get (name: string): AppRecord | undefined {
    return this.apps.get(name)
  }

  has (name: string): boolean {
    return this.apps.has(name)
  }

  list (): AppRecord[] {
    return [...this.apps.values()]
  }

  get size (): number {
    return this.apps.size
  }

  /**
   * Takes in what the store holds (another replica's changes), keeping each record object (the
   * host router holds them) and the latest activity seen here or there.
   */
  merge (stored: AppRecord): AppRecord {
    const local = this.apps.get(stored.name)
    if (local === undefined) {
      this.configure(stored)
      this.apps.set(stored.name, stored)
      this.namesVersion++
      return stored
    }
    const lastActivityAt = Math.max(local.lastActivityAt, stored.lastActivityAt)
    Object.assign(local, stored, { lastActivityAt })
    this.configure(local)
    return local
  }

  /** Re-reads one app from the store; forgets it if the store no longer has it. */
  async refresh (name: string): Promise<AppRecord | undefined> {
    const stored = await this.store.get(name)
    if (stored === undefined) {
      if (this.apps.delete(name)) this.namesVersion++
      return undefined
    }
    return this.merge(stored)
  }

  /** Holds the app while this process changes it; the function returned releases the hold. */
  hold (name: string): () => void {
    this.holds.add(name)
    let released = false
    return () => {
      if (released) return
      released = true
      this.holds.remove(name)
    }
  }

  isHeld (name: string): boolean {
    return this.holds.has(name)
  }

  /** Re-reads every app, except those held here. */
  async sync (): Promise<void> {
    for (const name of [...this.unsaved]) {
      const record = this.apps.get(name)
      if (record !== undefined) await this.store.put(record)
      this.unsaved.delete(name)
    }
    this.storeAway = false
    const stored = await this.store.all()
    const names = new Set(stored.map((record) => record.name))
    for (const record of stored) if (!this.isHeld(record.name)) this.merge(record)
    // Records the store lost (Redis restarted without persistence) are written back.
    for (const record of this.apps.values()) if (!names.has(record.name)) await this.store.put(record)
  }

  /** Another replica cleared the shared registry. */
  forgetAll (): void {
    this.apps.clear()
    this.namesVersion++
  }

  /** Keeps the record; if the store does not answer, it is written at the next sync. */
  async save (record: AppRecord): Promise<void> {
    if (!this.apps.has(record.name)) this.namesVersion++
    this.apps.set(record.name, record)
    if (this.storeAway) {
      this.unsaved.add(record.name)
      return
    }
    try {
      await this.store.put(record)
      this.unsaved.delete(record.name)
    } catch {
      this.unsaved.add(record.name)
      this.storeAway = true
    }
  }

  async remove (name: string): Promise<void> {
    this.apps.delete(name)
    this.namesVersion++
    this.inflight.forget(name)
    this.open.delete(name)
    await this.store.delete(name)
  }

  async clear (): Promise<void> {
    this.apps.clear()
    this.namesVersion++
    await this.store.clear()
  }

  /** Hot path: a request reached the app. */
  touch (record: AppRecord, now: number): void {
    if (now > record.lastActivityAt) record.lastActivityAt = now
  }

  /**
   * Requests being proxied to the app right now: a stop waits for them, then cuts what remains.
   * With the exchange, returns its slot, which its end gives back.
   */
  begin (name: string, exchange?: { destroy(): void }): number | undefined {
    this.inflight.add(name)
    if (exchange === undefined) return undefined
    let open = this.open.get(name)
    if (open === undefined) {
      open = new Slots()
      this.open.set(name, open)
    }
    return open.add(exchange)
  }

  end (name: string, exchange?: { destroy(): void }, slot?: number): void {
    this.inflight.remove(name)
    if (exchange !== undefined && slot !== undefined) this.open.get(name)?.delete(slot, exchange)
  }

  /** Cuts every exchange open on the app (a drain past its deadline); how many were cut. */
  cut (name: string): number {
    const open = this.open.get(name)
    if (open === undefined) return 0
    const cut = open.size
    for (const exchange of open.values()) exchange.destroy()
    open.clear()
    return cut
  }

  inflightCount (name: string): number {
    return this.inflight.get(name)
  }

  /** Every app with exchanges open here, and how many. */
  inflightCounts (): ReadonlyMap<string, number> {
    return this.inflight.all
  }
}
