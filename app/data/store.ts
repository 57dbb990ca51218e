/**
 * The data-access interface with two implementations (decision 108): lowdb (one
 * file, one process; the default) and PostgreSQL (several instances on one
 * database). Both keep the whole data in memory for synchronous reads; a change
 * goes through `update`, whose mutation is all-or-nothing: when it throws, or
 * the change cannot be stored, memory is left as it was.
 */
import type { Data } from "./schema";

export interface UpdateOptions<T> {
  /**
   * The mutation's own word that it changed nothing (a job that found nothing due): lowdb then
   * writes no file. PostgreSQL finds that out itself (no changed record, nothing written).
   */
  unchanged?: (result: T) => boolean;
}

export interface DataStore {
  readonly kind: "lowdb" | "postgres";
  /** Reads the stored data into memory (and, for PostgreSQL, runs migrations and starts following other instances). */
  load(): Promise<void>;
  /** The in-memory data; throws if `load` has not run. */
  read(): Data;
  /** Applies a synchronous mutation and stores it; resolves once it is stored. */
  update<T>(mutate: (data: Data) => T, options?: UpdateOptions<T>): Promise<T>;
  /** Counts changes (own and other instances'), so that derived views know when to rebuild. */
  generation(): number;
  /** Called after changes made by another instance were applied to memory. */
  onChange(listener: () => void): () => void;
  /** Applies changes other instances made that this one has not seen yet (PostgreSQL; lowdb: nothing to do). */
  sync(): Promise<void>;
  close(): Promise<void>;
}

type Snapshot = Map<string, CollectionSnapshot>;
export type CollectionSnapshot =
  | { mode: "whole"; json: string }
  | { mode: "keyed"; rows: Map<string, { ord: number; json: string }>; maxOrd: number };

/** One stored change: a row written (`r`) or removed (no `r`), or a collection dropped. */
export type Op = { c: string; k: string; o: number; r?: unknown } | { c: string; drop: true };

/** True when a collection can be stored record by record: an array of objects with distinct string ids. */
export function keyable(value: unknown): value is { id: string }[] {
  if (!Array.isArray(value)) return false;
  const seen = new Set<string>();
  for (const item of value) {
    if (!item || typeof item !== "object" || typeof (item as { id?: unknown }).id !== "string") return false;
    const id = (item as { id: string }).id;
    if (seen.has(id)) return false;
    seen.add(id);
  }
  return true;
}

/**
 * The changes that turn `before` into `data`, and the snapshot after them.
 * Records are compared by their JSON text; an array keeps its order through
 * `ord` (appends get the next numbers; any other reordering renumbers).
 */
export function diffData(before: Snapshot, data: Record<string, unknown>): { ops: Op[]; after: Snapshot } {
  const ops: Op[] = [];
  const after: Snapshot = new Map(before);
  const names = new Set([...before.keys(), ...Object.keys(data)]);
  for (const c of names) {
    const value = data[c];
    const prev = before.get(c);
    if (value === undefined) {
      if (prev) {
        ops.push({ c, drop: true });
        after.delete(c);
      }
      continue;
    }
    if (keyable(value)) {
      const prevRows = prev?.mode === "keyed" ? prev.rows : null;
      if (prev && !prevRows) ops.push({ c, drop: true });
      let increasing = true;
      let last = -Infinity;
      let seenNew = false;
      for (const item of value) {
        const row = prevRows?.get(item.id);
        if (row) {
          if (seenNew || row.ord <= last) {
            increasing = false;
            break;
          }
          last = row.ord;
        } else seenNew = true;
      }
      const texts = value.map((item) => JSON.stringify(item));
      // The same records, in the same order, none changed (most collections in most changes): the
      // snapshot's entry stays as it is, without building its rows again.
      if (prevRows && increasing && prevRows.size === value.length && value.every((item, i) => prevRows.get(item.id)?.json === texts[i])) continue;
      let maxOrd = prevRows && prev?.mode === "keyed" ? prev.maxOrd : -1;
      const rows = new Map<string, { ord: number; json: string }>();
      value.forEach((item, index) => {
        const row = prevRows?.get(item.id);
        const ord = increasing ? (row ? row.ord : ++maxOrd) : index;
        const json = texts[index];
        rows.set(item.id, { ord, json });
        if (!row || row.json !== json || row.ord !== ord) ops.push({ c, k: item.id, o: ord, r: JSON.parse(json) });
      });
      if (!increasing) maxOrd = value.length - 1;
      if (prevRows) for (const id of prevRows.keys()) if (!rows.has(id)) ops.push({ c, k: id, o: 0 });
      if (rows.size || prev) after.set(c, { mode: "keyed", rows, maxOrd });
    } else {
      const json = JSON.stringify(value);
      if (prev?.mode === "whole" && prev.json === json) continue;
      if (prev?.mode === "keyed") ops.push({ c, drop: true });
      ops.push({ c, k: "", o: 0, r: JSON.parse(json) });
      after.set(c, { mode: "whole", json });
    }
  }
  return { ops, after };
}

/** Applies stored changes to a snapshot (in place); returns the names of the collections touched. */
export function applyOps(snapshot: Snapshot, ops: Op[]): Set<string> {
  const touched = new Set<string>();
  for (const op of ops) {
    touched.add(op.c);
    if ("drop" in op) {
      snapshot.delete(op.c);
      continue;
    }
    if (op.k === "") {
      if (op.r === undefined) snapshot.delete(op.c);
      else snapshot.set(op.c, { mode: "whole", json: JSON.stringify(op.r) });
      continue;
    }
    let entry = snapshot.get(op.c);
    if (!entry || entry.mode !== "keyed") {
      entry = { mode: "keyed", rows: new Map(), maxOrd: -1 };
      snapshot.set(op.c, entry);
    }
    if (op.r === undefined) entry.rows.delete(op.k);
    else {
      entry.rows.set(op.k, { ord: op.o, json: JSON.stringify(op.r) });
      if (op.o > entry.maxOrd) entry.maxOrd = op.o;
    }
  }
  return touched;
}

/** The in-memory value of one collection from its snapshot (records in `ord` order). */
export function valueOf(entry: CollectionSnapshot): unknown {
  if (entry.mode === "whole") return JSON.parse(entry.json);
  return [...entry.rows.values()].sort((a, b) => a.ord - b.ord).map((row) => JSON.parse(row.json));
}

/** A copy of a snapshot deep enough that changing the copy's collections leaves the original as it was. */
export function cloneSnapshot(snapshot: Snapshot): Snapshot {
  const copy: Snapshot = new Map();
  for (const [c, entry] of snapshot) copy.set(c, entry.mode === "whole" ? entry : { mode: "keyed", rows: new Map(entry.rows), maxOrd: entry.maxOrd });
  return copy;
}

export type { Snapshot };
