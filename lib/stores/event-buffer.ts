// A remote event store that may be away (PostgreSQL restarting, Redis failing over) or silent
// (connected, answering nothing): every call has a deadline; events it refuses or does not take
// in time wait in memory, bounded (the oldest go first), and are written in order once it answers
// again. Appends never fail, so the request path and the lifecycle never wait for the store. What
// still waits when Paastis stops is written to a file, and taken back at the next start.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { withDeadline } from '../common/deadline'
import type { EventFilter, EventPage, EventStore, EventType, PaastisEvent } from '../core/event-store'
import { lastOf } from '../core/memory-events'

export interface EventBufferOptions {
  /** Named in /readyz: "PostgreSQL", "Redis". */
  name: string
  capacity?: number
  retryMs?: number
  /** The deadline of every call to the store (STORE_TIMEOUT). */
  timeoutMs?: number
  /** Where events still waiting at close are kept for the next start. */
  spillFile?: string
  onError?: (message: string) => void
}

export class EventBuffer implements EventStore {
  private readonly pending: PaastisEvent[] = []
  private dropped = 0
  private lastError: string | undefined
  private flushing: Promise<void> | undefined
  private readonly timer: NodeJS.Timeout
  private readonly name: string
  private readonly capacity: number
  private readonly timeoutMs: number
  private readonly onError: (message: string) => void

  constructor (private readonly store: EventStore, private readonly options: EventBufferOptions) {
    this.name = options.name
    this.capacity = options.capacity ?? 10_000
    this.timeoutMs = options.timeoutMs ?? 5000
    this.onError = options.onError ?? (() => {})
    this.timer = setInterval(() => { void this.flush() }, options.retryMs ?? 1000).unref()
    this.takeBack()
  }

  /** Events a previous Paastis could not write before it stopped: first in line. */
  private takeBack (): void {
    const file = this.options.spillFile
    if (file === undefined) return
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch {
      return
    }
    const events = text.split('\n').filter((line) => line !== '').flatMap((line) => {
      try { return [JSON.parse(line) as PaastisEvent] } catch { return [] }
    })
    this.pending.unshift(...events.slice(-this.capacity))
    rmSync(file, { force: true })
  }

  /** One call to the store, within the deadline. */
  private call<T> (work: () => Promise<T>): Promise<T> {
    return withDeadline(work(), this.timeoutMs, this.name)
  }

  get buffered (): number { return this.pending.length }

  async append (event: PaastisEvent): Promise<void> {
    if (this.pending.length === this.capacity) {
      this.pending.shift()
      this.dropped++
    }
    this.pending.push(event)
    await this.flush()
  }

  /** Writes what waits, in order, until the store refuses one (tried again on the next tick). */
  flush (): Promise<void> {
    if (this.flushing === undefined) {
      if (this.pending.length === 0) return Promise.resolve()
      // `.finally` runs after this assignment, even when the writes end at once.
      this.flushing = this.drain().finally(() => { this.flushing = undefined })
    }
    return this.flushing
  }

  private async drain (): Promise<void> {
    try {
      while (this.pending.length > 0) {
        await this.call(() => this.store.append(this.pending[0]))
        this.pending.shift()
      }
      this.lastError = undefined
      this.dropped = 0
    } catch (err) {
      const message = (err as Error).message
      if (this.lastError === undefined) this.onError(message) // once per outage, not per event
      this.lastError = message
    }
  }

  async page (filter: EventFilter): Promise<EventPage> { return await this.call(() => this.store.page(filter)) }
  async history (types: readonly EventType[], until: number, since = 0): Promise<PaastisEvent[]> {
    const stored = await this.call(() => this.store.history(types, until, since))
    if (this.pending.length === 0) return stored
    // Waiting events count too: they happened.
    const waiting = this.pending.filter((event) => types.includes(event.type) && Date.parse(event.at) < until && Date.parse(event.at) >= since)
    return [...stored, ...waiting].sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
  }

  async prune (before: number): Promise<number> { return await this.call(() => this.store.prune(before)) }

  async lastBefore (types: readonly EventType[], before: number, apps: readonly string[]): Promise<PaastisEvent[]> {
    const stored = await this.call(() => this.store.lastBefore(types, before, apps))
    const waiting = this.pending.filter((event) => types.includes(event.type) && Date.parse(event.at) < before)
    return waiting.length === 0 ? stored : lastOf([...stored, ...waiting].sort((a, b) => Date.parse(a.at) - Date.parse(b.at)), apps)
  }

  health (): string | undefined {
    if (this.lastError === undefined) return undefined
    const lost = this.dropped > 0 ? `, ${this.dropped} older ones dropped` : ''
    return `${this.name} does not answer (${this.lastError}): ${this.pending.length} events buffered in memory${lost}`
  }

  /** Bounded: a last flush within the deadline, what remains to the spill file, the store closed within the deadline. */
  async close (): Promise<void> {
    clearInterval(this.timer)
    await this.flush()
    if (this.pending.length > 0 && this.options.spillFile !== undefined) {
      mkdirSync(path.dirname(this.options.spillFile), { recursive: true })
      writeFileSync(this.options.spillFile, this.pending.map((event) => JSON.stringify(event)).join('\n') + '\n', { mode: 0o600 })
      this.onError(`${this.pending.length} events not written: kept in ${this.options.spillFile} for the next start`)
    }
    await this.call(async () => { await this.store.close?.() }).catch(() => {})
  }
}
