// Where app records are kept. The in-memory store is the default; a Redis store shares the same
// contract so that several Paastis replicas can share one registry.
import type { AppRecord } from './app-record'

export interface RegistryStore {
  /** Every record, in no particular order. */
  all(): Promise<AppRecord[]>
  get(name: string): Promise<AppRecord | undefined>
  put(record: AppRecord): Promise<void>
  delete(name: string): Promise<void>
  /** Removes Paastis's records, and nothing else. */
  clear(): Promise<void>
}

/** Keeps copies, as a remote store would, so that callers cannot rely on shared objects. */
export class MemoryStore implements RegistryStore {
  private readonly records = new Map<string, AppRecord>()

  async all (): Promise<AppRecord[]> {
    return [...this.records.values()].map((record) => structuredClone(record))
  }

  async get (name: string): Promise<AppRecord | undefined> {
    const record = this.records.get(name)
    return record === undefined ? undefined : structuredClone(record)
  }

  async put (record: AppRecord): Promise<void> {
    this.records.set(record.name, structuredClone(record))
  }

  async delete (name: string): Promise<void> {
    this.records.delete(name)
  }

  async clear (): Promise<void> {
    this.records.clear()
  }
}
