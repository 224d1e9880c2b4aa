// The PostgreSQL schema of the event history, as numbered steps applied once each, in order.
// Replicas starting together take one advisory lock, so a step never runs twice.
import type { Sql } from 'postgres'

export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE paastis_events (
     id bigserial PRIMARY KEY,
     at timestamptz NOT NULL,
     app text NOT NULL,
     type text NOT NULL,
     event jsonb NOT NULL
   );
   CREATE INDEX paastis_events_at ON paastis_events (at);
   CREATE INDEX paastis_events_app_id ON paastis_events (app, id);
   CREATE INDEX paastis_events_type_at ON paastis_events (type, at)`,
  // Each app's last event before an instant (the phase a /savings period begins in): one lookup per app.
  'CREATE INDEX paastis_events_app_at ON paastis_events (app, at)'
]

/** Any number fits; this one spells "paastis" in ASCII, so that it means nothing else. */
const LOCK_KEY = 0x7061617374697300n

/** Brings the schema to the latest step; answers the steps applied now. */
export async function migrate (sql: Sql): Promise<number> {
  return await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${LOCK_KEY.toString()}::bigint)`
    await tx`CREATE TABLE IF NOT EXISTS paastis_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`
    const [{ version }] = await tx<Array<{ version: number }>>`SELECT coalesce(max(version), 0)::int AS version FROM paastis_migrations`
    for (let step = version; step < MIGRATIONS.length; step++) {
      await tx.unsafe(MIGRATIONS[step])
      await tx`INSERT INTO paastis_migrations (version) VALUES (${step + 1})`
    }
    return MIGRATIONS.length - version
  })
}
