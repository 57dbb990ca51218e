/**
 * Keeps the search index level with the repository: builds index entries from
 * current versions, brings a saved index up to date at start (or rebuilds it),
 * and replaces a document's entry whenever a version is published — a
 * revision, a retirement or a scheduled version on its effective date.
 */
import { renderVersion } from "~/documents/documents.server";
import { allLatest, indexedHead, type VersionRecord } from "~/documents/version-index.server";
import { on } from "~/utils/events.server";
import { withLock } from "~/utils/lock.server";
import type { SearchDoc, SearchEngine } from "./engine.server";

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

/** Sanitised HTML → plain text: blocks become paragraphs, a soft line break stays a line break. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(br|hr)\s*\/?>/gi, "\n\n")
    .replace(/<\/(p|h[1-6]|li|tr|blockquote|pre|div|dt|dd|table|thead|tbody|caption|ul|ol|dl)>/gi, "\n\n")
    .replace(/<\/(td|th)>/gi, " \t ")
    .replace(/<[^>]*>/g, "")
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, code: string) => {
      if (code[0] === "#") {
        const n = code[1] === "x" || code[1] === "X" ? parseInt(code.slice(2), 16) : parseInt(code.slice(1), 10);
        return Number.isFinite(n) && n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : m;
      }
      return ENTITIES[code.toLowerCase()] ?? m;
    })
    .replace(/[ \t]+\n/g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** The index entry for a version record (its current metadata and plain body text). */
export async function searchDocFromRecord(record: VersionRecord): Promise<SearchDoc> {
  const rendered = await renderVersion(record);
  return {
    number: record.number,
    title: record.meta.title,
    category: record.meta.category,
    type: record.meta.type,
    ownerDepartment: record.meta.ownerDepartment,
    audienceDepartments: record.meta.audienceDepartments,
    confidentiality: record.meta.confidentiality,
    version: record.version,
    effectiveDate: record.meta.effectiveDate ?? null,
    retired: record.meta.retired,
    text: htmlToText(rendered.html),
    blob: record.blob,
  };
}

export interface SyncReport {
  mode: "loaded" | "caught-up" | "rebuilt";
  documents: number;
  changed: number;
  removed: number;
  head: string | null;
  ms: number;
}

/**
 * Brings the engine level with the repository head the version index
 * describes: a saved index at that head is used as is; one at another head
 * has the documents whose current version differs re-indexed; a missing or
 * unreadable one (or `full`) is rebuilt from every current version.
 */
export async function syncIndex(
  engine: SearchEngine,
  options: { full?: boolean; onProgress?: (done: number, total: number) => void; loaded?: boolean } = {},
): Promise<SyncReport> {
  return withLock("search-index", async () => {
    const started = Date.now();
    const head = indexedHead();
    const latest = allLatest();
    // `loaded`: the engine already holds its index in this process; compare with what it has.
    const state = options.full ? null : options.loaded ? { head: engine.indexedHead() } : await engine.open();
    if (!state) {
      const docs: SearchDoc[] = [];
      for (const record of latest) docs.push(await searchDocFromRecord(record));
      await engine.rebuild(docs, options.onProgress);
      await engine.setHead(head);
      await engine.flush();
      return { mode: "rebuilt", documents: docs.length, changed: docs.length, removed: 0, head, ms: Date.now() - started };
    }
    if (state.head === head) {
      return { mode: "loaded", documents: latest.length, changed: 0, removed: 0, head, ms: Date.now() - started };
    }
    const indexed = await engine.indexedBlobs();
    let changed = 0;
    let removed = 0;
    const current = new Set<string>();
    for (const record of latest) {
      current.add(record.number);
      if (indexed.get(record.number) === record.blob) continue;
      await engine.indexDocument(await searchDocFromRecord(record));
      changed++;
    }
    for (const number of indexed.keys()) {
      if (!current.has(number)) {
        await engine.removeDocument(number);
        removed++;
      }
    }
    await engine.setHead(head);
    await engine.flush();
    return { mode: "caught-up", documents: latest.length, changed, removed, head, ms: Date.now() - started };
  });
}

/**
 * Replaces the index entry when a version becomes current (old wording stops
 * matching at once). If indexing fails (Meilisearch briefly down), the index
 * is marked as behind so the catch-up job or the next start repairs it.
 */
export function subscribeToPublications(getEngine: () => SearchEngine) {
  on("document.published", "search", async ({ record }) => {
    let engine: SearchEngine;
    try {
      engine = getEngine();
    } catch {
      return; // search has not started yet: its start-up step catches up with this version
    }
    const doc = await searchDocFromRecord(record);
    await withLock("search-index", async () => {
      try {
        await engine.indexDocument(doc);
        await engine.setHead(record.commit);
      } catch (error) {
        await engine.setHead(null).catch(() => undefined);
        throw error;
      }
    });
  });
}

/** Brings the index level with the repository if it fell behind (a scheduled catch-up). */
export async function catchUpIfBehind(engine: SearchEngine): Promise<SyncReport | null> {
  if (engine.indexedHead() === indexedHead()) return null;
  return syncIndex(engine, { loaded: true });
}
