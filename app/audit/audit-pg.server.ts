/**
 * The audit log in PostgreSQL (decision 108): table regula_audit is the
 * system of record when DATABASE_URL is set, one hash chain for every
 * instance, appends serialised by an advisory lock. Each instance keeps a copy
 * in its own audit.log (appended in the same order, repaired from the
 * database at start), so that every reader of the file works unchanged.
 */
import type pg from "pg";
import { inLockedTransaction, inTransaction } from "~/data/append-log.server";
import { LOCK_AUDIT } from "~/data/pg-schema.server";

export interface StoredEntry {
  seq: number;
  hash: string;
  text: string;
}

/** The entries after `afterSeq`, in order. */
export async function entriesAfter(db: pg.Pool | pg.ClientBase, afterSeq: number): Promise<StoredEntry[]> {
  const { rows } = await db.query<{ seq: string; hash: string; entry: string }>("SELECT seq, hash, entry FROM regula_audit WHERE seq > $1 ORDER BY seq", [afterSeq]);
  return rows.map((r) => ({ seq: Number(r.seq), hash: r.hash, text: r.entry }));
}

/** The hash of entry `seq` (undefined when there is none). */
export async function hashAt(db: pg.Pool, seq: number): Promise<string | undefined> {
  const { rows } = await db.query<{ hash: string }>("SELECT hash FROM regula_audit WHERE seq = $1", [seq]);
  return rows[0]?.hash;
}

/**
 * Appends entries built by `build` from the chain's current end (and the
 * entries other instances added since `knownSeq`), in one transaction under
 * the audit lock: all are stored or none is.
 */
export async function appendChained<E extends { seq: number; hash: string }>(
  pool: pg.Pool,
  knownSeq: number,
  build: (others: StoredEntry[]) => E[],
): Promise<{ others: StoredEntry[]; entries: E[] }> {
  // Usually nobody appended since this instance's last entry: one round trip (lock, insert only if
  // that is still so, commit). The entries travel as one quoted literal, so the statements go together.
  const guess = build([]);
  const fast = await inTransaction(pool, async (client) => {
    const literal = client.escapeLiteral(JSON.stringify(guess.map((e) => ({ seq: e.seq, hash: e.hash, entry: JSON.stringify(e) }))));
    const tried = (await client.query(
      `BEGIN; SELECT pg_advisory_xact_lock(${Number(LOCK_AUDIT)}); ` +
        `INSERT INTO regula_audit (seq, hash, entry) SELECT x.seq, x.hash, x.entry FROM jsonb_to_recordset(${literal}::jsonb) AS x(seq bigint, hash text, entry text) ` +
        `WHERE NOT EXISTS (SELECT 1 FROM regula_audit WHERE seq > ${Number(knownSeq)}); COMMIT`,
    )) as unknown as pg.QueryResult[];
    return tried[2].rowCount === guess.length;
  });
  if (fast) return { others: [], entries: guess };
  // Another instance appended first: chain after its entries, under the lock.
  return inLockedTransaction(pool, LOCK_AUDIT, (c) => chainAfter(c, knownSeq, build));
}

/**
 * Appends entries inside a transaction the caller opened (and commits or rolls back): takes the
 * audit lock, reads what other instances appended since `knownSeq`, chains after it.
 */
export async function appendChainedIn<E extends { seq: number; hash: string }>(
  client: pg.ClientBase,
  knownSeq: number,
  build: (others: StoredEntry[]) => E[],
): Promise<{ others: StoredEntry[]; entries: E[] }> {
  await client.query(`SELECT pg_advisory_xact_lock(${Number(LOCK_AUDIT)})`);
  return chainAfter(client, knownSeq, build);
}

async function chainAfter<E extends { seq: number; hash: string }>(
  c: pg.ClientBase,
  knownSeq: number,
  build: (others: StoredEntry[]) => E[],
): Promise<{ others: StoredEntry[]; entries: E[] }> {
  const others = await entriesAfter(c, knownSeq);
  const entries = build(others);
  await c.query("INSERT INTO regula_audit (seq, hash, entry) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[])", [
    entries.map((e) => e.seq),
    entries.map((e) => e.hash),
    entries.map((e) => JSON.stringify(e)),
  ]);
  return { others, entries };
}

/** Copies entries into the database as they are (moving an installation; the target must be empty). */
export async function importEntries(client: pg.ClientBase, entries: StoredEntry[]): Promise<void> {
  for (let i = 0; i < entries.length; i += 1000) {
    const part = entries.slice(i, i + 1000);
    await client.query("INSERT INTO regula_audit (seq, hash, entry) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[])", [
      part.map((e) => e.seq),
      part.map((e) => e.hash),
      part.map((e) => e.text),
    ]);
  }
}
