// The registry: the live view of every app Paastis manages. Reads and activity updates are
// synchronous and in memory (the request path never waits on I/O); changes of record are
// written through to the store.
import type { AppRecord } from './app-record'
import type { RegistryStore } from './store'

export class Registry {
  private readonly apps = new Map<string, AppRecord>()
  private readonly inflight = new Map<string, number>()

  constructor (readonly store: RegistryStore) {}

  /** Loads what the store remembers (records survive a restart with a persistent store). */
  async load (): Promise<void> {
    for (const record of await this.store.all()) this.apps.set(record.name, record)
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

  async save (record: AppRecord): Promise<void> {
    this.apps.set(record.name, record)
    await this.store.put(record)
  }

  async remove (name: string): Promise<void> {
    this.apps.delete(name)
    this.inflight.delete(name)
    await this.store.delete(name)
  }

  async clear (): Promise<void> {
    this.apps.clear()
    await this.store.clear()
  }

  /** Hot path: a request reached the app. */
  touch (record: AppRecord, now: number): void {
    if (now > record.lastActivityAt) record.lastActivityAt = now
  }

  /** Requests being proxied to the app right now: a stop waits for them. */
  begin (name: string): void {
    this.inflight.set(name, (this.inflight.get(name) ?? 0) + 1)
  }

  end (name: string): void {
    const count = (this.inflight.get(name) ?? 1) - 1
    if (count <= 0) this.inflight.delete(name)
    else this.inflight.set(name, count)
  }

  inflightCount (name: string): number {
    return this.inflight.get(name) ?? 0
  }
}
