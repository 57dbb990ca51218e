/**
 * The only owner of lowdb. One Low instance per process, loaded once; every
 * change goes through `updateDb`, whose mutation runs synchronously (so it is
 * atomic within the process) and whose write is coalesced by lowdb's atomic
 * writer (temp file + rename) so bursts of updates become few disk writes.
 */
import fs from "node:fs";
import path from "node:path";
import { Low } from "lowdb";
import { JSONFile } from "lowdb/node";
import { getEnv } from "~/utils/env.server";
import { DomainError, msg } from "~/utils/errors.server";
import type { Data } from "./schema";
import { emptyData } from "./schema";

let db: Low<Data> | null = null;
let loading: Promise<Low<Data>> | null = null;
/** Counts changes (and reloads), so that views derived from the data know when to rebuild. */
let generation = 0;

function dbFile() {
  return path.join(getEnv().dataDir, "db.json");
}

async function open(): Promise<Low<Data>> {
  const file = dbFile();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const low = new Low<Data>(new JSONFile<Data>(file), emptyData());
  try {
    await low.read();
  } catch (error) {
    throw new DomainError(
      "unavailable",
      `The database file ${file} cannot be parsed (${(error as Error).message}). Restore it from a backup (npm run restore).`,
    );
  }
  low.data = { ...emptyData(), ...(low.data ?? {}) };
  return low;
}

/** Loads the database (once per process). */
export async function loadDb(): Promise<void> {
  if (db) return;
  loading ??= open().then((low) => (db = low));
  await loading;
}

/** Current in-memory data, for reads. Throws if loadDb() has not run. */
export function readDb(): Readonly<Data> {
  if (!db) throw new Error("Database not loaded: call loadDb() at start-up");
  return db.data;
}

/**
 * Applies a synchronous mutation and persists it. Resolves once the change is
 * on disk; on a write failure the in-memory state is reloaded from disk and a
 * DomainError("unavailable") is thrown, so a failed save is never reported as done.
 */
export async function updateDb<T>(mutate: (data: Data) => T): Promise<T> {
  if (!db) await loadDb();
  const low = db!;
  let result: T;
  try {
    result = mutate(low.data);
  } finally {
    generation++;
  }
  try {
    // steno (under lowdb) coalesces overlapping writes into one rename.
    await low.write();
  } catch (error) {
    try {
      await low.read();
      low.data = { ...emptyData(), ...(low.data ?? {}) };
      generation++;
    } catch {
      /* keep memory as is; the next write will retry */
    }
    throw new DomainError("unavailable", msg("error.saveFailed", { problem: (error as Error).message }));
  }
  return result;
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
    if (!cached || cached.generation !== generation || cached.data !== data) cached = { generation, data, value: build(data) };
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
  db = null;
  loading = null;
  generation++;
}
