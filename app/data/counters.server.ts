/**
 * Timed event counters (sign-in failures for the rate limits), behind one
 * interface with two implementations (decision 108): in memory for a single
 * process (a restart forgets them), and in PostgreSQL when DATABASE_URL is
 * set, so that the limits hold across every instance.
 */
import type pg from "pg";
import { databasePool } from "./db.server";
import { unavailable } from "./pg-store.server";

/** Runs a query; an unreachable database becomes the portal's 503 ("nothing was changed"), never a 500. */
async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw unavailable(error);
  }
}

export interface EventCounters {
  /** Times (ms) of the events under `key` after `since`, oldest first. */
  recent(key: string, since: number): Promise<number[]>;
  /** Records one event at `at` under each key, forgetting events of those keys at or before `forgetBefore`. */
  add(keys: string[], at: number, forgetBefore: number): Promise<void>;
  /** Forgets every event under `key`. */
  clear(key: string): Promise<void>;
}

/** Kept in this process's memory, with at most `maxKeys` keys (the oldest key goes first). */
export class MemoryCounters implements EventCounters {
  private events = new Map<string, number[]>();
  constructor(private maxKeys = 10_000) {}

  async recent(key: string, since: number): Promise<number[]> {
    return this.prune(key, since);
  }

  private prune(key: string, since: number): number[] {
    const list = (this.events.get(key) ?? []).filter((t) => t > since);
    if (list.length) this.events.set(key, list);
    else this.events.delete(key);
    return list;
  }

  async add(keys: string[], at: number, forgetBefore: number): Promise<void> {
    for (const key of keys) {
      const list = this.prune(key, forgetBefore);
      list.push(at);
      this.events.set(key, list);
    }
    while (this.events.size > this.maxKeys) this.events.delete(this.events.keys().next().value as string);
  }

  async clear(key: string): Promise<void> {
    this.events.delete(key);
  }
}

/** Kept in PostgreSQL (table regula_rate_events): every instance on the database counts together. */
export class PgCounters implements EventCounters {
  constructor(private pool: pg.Pool) {}

  async recent(key: string, since: number): Promise<number[]> {
    const { rows } = await guarded(() => this.pool.query<{ at: string }>("SELECT at FROM regula_rate_events WHERE key = $1 AND at > $2 ORDER BY at", [key, since]));
    return rows.map((r) => Number(r.at));
  }

  async add(keys: string[], at: number, forgetBefore: number): Promise<void> {
    await guarded(() =>
      this.pool.query(
        `WITH gone AS (DELETE FROM regula_rate_events WHERE key = ANY($1) AND at <= $3)
       INSERT INTO regula_rate_events (key, at) SELECT k, $2 FROM unnest($1::text[]) AS k`,
        [keys, at, forgetBefore],
      ),
    );
  }

  async clear(key: string): Promise<void> {
    await guarded(() => this.pool.query("DELETE FROM regula_rate_events WHERE key = $1", [key]));
  }
}

const memory = new MemoryCounters();
let shared: { pool: pg.Pool; counters: PgCounters } | null = null;

/** The counters of the configured backend. */
export function eventCounters(): EventCounters {
  const pool = databasePool();
  if (!pool) return memory;
  if (shared?.pool !== pool) shared = { pool, counters: new PgCounters(pool) };
  return shared.counters;
}
