/**
 * The PostgreSQL implementation of the data store (decision 108). PostgreSQL is
 * the system of record: one row per record (collection, key, ord, jsonb) plus a
 * change log with a gap-free sequence. Every instance holds the whole data in
 * memory for synchronous reads. A change runs in a transaction holding an
 * advisory lock: it first applies what other instances committed since this
 * instance's last seen sequence (so no update is lost), runs the mutation,
 * writes the changed records and one change-log row, commits, and NOTIFYs the
 * other instances, which apply the change to their memory (and poll as a
 * safety net). A failed mutation or write leaves memory as it was.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { DomainError, msg } from "~/utils/errors.server";
import { DATA_CHANNEL, LOCK_DATA, migrate } from "./pg-schema.server";
import type { Data } from "./schema";
import { emptyData } from "./schema";
import { applyOps, diffData, valueOf, type DataStore, type Op, type Snapshot, type UpdateOptions } from "./store";

/** How many change-log rows are kept; an instance further behind reloads everything. */
const KEEP_CHANGES = 5000;

/** Opens a pool on DATABASE_URL with the settings the portal uses. */
export function openPool(url: string, max = 6): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 10_000 });
  // An idle client losing its connection (server restart) must not end the process; nor may a client
  // checked out between two queries of a transaction (its next query fails, and the caller rolls back).
  pool.on("error", () => undefined);
  pool.on("connect", (client) => client.on("error", () => undefined));
  return pool;
}

/** SQLSTATE classes and socket errors that mean "the server cannot be reached", not "the change was refused". */
const CONNECTION_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENOTFOUND", "57P01", "57P02", "57P03"]);

/** True when a database error means the server went away or cannot be reached (a stopped or restarting PostgreSQL). */
export function isConnectionFailure(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | null;
  if (!e) return false;
  if (e.code && (CONNECTION_CODES.has(e.code) || e.code.startsWith("08"))) return true;
  return /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED|Client has encountered a connection error|not queryable/i.test(e.message ?? "");
}

/**
 * Reports a database failure as the portal's "unavailable" error (503), in the reader's language:
 * an unreachable server says so (and that nothing was changed) without its socket details.
 */
export function unavailable(error: unknown): DomainError {
  if (error instanceof DomainError) return error;
  const problem = (error as Error).message;
  if (isConnectionFailure(error)) return new DomainError("unavailable", msg("error.sharedDbUnavailable"), { problem });
  return new DomainError("unavailable", msg("error.saveFailed", { problem }));
}

/** Every record as of one moment (its own REPEATABLE READ transaction, or the caller's), with the change sequence of that moment. */
export async function readSnapshot(client: pg.ClientBase, options: { inTransaction?: boolean } = {}): Promise<{ snapshot: Snapshot; seq: number }> {
  const own = !options.inTransaction;
  if (own) await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  try {
    const head = await client.query<{ seq: string }>("SELECT seq FROM regula_data_head");
    const { rows } = await client.query<{ collection: string; key: string; ord: string; record: unknown }>(
      "SELECT collection, key, ord, record FROM regula_records",
    );
    if (own) await client.query("COMMIT");
    const snapshot: Snapshot = new Map();
    applyOps(
      snapshot,
      rows.map((r) => ({ c: r.collection, k: r.key, o: Number(r.ord), r: r.record })),
    );
    return { snapshot, seq: Number(head.rows[0]?.seq ?? 0) };
  } catch (error) {
    if (own) await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

/** The data a snapshot holds (collections it lacks get their empty defaults). */
export function dataOf(snapshot: Snapshot): Data {
  const data = emptyData() as unknown as Record<string, unknown>;
  for (const [c, entry] of snapshot) data[c] = valueOf(entry);
  return data as unknown as Data;
}

/**
 * Replaces every stored record with `data` (moving an installation, restoring a
 * backup), in the caller's transaction. The change sequence moves on with a
 * change-log row that skips a number, so running instances reload everything.
 */
export async function replaceAllRecords(client: pg.ClientBase, data: Data): Promise<void> {
  await client.query("SELECT pg_advisory_xact_lock($1)", [LOCK_DATA]);
  await client.query("DELETE FROM regula_records");
  await client.query("DELETE FROM regula_changes");
  const { ops } = diffData(new Map(), data as unknown as Record<string, unknown>);
  const rows = ops.filter((op): op is { c: string; k: string; o: number; r?: unknown } => !("drop" in op) && op.r !== undefined);
  for (let i = 0; i < rows.length; i += 2000) {
    await client.query(
      `INSERT INTO regula_records (collection, key, ord, record)
       SELECT x.c, x.k, x.o, x.r FROM jsonb_to_recordset($1::jsonb) AS x(c text, k text, o bigint, r jsonb)`,
      [JSON.stringify(rows.slice(i, i + 2000))],
    );
  }
  // A change-log row that skips one number: an instance that sees it reloads everything.
  const head = await client.query<{ seq: string }>("UPDATE regula_data_head SET seq = seq + 2 RETURNING seq");
  await client.query("INSERT INTO regula_changes (seq, instance, ops) VALUES ($1, 'replace-all', '[]')", [head.rows[0].seq]);
  await client.query("SELECT pg_notify($1, $2)", [DATA_CHANNEL, head.rows[0].seq]);
}

export class PgStore implements DataStore {
  readonly kind = "postgres" as const;
  readonly instance = randomUUID();
  readonly pool: pg.Pool;
  private data: Data | null = null;
  private snapshot: Snapshot = new Map();
  private seq = 0;
  private gen = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private listeners = new Set<() => void>();
  private listener: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private loading: Promise<void> | null = null;
  private relisten: NodeJS.Timeout | null = null;
  /** The last failure to reach the database (a write, the follower's poll or its listening connection); cleared by a success. */
  private lastFailure: { at: string; problem: string } | null = null;

  constructor(
    private url: string,
    private options: { pollMs?: number; ownPool?: pg.Pool } = {},
  ) {
    this.pool = options.ownPool ?? openPool(url);
  }

  load(): Promise<void> {
    this.loading ??= this.doLoad().catch((error) => {
      this.loading = null;
      throw error;
    });
    return this.loading;
  }

  private async doLoad() {
    const client = await this.pool.connect();
    try {
      await migrate(client);
      await this.reloadWith(client);
    } finally {
      client.release();
    }
    await this.listen();
    const pollMs = this.options.pollMs ?? 2000;
    this.timer = setInterval(() => void this.sync().catch(() => undefined), pollMs);
    this.timer.unref();
  }

  /** Reads every record in one snapshot transaction and replaces memory with it. */
  private async reloadWith(client: pg.ClientBase, options: { inTransaction?: boolean } = {}) {
    const { snapshot, seq } = await readSnapshot(client, options);
    this.snapshot = snapshot;
    this.seq = seq;
    const data = (this.data ?? ({} as Data)) as unknown as Record<string, unknown>;
    for (const key of Object.keys(data)) delete data[key];
    Object.assign(data, dataOf(snapshot));
    this.data = data as unknown as Data;
    this.gen++;
  }

  /** Opens the listening connection again in a second (once at a time) while the store is open; the poll covers the gap. */
  private listenLater() {
    if (this.closed || this.relisten) return;
    this.relisten = setTimeout(() => {
      this.relisten = null;
      void this.listen().catch(() => undefined);
    }, 1000);
    this.relisten.unref();
  }

  private async listen() {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 5_000, keepAlive: true });
    client.on("error", () => undefined);
    client.on("end", () => {
      if (this.listener === client) this.listener = null;
      this.listenLater();
    });
    client.on("notification", (n) => {
      if (n.channel === DATA_CHANNEL && Number(n.payload) > this.seq) void this.sync().catch(() => undefined);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${DATA_CHANNEL}`);
      this.listener = client;
      // Changes committed while not listening.
      void this.sync().catch(() => undefined);
    } catch (error) {
      this.failed(error);
      await client.end().catch(() => undefined);
      // A client that never connected may not report its end: try again from here too.
      this.listenLater();
    }
  }

  private failed(error: unknown) {
    this.lastFailure = { at: new Date().toISOString(), problem: (error as Error).message };
  }

  /** Whether this instance reaches the database now: listening for other instances' changes, and its last contact worked. */
  status(): { ok: boolean; listening: boolean; seq: number; lastFailure: { at: string; problem: string } | null } {
    const listening = this.listener !== null;
    return { ok: listening && !this.lastFailure, listening, seq: this.seq, lastFailure: this.lastFailure };
  }

  read(): Data {
    if (!this.data) throw new Error("Database not loaded: call loadDb() at start-up");
    return this.data;
  }

  generation(): number {
    return this.gen;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Applies changes committed by other instances (outside any write). */
  sync(): Promise<void> {
    if (!this.data || this.closed) return Promise.resolve();
    return this.serial(async () => {
      let client: pg.PoolClient;
      try {
        client = await this.pool.connect();
      } catch (error) {
        this.failed(error);
        throw error;
      }
      let broken = false;
      try {
        await this.catchUp(client);
        this.lastFailure = null;
      } catch (error) {
        broken = isConnectionFailure(error);
        if (broken) this.failed(error);
        throw error;
      } finally {
        client.release(broken || undefined);
      }
    });
  }

  /** Brings memory up to the database's sequence; reloads everything when the change log no longer reaches back. */
  private async catchUp(client: pg.ClientBase, fetched?: { seq: string; instance: string; ops: Op[] }[]) {
    const rows =
      fetched ??
      (
        await client.query<{ seq: string; instance: string; ops: Op[] }>("SELECT seq, instance, ops FROM regula_changes WHERE seq > $1 ORDER BY seq", [
          this.seq,
        ])
      ).rows;
    if (!rows.length) return;
    if (Number(rows[0].seq) !== this.seq + 1) {
      // Inside a write the data lock is held, so the records cannot change while they are read.
      await this.reloadWith(client, { inTransaction: !!fetched });
      this.notify();
      return;
    }
    const touched = new Set<string>();
    for (const row of rows) {
      for (const c of applyOps(this.snapshot, row.ops)) touched.add(c);
      this.seq = Number(row.seq);
    }
    const data = this.data as unknown as Record<string, unknown>;
    const defaults = emptyData() as unknown as Record<string, unknown>;
    for (const c of touched) {
      const entry = this.snapshot.get(c);
      if (entry) data[c] = valueOf(entry);
      else if (c in defaults) data[c] = defaults[c];
      else delete data[c];
    }
    this.gen++;
    this.notify();
  }

  private notify() {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch {
        /* a listener's failure is its own */
      }
    }
  }

  /** Puts memory back to the last stored state (after a failed mutation or write). */
  private restore() {
    const data = this.data as unknown as Record<string, unknown>;
    const defaults = emptyData() as unknown as Record<string, unknown>;
    for (const key of Object.keys(data)) if (!this.snapshot.has(key)) delete data[key];
    for (const [key, value] of Object.entries(defaults)) if (!this.snapshot.has(key)) data[key] = value;
    for (const [c, entry] of this.snapshot) data[c] = valueOf(entry);
    this.gen++;
  }

  /**
   * Applies `mutate` and stores what it changed. `within`, when given, runs in the same transaction
   * after the records are written and before the commit (the audit entries of the change: decision 129),
   * so that both are stored or neither is.
   */
  update<T>(mutate: (data: Data) => T, { within }: UpdateOptions<T> & { within?: (client: pg.ClientBase, result: T) => Promise<void> } = {}): Promise<T> {
    return this.serial(async () => {
      if (!this.data) await this.load();
      if (this.closed) throw unavailable(new Error("the data store is closed"));
      let client: pg.PoolClient;
      try {
        client = await this.pool.connect();
      } catch (error) {
        this.failed(error);
        throw unavailable(error);
      }
      let mutated = false;
      let fromMutation = false;
      let failed = false;
      try {
        // One round trip: begin, take the data lock, fetch what other instances committed since (numbers only in the text).
        const opened = (await client.query(
          `BEGIN; SELECT pg_advisory_xact_lock(${Number(LOCK_DATA)}); SELECT seq, instance, ops FROM regula_changes WHERE seq > ${Number(this.seq)} ORDER BY seq`,
        )) as unknown as pg.QueryResult<{ seq: string; instance: string; ops: Op[] }>[];
        await this.catchUp(client, opened[2].rows);
        let result: T;
        mutated = true;
        try {
          result = mutate(this.data!);
        } catch (error) {
          fromMutation = true;
          throw error;
        }
        const { ops, after } = diffData(this.snapshot, this.data as unknown as Record<string, unknown>);
        let seq = this.seq;
        if (within) {
          if (ops.length) seq = await this.write(client, ops, false);
          await within(client, result);
          await client.query("COMMIT");
        }
        // The records, the change-log row, its notification and the commit go in one round trip.
        else if (ops.length) seq = await this.write(client, ops);
        else await client.query("COMMIT");
        this.lastFailure = null;
        this.snapshot = after;
        this.seq = seq;
        this.gen++;
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        if (mutated) this.restore();
        if (fromMutation) throw error;
        failed = true;
        if (isConnectionFailure(error)) this.failed(error);
        throw unavailable(error);
      } finally {
        // A client that failed may have lost its connection: it is closed rather than reused.
        client.release(failed || undefined);
      }
    });
  }

  /**
   * Writes the changed records, the next change-log row and its notification (one statement), and
   * commits, in one round trip: the values travel as quoted literals, so the statements go together.
   * Returns the new sequence.
   */
  private async write(client: pg.ClientBase, ops: Op[], commit = true): Promise<number> {
    const drops = ops.filter((op): op is { c: string; drop: true } => "drop" in op).map((op) => op.c);
    const rows = ops.filter((op): op is { c: string; k: string; o: number; r?: unknown } => !("drop" in op));
    // A collection that changes shape is emptied first (rare: its rows are written again below).
    if (drops.length) await client.query("DELETE FROM regula_records WHERE collection = ANY($1)", [drops]);
    const removed = rows.filter((op) => op.r === undefined).map((op) => ({ c: op.c, k: op.k }));
    const written = rows.filter((op) => op.r !== undefined);
    const text = (value: string) => client.escapeLiteral(value);
    const results = (await client.query(
      `WITH removed AS (
         DELETE FROM regula_records t USING jsonb_to_recordset(${text(JSON.stringify(removed))}::jsonb) AS x(c text, k text)
         WHERE t.collection = x.c AND t.key = x.k RETURNING 1),
       written AS (
         INSERT INTO regula_records (collection, key, ord, record)
         SELECT x.c, x.k, x.o, x.r FROM jsonb_to_recordset(${text(JSON.stringify(written))}::jsonb) AS x(c text, k text, o bigint, r jsonb)
         ON CONFLICT (collection, key) DO UPDATE SET ord = EXCLUDED.ord, record = EXCLUDED.record RETURNING 1),
       head AS (UPDATE regula_data_head SET seq = seq + 1 RETURNING seq),
       logged AS (INSERT INTO regula_changes (seq, instance, ops) SELECT seq, ${text(this.instance)}, ${text(JSON.stringify(ops))}::jsonb FROM head RETURNING seq)
       SELECT seq, pg_notify(${text(DATA_CHANNEL)}, seq::text) FROM logged, (SELECT count(*) FROM removed) r, (SELECT count(*) FROM written) w${commit ? ";\n       COMMIT" : ""}`,
    )) as unknown as pg.QueryResult<{ seq: string }>[] | pg.QueryResult<{ seq: string }>;
    const seq = Number((Array.isArray(results) ? results[0] : results).rows[0].seq);
    // The change log keeps its last KEEP_CHANGES rows (pruned now and then, after the commit).
    if (commit && seq % 500 === 0) await client.query("DELETE FROM regula_changes WHERE seq <= $1", [seq - KEEP_CHANGES]).catch(() => undefined);
    return seq;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.relisten) clearTimeout(this.relisten);
    await this.queue.catch(() => undefined);
    const listener = this.listener;
    this.listener = null;
    await listener?.end().catch(() => undefined);
    if (!this.options.ownPool) await this.pool.end().catch(() => undefined);
  }
}
