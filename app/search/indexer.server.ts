/**
 * Keeps the search index level with the repository: builds index entries from
 * current versions, brings a saved index up to date at start (or rebuilds it),
 * and replaces a document's entry whenever a version is published — a
 * revision, a retirement or a scheduled version on its effective date.
 */
import { attachmentTexts } from "~/attachments/text/index-text.server";
import { readVersionContent } from "~/documents/documents.server";
import { allLatest, indexedHead, latestVersion, type VersionRecord } from "~/documents/version-index.server";
import { on } from "~/documents/events.server";
import { withLock } from "~/utils/lock.server";
import { setCatchUpProgress } from "./choice.server";
import type { SearchDoc, SearchEngine } from "./engine.server";
import { markdownTextSlices } from "./markdown-text";
import { htmlToText } from "./plain-text";

export { htmlToText };

/**
 * The index entry for a version record (its current metadata and plain body
 * text, read from the markdown a slice at a time with a turn of the event loop
 * between slices).
 */
export async function searchDocFromRecord(record: VersionRecord): Promise<SearchDoc> {
  const { body } = await readVersionContent(record);
  const reading = markdownTextSlices(body);
  let step = reading.next();
  while (!step.done) {
    await yieldToEventLoop();
    step = reading.next();
  }
  const { text, headings } = step.value;
  const attachments = await attachmentTexts(record.number, record.version);
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
    text,
    headings,
    blob: record.blob,
    ...(attachments.length ? { attachments } : {}),
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

/** Lets other work (pages, /healthz) run between documents of a long catch-up. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Brings the engine level with the repository head the version index
 * describes: a saved index at that head is used as is; one at another head
 * has the documents whose current version differs re-indexed; a missing or
 * unreadable one (or `full`) is rebuilt from every current version.
 *
 * Once the saved index is loaded (or an empty one is being filled) searches
 * can answer: `onUsable` is called then, and the documents are indexed one at
 * a time, yielding to the event loop between them, with the progress in
 * `catchUpProgress()` so that search pages can say the index is catching up.
 */
export async function syncIndex(
  engine: SearchEngine,
  options: { full?: boolean; onProgress?: (done: number, total: number) => void; loaded?: boolean; onUsable?: () => void } = {},
): Promise<SyncReport> {
  return withLock("search-index", async () => {
    const started = Date.now();
    const head = indexedHead();
    const latest = allLatest();
    const progress = (done: number, total: number) => {
      setCatchUpProgress({ done, total });
      options.onProgress?.(done, total);
    };
    try {
      // `loaded`: the engine already holds its index in this process; compare with what it has.
      const state = options.full ? null : options.loaded ? { head: engine.indexedHead() } : await engine.open();
      if (!state) {
        if (engine.reset) {
          // Filled document by document: searches answer from what is indexed so far.
          await engine.reset();
          options.onUsable?.();
          progress(0, latest.length);
          for (let i = 0; i < latest.length; i++) {
            await engine.indexDocument(await searchDocFromRecord(latest[i]));
            progress(i + 1, latest.length);
            await yieldToEventLoop();
          }
        } else {
          const docs: SearchDoc[] = [];
          for (const record of latest) docs.push(await searchDocFromRecord(record));
          await engine.rebuild(docs, progress);
          options.onUsable?.();
        }
        await engine.setHead(head);
        await engine.flush();
        return { mode: "rebuilt", documents: latest.length, changed: latest.length, removed: 0, head, ms: Date.now() - started };
      }
      options.onUsable?.();
      if (state.head === head) {
        return { mode: "loaded", documents: latest.length, changed: 0, removed: 0, head, ms: Date.now() - started };
      }
      const indexed = await engine.indexedBlobs();
      const current = new Set(latest.map((r) => r.number));
      const stale = latest.filter((r) => indexed.get(r.number) !== r.blob);
      const gone = [...indexed.keys()].filter((n) => !current.has(n));
      const total = stale.length + gone.length;
      progress(0, total);
      let done = 0;
      for (const record of stale) {
        await engine.indexDocument(await searchDocFromRecord(record));
        progress(++done, total);
        await yieldToEventLoop();
      }
      for (const number of gone) {
        await engine.removeDocument(number);
        progress(++done, total);
      }
      await engine.setHead(head);
      await engine.flush();
      return { mode: "caught-up", documents: latest.length, changed: stale.length, removed: gone.length, head, ms: Date.now() - started };
    } finally {
      setCatchUpProgress(null);
      options.onUsable?.();
    }
  });
}

/**
 * Replaces the index entry when a version becomes current (old wording stops
 * matching at once). If indexing fails (Meilisearch briefly down), the index
 * is marked as behind so the catch-up job or the next start repairs it.
 */
export function subscribeToPublications(getEngine: () => SearchEngine) {
  const index = async ({ record }: { record: VersionRecord }) => {
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
  };
  on("document.published", "search", index);
  // Versions other instances published, fetched from the shared remote (decision 111).
  on("document.arrived", "search", index);
}

/**
 * Re-indexes a document when the text of one of its attachments has been
 * extracted (after publication, in the background), if it is still current.
 */
export function subscribeToAttachmentText(getEngine: () => SearchEngine) {
  on("attachment.text-ready", "search", async ({ number }) => {
    let engine: SearchEngine;
    try {
      engine = getEngine();
    } catch {
      return; // search has not started: its start-up step indexes the text with the document
    }
    const record = latestVersion(number);
    if (!record) return;
    const doc = await searchDocFromRecord(record);
    await withLock("search-index", async () => {
      await engine.indexDocument(doc);
      // Same head, new content: recording it again saves the index (the embedded engine's file).
      await engine.setHead(engine.indexedHead());
    });
  });
}

/** Brings the index level with the repository if it fell behind (a scheduled catch-up). */
export async function catchUpIfBehind(engine: SearchEngine): Promise<SyncReport | null> {
  if (engine.indexedHead() === indexedHead()) return null;
  return syncIndex(engine, { loaded: true });
}
