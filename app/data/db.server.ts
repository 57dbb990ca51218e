/**
 * The owner of the application data (decisions 003 and 108). One store per
 * process, loaded once: lowdb (db.json in DATA_DIR, the default) or, when
 * DATABASE_URL is set, PostgreSQL (app/data/pg-store.server.ts). Reads are
 * synchronous from memory; every change goes through `updateDb`, whose
 * mutation is all-or-nothing: if it throws, or the change cannot be stored,
 * memory is left as it was stored.
 */
import fs from "node:fs";
import path from "node:path";
import { Low } from "lowdb";
import { DataFile } from "lowdb/node";
import type pg from "pg";
import { getEnv } from "~/utils/env.server";
import { DomainError, msg } from "~/utils/errors.server";
import { isConnectionFailure, PgStore, unavailable } from "./pg-store.server";
import type { Data } from "./schema";
import { emptyData } from "./schema";
import type { DataStore, UpdateOptions } from "./store";

/**
 * lowdb on one file. Writes are coalesced by lowdb's atomic writer (temp file +
 * rename) so bursts of updates become few disk writes. The text of the last
 * write is kept, so a mutation that throws half-way is undone in memory.
 */
export class LowdbStore implements DataStore {
  readonly kind = "lowdb" as const;
  private low: Low<Data> | null = null;
  private loading: Promise<void> | null = null;
  private gen = 0;
  /** The JSON text last read or handed to the writer: what is (or is about to be) on disk. */
  private stored: string | null = null;

  constructor(readonly file: string) {}

  load(): Promise<void> {
    if (this.low) return Promise.resolve();
    this.loading ??= this.open().catch((error) => {
      this.loading = null;
      throw error;
    });
    return this.loading;
  }

  private async open() {
    const file = this.file;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const adapter = new DataFile<Data>(file, {
      parse: (text) => {
        this.stored = text;
        return JSON.parse(text) as Data;
      },
      stringify: (data) => (this.stored = JSON.stringify(data, null, 2)),
    });
    const low = new Low<Data>(adapter, emptyData());
    try {
      await low.read();
    } catch (error) {
      throw new DomainError(
        "unavailable",
        `The database file ${file} cannot be parsed (${(error as Error).message}). Restore it from a backup (npm run restore).`,
      );
    }
    low.data = { ...emptyData(), ...(low.data ?? {}) };
    this.low = low;
  }

  read(): Data {
    if (!this.low) throw new Error("Database not loaded: call loadDb() at start-up");
    return this.low.data;
  }

  generation(): number {
    return this.gen;
  }

  onChange(): () => void {
    return () => undefined;
  }

  async sync(): Promise<void> {}

  /** Puts memory back to the last stored text, keeping the Data object itself (readers hold it). */
  private restore() {
    const low = this.low!;
    const data = low.data as unknown as Record<string, unknown>;
    const stored = { ...emptyData(), ...(this.stored ? (JSON.parse(this.stored) as Data) : {}) } as unknown as Record<string, unknown>;
    for (const key of Object.keys(data)) if (!(key in stored)) delete data[key];
    Object.assign(data, stored);
    this.gen++;
  }

  async update<T>(mutate: (data: Data) => T, options: UpdateOptions<T> = {}): Promise<T> {
    if (!this.low) await this.load();
    const low = this.low!;
    let result: T;
    let unchanged = false;
    try {
      result = mutate(low.data);
      unchanged = options.unchanged?.(result) ?? false;
    } catch (error) {
      this.restore();
      throw error;
    } finally {
      if (!unchanged) this.gen++;
    }
    // Nothing to store: the file (and every view derived from the data) stays as it is.
    if (unchanged) return result;
    try {
      // steno (under lowdb) coalesces overlapping writes into one rename.
      await low.write();
    } catch (error) {
      try {
        await low.read();
        low.data = { ...emptyData(), ...(low.data ?? {}) };
        this.gen++;
      } catch {
        /* keep memory as is; the next write will retry */
      }
      throw new DomainError("unavailable", msg("error.saveFailed", { problem: (error as Error).message }));
    }
    return result;
  }

  async close(): Promise<void> {}
}

let store: DataStore | null = null;
const changeListeners = new Set<() => void>();

function dbFile() {
  return path.join(getEnv().dataDir, "db.json");
}

/** A store for the configured backend: PostgreSQL when DATABASE_URL is set, else lowdb in DATA_DIR. */
export function createStore(): DataStore {
  const env = getEnv();
  return env.DATABASE_URL ? new PgStore(env.DATABASE_URL, { pollMs: env.DATABASE_POLL_MS }) : new LowdbStore(dbFile());
}

function currentStore(): DataStore {
  if (!store) {
    store = createStore();
    store.onChange(() => {
      for (const listener of changeListeners) listener();
    });
  }
  return store;
}

/** Loads the data (once per process). */
export async function loadDb(): Promise<void> {
  await currentStore().load();
}

/** Current in-memory data, for reads. Throws if loadDb() has not run. */
export function readDb(): Readonly<Data> {
  if (!store) throw new Error("Database not loaded: call loadDb() at start-up");
  return store.read();
}

/**
 * Applies a synchronous mutation and stores it. Resolves once the change is
 * stored; on a failure memory is put back and a DomainError("unavailable") is
 * thrown, so a failed save is never reported as done. An error thrown by the
 * mutation itself is passed on, with memory put back too.
 */
export async function updateDb<T>(mutate: (data: Data) => T, options?: UpdateOptions<T>): Promise<T> {
  return currentStore().update(mutate, options);
}

/**
 * PostgreSQL only: `updateDb`, with `within` run in the same transaction after the records are
 * written and before the commit, so that what it writes (the change's audit entries) is stored
 * exactly when the change is (decision 129).
 */
export async function updateDbWithin<T>(mutate: (data: Data) => T, within: (client: pg.ClientBase, result: T) => Promise<void>): Promise<T> {
  const s = currentStore();
  if (!(s instanceof PgStore)) throw new Error("updateDbWithin needs the PostgreSQL store");
  return s.update(mutate, { within });
}

/** Which backend holds the data. */
export function dataBackend(): "lowdb" | "postgres" {
  return getEnv().DATABASE_URL ? "postgres" : "lowdb";
}

/** The connection pool of the PostgreSQL store (null with lowdb); the logs and counters kept in PostgreSQL share it. */
export function databasePool(): pg.Pool | null {
  if (!getEnv().DATABASE_URL) return null;
  const s = currentStore();
  return s instanceof PgStore ? s.pool : null;
}

/** Whether the store reaches its database now (PostgreSQL: listening and its last contact worked; lowdb: always). */
export function storeStatus(): { ok: boolean; backend: "lowdb" | "postgres"; listening?: boolean; seq?: number; lastFailure?: { at: string; problem: string } | null } {
  const s = store;
  if (s instanceof PgStore) return { backend: "postgres", ...s.status() };
  return { ok: true, backend: "lowdb" };
}

/** Runs `listener` after changes made by another instance reached this one's memory. */
export function onDataChanged(listener: () => void): () => void {
  changeListeners.add(listener);
  return () => changeListeners.delete(listener);
}

/**
 * Applies changes other instances made that this one has not seen yet (nothing to do with lowdb):
 * a command that decides from the records (an approval) reads what another instance wrote a moment
 * ago. An unreachable database is the portal's "unavailable" (503).
 */
export async function syncDb(): Promise<void> {
  if (!store) return;
  try {
    await store.sync();
  } catch (error) {
    throw isConnectionFailure(error) ? unavailable(error) : error;
  }
}

/** Ends the store's connections (PostgreSQL); scripts call it before they exit. */
export async function closeDb(): Promise<void> {
  const s = store;
  store = null;
  await s?.close();
}

function generation(): number {
  return store ? store.generation() : -1;
}

/** Changes whenever the data in memory changes (an update here, a reload, another instance's change). */
export function dataGeneration(): number {
  return generation();
}

/**
 * A view computed from the data (an index, a lookup table), built on first use
 * and built again on the first use after any change through `updateDb` or a
 * reload. Pages read such views instead of scanning collections per request.
 */
export function derived<T>(build: (data: Readonly<Data>) => T): () => T {
  let cached: { generation: number; data: Readonly<Data>; value: T } | null = null;
  return () => {
    const data = readDb();
    const gen = generation();
    if (!cached || cached.generation !== gen || cached.data !== data) cached = { generation: gen, data, value: build(data) };
    return cached.value;
  };
}

/** Typed view of one collection (domains that add their own collections use this). */
export function collection<T>(name: string): T[] {
  const data = readDb() as unknown as Record<string, unknown>;
  const value = data[name];
  return (Array.isArray(value) ? value : []) as T[];
}

/** Ensures a collection exists in a mutation and returns it. */
export function mutableCollection<T>(data: Data, name: string): T[] {
  const record = data as unknown as Record<string, unknown>;
  if (!Array.isArray(record[name])) record[name] = [];
  return record[name] as T[];
}

/** For tests: drop the loaded instance so the next load reads DATA_DIR anew. */
export function resetDbForTests() {
  const s = store;
  store = null;
  void s?.close();
}
