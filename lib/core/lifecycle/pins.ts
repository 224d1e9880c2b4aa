// A pin keeps an app awake until a time, whatever its idleness and its sleep_at.
import type { AppRecord } from '../app-record'
import type { LifecycleOptions } from './options'

/** Keeps the app awake until `until` (epoch ms); null ends the pin. Undefined for an unknown app. */
export async function pin (options: Pick<LifecycleOptions, 'registry' | 'events'>, name: string, until: number | null, cause: string): Promise<AppRecord | undefined> {
  const { registry, events } = options
  const record = registry.get(name)
  if (record === undefined) return undefined
  record.pinnedUntil = until
  await registry.save(record)
  events.record(until === null
    ? { app: name, type: 'unpinned', cause }
    : { app: name, type: 'pinned', cause, message: `kept awake until ${new Date(until).toISOString()}` })
  return record
}
