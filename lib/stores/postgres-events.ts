// Events of every replica in one PostgreSQL table (client: `postgres`, whose tagged templates
// send every value as a parameter). The schema is migrated before the first write.
import type { Sql } from 'postgres'
import type { EventFilter, EventPage, EventStore, EventType, PaastisEvent, StoredEvent } from '../core/event-store'
import { migrate } from './postgres-migrations'

interface Row { id: string, event: PaastisEvent }

export class PostgresEvents implements EventStore {
  private migrated: Promise<number> | undefined

  constructor (private readonly sql: Sql) {}

  /** Migrates once; a failure (the server away) is tried again by the next call. */
  async ready (): Promise<number> {
    this.migrated ??= migrate(this.sql).catch((err: unknown) => {
      this.migrated = undefined
      throw err
    })
    return await this.migrated
  }

  async append (event: PaastisEvent): Promise<void> {
    await this.ready()
    await this.sql`INSERT INTO paastis_events (at, app, type, event) VALUES (${event.at}, ${event.app}, ${event.type}, ${this.sql.json(toJson(event))})`
  }

  async page (filter: EventFilter): Promise<EventPage> {
    await this.ready()
    const { sql } = this
    const limit = filter.limit ?? 100
    // A cursor beyond every id the table can hold is older than none: every event is before it.
    const id = filter.before?.split('-')[0]
    const before = id === undefined || BigInt(id) > 9_223_372_036_854_775_807n ? undefined : id
    const rows = await sql<Row[]>`
      SELECT id::text AS id, event FROM paastis_events
      WHERE true
        ${filter.app === undefined ? sql`` : sql`AND app = ${filter.app}`}
        ${filter.type === undefined ? sql`` : sql`AND type = ${filter.type}`}
        ${before === undefined ? sql`` : sql`AND id < ${before}::bigint`}
      ORDER BY paastis_events.id DESC
      LIMIT ${limit + 1}`
    const events: StoredEvent[] = rows.slice(0, limit).map((row) => ({ id: row.id, ...row.event }))
    return rows.length > limit ? { events, next: events[events.length - 1].id } : { events }
  }

  async history (types: readonly EventType[], until: number, since = 0): Promise<PaastisEvent[]> {
    await this.ready()
    const rows = await this.sql<Row[]>`
      SELECT event FROM paastis_events
      WHERE type IN ${this.sql(types as EventType[])} AND at < ${new Date(until)} AND at >= ${new Date(since)}
      ORDER BY at, id`
    return rows.map((row) => row.event)
  }

  /** One index lookup per app (paastis_events_app_at): O(apps), whatever the history. */
  async lastBefore (types: readonly EventType[], before: number, apps: readonly string[]): Promise<PaastisEvent[]> {
    await this.ready()
    if (apps.length === 0) return []
    const rows = await this.sql<Row[]>`
      SELECT last.event FROM unnest(${this.sql.array(apps as string[])}::text[]) AS wanted(app)
      CROSS JOIN LATERAL (
        SELECT event FROM paastis_events
        WHERE paastis_events.app = wanted.app AND type IN ${this.sql(types as EventType[])} AND at < ${new Date(before)}
        ORDER BY at DESC, id DESC LIMIT 1
      ) AS last`
    return rows.map((row) => row.event)
  }

  async prune (before: number): Promise<number> {
    await this.ready()
    const result = await this.sql`DELETE FROM paastis_events WHERE at < ${new Date(before)}`
    return result.count
  }

  async close (): Promise<void> {
    await this.sql.end({ timeout: 2 })
  }
}

/** The event as plain JSON (no undefined members). */
function toJson (event: PaastisEvent): Parameters<Sql['json']>[0] {
  return JSON.parse(JSON.stringify(event)) as Parameters<Sql['json']>[0]
}
