/**
 * Append-only logs of JSON lines (decision 119): the notifications, the
 * delivery queue and the acknowledgements. A domain keeps its state in memory,
 * built by replaying the log's lines, and changes it only by appending lines.
 * Two back ends with one interface:
 *
 * - without DATABASE_URL, a file $DATA_DIR/notifications/<name>.jsonl (one
 *   process; appends serialised per file; a torn last line is skipped on load;
 *   a rewrite replaces the file atomically);
 * - with DATABASE_URL, rows of regula_log_lines shared by every instance, the
 *   audit log's way (decision 108): an append runs in one transaction under an
 *   advisory lock held for that log, first replays the lines other instances
 *   appended since this one last looked, then builds its own lines from the
 *   state brought up to date, stores them and commits. Other instances replay
 *   them on a bus message, on a timer and before any append of their own.
 *
 * Either way a line is applied to memory only once it is stored, so a failed
 * append changes nothing.
 */
import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import type pg from "pg";
import { onReconnect, publish, subscribe } from "~/cluster/bus.server";
import { getEnv } from "~/utils/env.server";
import { withLock } from "~/utils/lock.server";
import { databasePool } from "./db.server";
import { LOCK_LOGS } from "./pg-schema.server";

/** What a log replays its lines into: the domain's in-memory state. */
export interface LogFollower<L> {
  /** Forget everything (the stored log was rewritten; its lines follow). */
  reset(): void;
  apply(line: L): void;
}

export interface AppendLog<L> {
  readonly backend: "file" | "postgres";
  /** Replays every stored line into the follower (after a reset); counts them, and the unreadable ones. */
  load(): Promise<{ lines: number; torn: number }>;
  /**
   * Appends the lines `build` returns, built from a state that holds every line
   * stored so far (other instances' too), and applies them once stored. An
   * empty result stores nothing. Resolves with the lines stored.
   */
  append(build: () => L[]): Promise<L[]>;
  /** Replays the lines other instances appended since this one last looked (file: nothing to do). */
  sync(): Promise<void>;
  /**
   * Replaces the stored lines with those `build` returns from the up-to-date
   * state (compaction). The follower is not replayed: the caller sets its
   * state to match. Other instances replay the new content from the start.
   */
  rewrite(build: () => L[]): Promise<void>;
  /** Stops following (timers); the stored lines stay. */
  close(): void;
}

// ---- run a transaction under an advisory lock (shared with the audit log) ----

/**
 * Runs `work` in one transaction holding the advisory lock `key` (a number, or
 * two numbers), on a client of `pool`: committed when it resolves, rolled back
 * when it throws. A client that failed is closed rather than reused.
 */
export async function inLockedTransaction<T>(pool: pg.Pool, key: number | [number, number], work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return inTransaction(pool, async (client) => {
    await client.query("BEGIN");
    if (Array.isArray(key)) await client.query("SELECT pg_advisory_xact_lock($1::int, $2::int)", key);
    else await client.query("SELECT pg_advisory_xact_lock($1)", [key]);
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  });
}

/**
 * Runs `work` on a pooled connection that opens and commits its own transaction: on failure the
 * transaction is rolled back and the connection is dropped rather than reused.
 */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let failed = false;
  try {
    return await work(client);
  } catch (error) {
    failed = true;
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release(failed || undefined);
  }
}

/**
 * The `ready()` of a domain kept in memory from a log: loads the log once before the first change
 * (PostgreSQL is read asynchronously, and start-up seeding can come before any read). A file log is
 * read at once by `readFile`; `onLoaded` runs after a database log was read.
 */
export function readyWhenLoaded<L>(log: () => AppendLog<L>, isLoaded: () => boolean, readFile: () => void, onLoaded: () => void = () => undefined): () => Promise<void> {
  let loading: Promise<unknown> | null = null;
  return async () => {
    if (isLoaded()) return;
    const l = log();
    if (l instanceof FileLog) return readFile();
    loading ??= l
      .load()
      .then(onLoaded)
      .finally(() => {
        loading = null;
      });
    await loading;
  };
}

// ---- the file back end ------------------------------------------------------

/** Reads every parseable line of a JSON-lines file (missing file = no lines). */
export function readLines<T>(file: string): { lines: T[]; torn: number } {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return { lines: [], torn: 0 };
  }
  const lines: T[] = [];
  let torn = 0;
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      lines.push(JSON.parse(line) as T);
    } catch {
      torn++;
    }
  }
  return { lines, torn };
}

/** Appends records as lines, in one write, after every earlier append to the same file. */
export async function appendLines(file: string, records: unknown[]): Promise<void> {
  if (!records.length) return;
  const text = records.map((r) => JSON.stringify(r)).join("\n") + "\n";
  await withLock(`jsonl:${file}`, async () => {
    await fsp.mkdir(path.dirname(file), { recursive: true });
    await fsp.appendFile(file, text);
  });
}

/** Replaces a file's content atomically with the given records. */
export async function rewriteLines(file: string, records: unknown[]): Promise<void> {
  await withLock(`jsonl:${file}`, async () => {
    await fsp.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.tmp-${process.pid}`;
    await fsp.writeFile(tmp, records.map((r) => JSON.stringify(r)).join("\n") + (records.length ? "\n" : ""));
    await fsp.rename(tmp, file);
  });
}

/** The file that holds a log without DATABASE_URL, in a given DATA_DIR. */
export function logFileIn(dataDir: string, name: string): string {
  return path.join(dataDir, "notifications", `${name}.jsonl`);
}

/** The file that holds a log without DATABASE_URL. */
export function logFile(name: string): string {
  return logFileIn(getEnv().dataDir, name);
}

export class FileLog<L> implements AppendLog<L> {
  readonly backend = "file" as const;
  constructor(
    readonly file: string,
    private follower: LogFollower<L>,
  ) {}

  /** Replays the file synchronously (the file back end is read on first use too). */
  loadSync(): { lines: number; torn: number } {
    const { lines, torn } = readLines<L>(this.file);
    this.follower.reset();
    for (const line of lines) this.follower.apply(line);
    return { lines: lines.length, torn };
  }

  async load() {
    return this.loadSync();
  }

  append(build: () => L[]): Promise<L[]> {
    return withLock(`log:${this.file}`, async () => {
      const lines = build();
      await appendLines(this.file, lines);
      for (const line of lines) this.follower.apply(line);
      return lines;
    });
  }

  async sync() {}

  rewrite(build: () => L[]): Promise<void> {
    return withLock(`log:${this.file}`, () => rewriteLines(this.file, build()));
  }

  close() {}
}

// ---- the PostgreSQL back end --------------------------------------------------

/** The first line of a rewritten log: whoever replays it starts again from nothing. */
const REWRITTEN = { "~": "rewritten" } as const;

function isRewriteMark(line: unknown): boolean {
  return !!line && typeof line === "object" && (line as Record<string, unknown>)["~"] === "rewritten";
}

/** A stable number for a log's advisory lock (the second half of the key). */
function lockOf(name: string): [number, number] {
  let h = 0;
  for (const ch of name) h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
  return [LOCK_LOGS, h];
}

/** Open PostgreSQL logs of this process, by name: a bus message about one makes them look. */
const following = new Map<string, Set<PgLog<unknown>>>();
let subscribed = false;

function follow(log: PgLog<unknown>) {
  if (!subscribed) {
    subscribed = true;
    subscribe("log.appended", (data) => {
      const name = (data as { log?: string }).log;
      for (const l of (name && following.get(name)) || []) void l.sync().catch(() => undefined);
    });
    onReconnect(async () => {
      for (const set of following.values()) for (const l of set) await l.sync().catch(() => undefined);
    });
  }
  const set = following.get(log.name) ?? new Set();
  set.add(log);
  following.set(log.name, set);
}

export class PgLog<L> implements AppendLog<L> {
  readonly backend = "postgres" as const;
  private seq = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private pool: pg.Pool,
    readonly name: string,
    private follower: LogFollower<L>,
    options: { pollMs?: number; follow?: boolean } = {},
  ) {
    if (options.follow !== false) {
      follow(this as PgLog<unknown>);
      this.timer = setInterval(() => void this.sync().catch(() => undefined), options.pollMs ?? getEnv().DATABASE_POLL_MS);
      this.timer.unref();
    }
  }

  /** Every key this log's in-process work is serialised under. */
  private get key() {
    return `pglog:${this.name}`;
  }

  private async fetch(db: pg.ClientBase | pg.Pool, after: number): Promise<{ seq: number; line: L }[]> {
    const { rows } = await db.query<{ seq: string; line: L }>("SELECT seq, line FROM regula_log_lines WHERE log = $1 AND seq > $2 ORDER BY seq", [this.name, after]);
    return rows.map((r) => ({ seq: Number(r.seq), line: r.line }));
  }

  /** Applies fetched rows; a rewrite mark starts the state again from nothing. */
  private replay(rows: { seq: number; line: L }[]) {
    for (const row of rows) {
      if (isRewriteMark(row.line)) this.follower.reset();
      else this.follower.apply(row.line);
      this.seq = row.seq;
    }
  }

  load(): Promise<{ lines: number; torn: number }> {
    return withLock(this.key, async () => {
      const rows = await this.fetch(this.pool, 0);
      this.follower.reset();
      this.seq = 0;
      this.replay(rows);
      return { lines: rows.filter((r) => !isRewriteMark(r.line)).length, torn: 0 };
    });
  }

  sync(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return withLock(this.key, async () => {
      this.replay(await this.fetch(this.pool, this.seq));
    });
  }

  append(build: () => L[]): Promise<L[]> {
    return withLock(this.key, async () => {
      const stored = await inLockedTransaction(this.pool, lockOf(this.name), async (client) => {
        // Other instances' lines are stored already: applying them is right whatever happens next.
        this.replay(await this.fetch(client, this.seq));
        const lines = build();
        if (!lines.length) return { lines, last: this.seq };
        const { rows } = await client.query<{ seq: string }>(
          "INSERT INTO regula_log_lines (log, line) SELECT $1, x FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS t(x, n) ORDER BY n RETURNING seq",
          [this.name, JSON.stringify(lines)],
        );
        return { lines, last: Math.max(...rows.map((r) => Number(r.seq))) };
      });
      if (!stored.lines.length) return stored.lines;
      for (const line of stored.lines) this.follower.apply(line);
      this.seq = stored.last;
      void publish("log.appended", { log: this.name });
      return stored.lines;
    });
  }

  rewrite(build: () => L[]): Promise<void> {
    return withLock(this.key, async () => {
      const last = await inLockedTransaction(this.pool, lockOf(this.name), async (client) => {
        this.replay(await this.fetch(client, this.seq));
        const lines = build();
        await client.query("DELETE FROM regula_log_lines WHERE log = $1", [this.name]);
        const { rows } = await client.query<{ seq: string }>(
          "INSERT INTO regula_log_lines (log, line) SELECT $1, x FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS t(x, n) ORDER BY n RETURNING seq",
          [this.name, JSON.stringify([REWRITTEN, ...lines])],
        );
        return Math.max(...rows.map((r) => Number(r.seq)));
      });
      this.seq = last;
      void publish("log.appended", { log: this.name });
    });
  }

  close() {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    following.get(this.name)?.delete(this as PgLog<unknown>);
  }
}

/** Every line of a log as stored in PostgreSQL, in order, without rewrite marks (moving an installation, backups). */
export async function storedLines(db: pg.ClientBase | pg.Pool, name: string): Promise<unknown[]> {
  const { rows } = await db.query<{ line: unknown }>("SELECT line FROM regula_log_lines WHERE log = $1 ORDER BY seq", [name]);
  const lines = rows.map((r) => r.line);
  const mark = lines.map(isRewriteMark).lastIndexOf(true);
  return lines.slice(mark + 1);
}

/** Replaces a log's stored lines in the caller's transaction (moving an installation, restoring a backup). */
export async function replaceStoredLines(client: pg.ClientBase, name: string, lines: unknown[]): Promise<void> {
  await client.query("SELECT pg_advisory_xact_lock($1::int, $2::int)", lockOf(name));
  await client.query("DELETE FROM regula_log_lines WHERE log = $1", [name]);
  for (let i = 0, first = true; i < lines.length || first; i += 2000, first = false) {
    const part = lines.slice(i, i + 2000);
    await client.query("INSERT INTO regula_log_lines (log, line) SELECT $1, x FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS t(x, n) ORDER BY n", [
      name,
      JSON.stringify(first ? [REWRITTEN, ...part] : part),
    ]);
  }
}

/** Opens a log on the configured back end: PostgreSQL when DATABASE_URL is set, else its file in DATA_DIR. */
export function openLog<L>(name: string, follower: LogFollower<L>): FileLog<L> | PgLog<L> {
  const pool = databasePool();
  return pool ? new PgLog<L>(pool, name, follower) : new FileLog<L>(logFile(name), follower);
}

/** The logs kept this way, by name (moving an installation and backups copy each). */
export const LOG_NAMES = ["notifications", "outbox", "acknowledgements"] as const;
