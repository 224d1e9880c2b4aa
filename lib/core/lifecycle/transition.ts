// One change of state: saved (through to a shared store), then told as an event.
import type { AppRecord, AppState } from '../app-record'
import type { EventLog, PaastisEvent } from '../events'
import type { Registry } from '../registry'

export type TransitionEvent = Omit<PaastisEvent, 'app' | 'at'>

export async function transition (registry: Registry, events: EventLog, record: AppRecord, state: AppState, event: TransitionEvent): Promise<void> {
  record.state = state
  await registry.save(record)
  events.record({ app: record.name, ...event })
}
