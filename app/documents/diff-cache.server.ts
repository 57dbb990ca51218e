/**
 * Comparisons of two texts, kept for reuse. A version never changes once
 * published, and a proposal's text changes only by a new commit, so the
 * comparison of two texts is the same every time it is asked for: the
 * formatted page, each fold, the API's block changes and the source line diff
 * are computed once per pair and then served from memory. Entries are keyed by
 * the two texts' SHA-1 (what git would name them) and held in an LRU bounded
 * by an estimate of their size in memory. Publishing a version and submitting
 * a proposal warm the entry in the background (warmComparison), so the first
 * reviewer does not wait for it either.
 * docs/decisions/101-diff-cache.md
 */
import { createHash } from "node:crypto";
import { prepareDiff, preparedChanges, renderPrepared, renderPreparedFold, type BlockChanges, type FormatOptions, type FormattedDiff, type FormattedItem, type PreparedDiff } from "./diff-blocks.server";
import { diffTexts, type DocumentDiff } from "./diff.server";

/** Memory the cached comparisons may take by default (estimated), in bytes. */
export const DIFF_CACHE_BYTES = 96 * 1024 * 1024;
let limitBytes = DIFF_CACHE_BYTES;

interface Entry {
  prepared?: PreparedDiff;
  lines?: DocumentDiff;
  /** The API's answer, serialised once per form (compact or full). */
  json: Map<string, string>;
  bytes: number;
}

const entries = new Map<string, Entry>();
let totalBytes = 0;
const stats = { hits: 0, misses: 0, evictions: 0 };

const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");

/** The cache key of a pair of texts (their SHA-1s). */
export function pairKey(oldText: string, newText: string): string {
  return `${sha1(oldText)}:${sha1(newText)}`;
}

function entryFor(oldText: string, newText: string): Entry {
  const key = pairKey(oldText, newText);
  let entry = entries.get(key);
  if (entry) {
    stats.hits++;
    entries.delete(key);
    entries.set(key, entry);
    return entry;
  }
  stats.misses++;
  entry = { json: new Map(), bytes: 0 };
  entries.set(key, entry);
  return entry;
}

/** Adds to an entry's estimated size and drops the least recently used entries past the bound. */
function grow(entry: Entry, bytes: number): void {
  entry.bytes += bytes;
  totalBytes += bytes;
  for (const [key, e] of entries) {
    if (totalBytes <= limitBytes || e === entry) break;
    entries.delete(key);
    totalBytes -= e.bytes;
    stats.evictions++;
  }
}

// Measured on the generated ~200 KB law editions (heap after GC): the block
// comparison with its word marks and the rendered page take about 15 bytes
// of heap per character of the two texts, the line diff about 7; a pair of
// such editions is ~3.4 MB, so the default bound holds ~28 of them.
const PREPARED_BYTES_PER_CHAR = 16;
const LINES_BYTES_PER_CHAR = 7;

function prepared(oldText: string, newText: string, entry = entryFor(oldText, newText)): PreparedDiff {
  if (!entry.prepared) {
    entry.prepared = prepareDiff(oldText, newText);
    grow(entry, PREPARED_BYTES_PER_CHAR * (oldText.length + newText.length));
  }
  return entry.prepared;
}

/** The formatted diff of two texts (see diff-blocks.server.ts), from the cache when it was computed before. */
export function cachedFormattedDiff(oldText: string, newText: string, options: FormatOptions = {}): FormattedDiff {
  return renderPrepared(prepared(oldText, newText), options);
}

/** One fold of the formatted diff of two texts, from the cache when it was loaded before; undefined if there is no such fold. */
export function cachedFormattedFold(oldText: string, newText: string, fold: number): FormattedItem[] | undefined {
  return renderPreparedFold(prepared(oldText, newText), fold);
}

/** The block changes of two texts for the API. */
export function cachedBlockChanges(oldText: string, newText: string): BlockChanges {
  return preparedChanges(prepared(oldText, newText));
}

/** The source line diff of two texts with the default options (diff.server.ts diffTexts). */
export function cachedLineDiff(oldText: string, newText: string): DocumentDiff {
  const entry = entryFor(oldText, newText);
  if (!entry.lines) {
    entry.lines = diffTexts(oldText, newText);
    grow(entry, LINES_BYTES_PER_CHAR * (oldText.length + newText.length));
  }
  return entry.lines;
}

/**
 * A serialised answer derived from the comparison of two texts (the API's
 * JSON), made once per `form` and kept with the comparison.
 */
export function cachedJson(oldText: string, newText: string, form: string, make: () => unknown): string {
  const entry = entryFor(oldText, newText);
  let json = entry.json.get(form);
  if (json === undefined) {
    json = JSON.stringify(make());
    entry.json.set(form, json);
    grow(entry, 2 * json.length);
  }
  return json;
}

/** Computes the page and the line diff of two texts now, so the first reader finds them ready. */
export function warmComparison(oldText: string, newText: string): void {
  const entry = entryFor(oldText, newText);
  renderPrepared(prepared(oldText, newText, entry));
  cachedLineDiff(oldText, newText);
}

const pending: (() => Promise<void>)[] = [];
const idle: (() => void)[] = [];
let draining = false;

/**
 * Warms a comparison after the current request has been answered: one pair
 * at a time, in the background, so publishing and submitting stay quick.
 * `texts` is called then (it may read the versions); a failure only means the
 * first reader computes the comparison.
 */
export function warmLater(texts: () => Promise<{ oldText: string; newText: string } | null>): void {
  pending.push(async () => {
    const t = await texts();
    if (t) warmComparison(t.oldText, t.newText);
  });
  if (draining) return;
  draining = true;
  const next = () => {
    const job = pending.shift();
    if (!job) {
      draining = false;
      for (const resolve of idle.splice(0)) resolve();
      return;
    }
    void job()
      .catch(() => undefined)
      .finally(() => setTimeout(next, 0).unref());
  };
  setTimeout(next, 0).unref();
}

/** How the cache is doing (for tests and the benchmark). */
export function diffCacheStats() {
  return { ...stats, entries: entries.size, bytes: totalBytes };
}

/** Empties the cache and sets its bound (tests; the default bound otherwise). */
export function clearDiffCache(maxBytes = DIFF_CACHE_BYTES): void {
  entries.clear();
  totalBytes = 0;
  limitBytes = maxBytes;
  stats.hits = stats.misses = stats.evictions = 0;
}

/** Resolves when every comparison queued by warmLater has been computed. */
export function warmingDone(): Promise<void> {
  if (!draining) return Promise.resolve();
  return new Promise((resolve) => idle.push(resolve));
}
