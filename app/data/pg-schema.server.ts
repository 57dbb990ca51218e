/**
 * Versioned schema migrations for the PostgreSQL backend (decision 109). They run
 * at start, in one transaction under an advisory lock: either every pending
 * migration is applied, or none is and the start stops with a clear message.
 * A database migrated by a newer Regula is refused rather than guessed at.
 */
import type pg from "pg";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Advisory lock keys (one number space for the whole application). */
export const LOCK_MIGRATIONS = 7_301_001;
export const LOCK_DATA = 7_301_002;
export const LOCK_AUDIT = 7_301_003;
/** First half of each append log's lock (the second is made from the log's name, append-log.server.ts). */
export const LOCK_LOGS = 7_301_004;
/** The channel every instance LISTENs on; the payload is the new change sequence. */
export const DATA_CHANNEL = "regula_data";

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: "records and change log",
    sql: `
      CREATE TABLE regula_records (
        collection text NOT NULL,
        key text NOT NULL,
        ord bigint NOT NULL DEFAULT 0,
        record jsonb NOT NULL,
        PRIMARY KEY (collection, key)
      );
      CREATE TABLE regula_data_head (
        one boolean PRIMARY KEY DEFAULT true CHECK (one),
        seq bigint NOT NULL
      );
      INSERT INTO regula_data_head (seq) VALUES (0);
      CREATE TABLE regula_changes (
        seq bigint PRIMARY KEY,
        instance text NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        ops jsonb NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: "append logs and rate-limit counters",
    sql: `
      CREATE TABLE regula_log_lines (
        log text NOT NULL,
        seq bigserial NOT NULL,
        line jsonb NOT NULL,
        PRIMARY KEY (log, seq)
      );
      CREATE TABLE regula_rate_events (
        key text NOT NULL,
        at bigint NOT NULL
      );
      CREATE INDEX regula_rate_events_key ON regula_rate_events (key, at);
    `,
  },
  {
    version: 3,
    name: "audit log",
    // The entry is kept as its exact JSON text: its hash covers the text's field order.
    sql: `
      CREATE TABLE regula_audit (
        seq bigint PRIMARY KEY,
        hash text NOT NULL,
        entry text NOT NULL
      );
    `,
  },
];

export class MigrationError extends Error {
  code = "config" as const;
}

/**
 * Applies the pending migrations of `migrations` (default: this version's) in
 * one transaction. Returns the versions applied. Throws MigrationError, with
 * the database unchanged, when one fails or the database is newer than this code.
 */
export async function migrate(client: pg.ClientBase, migrations: Migration[] = MIGRATIONS): Promise<number[]> {
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1)", [LOCK_MIGRATIONS]);
    await client.query(
      "CREATE TABLE IF NOT EXISTS regula_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
    );
    const { rows } = await client.query<{ version: number }>("SELECT version FROM regula_migrations");
    const applied = new Set(rows.map((r) => r.version));
    const known = Math.max(0, ...migrations.map((m) => m.version));
    const newest = Math.max(0, ...applied);
    if (newest > known) {
      throw new MigrationError(
        `The database is at schema version ${newest}, newer than this Regula knows (${known}). Start the newer Regula, or restore a backup made by this version.`,
      );
    }
    const done: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(m.version)) continue;
      try {
        await client.query(m.sql);
      } catch (error) {
        throw new MigrationError(
          `Database migration ${m.version} (${m.name}) failed: ${(error as Error).message}. Nothing was changed; the portal does not start until this is fixed.`,
        );
      }
      await client.query("INSERT INTO regula_migrations (version, name) VALUES ($1, $2)", [m.version, m.name]);
      done.push(m.version);
    }
    await client.query("COMMIT");
    return done;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    if (error instanceof MigrationError) throw error;
    throw new MigrationError(`Database migrations could not run: ${(error as Error).message}`);
  }
}
