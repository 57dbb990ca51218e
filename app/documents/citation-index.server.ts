/**
 * The citation index (decision 089): which current documents cite which
 * numbers. Built at start from the current versions (reusing the saved
 * entries whose version has not changed, in `$DATA_DIR/citations.json`) and
 * kept level on every publication, so that "referenced by", the proposal
 * page, owner notifications and the broken-references list never scan the
 * texts of all documents per request. Retired documents cite nothing.
 */
import fs from "node:fs";
import path from "node:path";
import { citationsInHtml, mayCiteNumbers, type Citation } from "./citations.server";
import { getConfig } from "./config.server";
import { parseDocument } from "./front-matter";
import { renderMarkdown } from "./render.server";
import { readBlobText } from "./repo.server";
import { allLatest, latestVersion, type VersionRecord } from "./version-index.server";
import { getEnv } from "~/utils/env.server";
import { on } from "./events.server";

interface Entry {
  blob: string;
  cites: Citation[];
}

interface SavedIndex {
  format: 1;
  /** The numbering the entries were read with: another pattern or set of codes reads texts differently. */
  numbering: string;
  entries: Record<string, Entry>;
}

/** A citation that leads nowhere useful: to a retired document, or to a number (or version) that does not exist. */
export interface BrokenReference {
  /** The citing document (absent when checking a text that is not published yet). */
  from?: string;
  number: string;
  version?: number;
  problem: "retired" | "unknown" | "unknown-version";
}

const entries = new Map<string, Entry>();
const citedBy = new Map<string, Set<string>>();
let ready: Promise<void> | null = null;
let saveTimer: NodeJS.Timeout | null = null;

function indexFile() {
  return path.join(getEnv().dataDir, "citations.json");
}

function numberingKey(): string {
  const config = getConfig();
  return `${config.numberPattern}|${config.categories.map((c) => c.code).join(",")}`;
}

/** The numbers a text cites, read from its rendered HTML (the same links a reader sees). */
export function citationsInText(body: string): Citation[] {
  if (!mayCiteNumbers(body) && !body.includes("/docs/")) return [];
  return citationsInHtml(renderMarkdown(body).html);
}

async function citationsOfRecord(record: VersionRecord): Promise<Citation[]> {
  const { body } = parseDocument(await readBlobText(record.blob));
  return citationsInText(body).filter((c) => c.number !== record.number);
}

function setEntry(number: string, entry: Entry | undefined) {
  const old = entries.get(number);
  for (const c of old?.cites ?? []) citedBy.get(c.number)?.delete(number);
  if (!entry) {
    entries.delete(number);
    return;
  }
  entries.set(number, entry);
  for (const c of entry.cites) {
    const set = citedBy.get(c.number) ?? new Set<string>();
    set.add(number);
    citedBy.set(c.number, set);
  }
}

function readSaved(): SavedIndex | null {
  try {
    const saved = JSON.parse(fs.readFileSync(indexFile(), "utf8")) as SavedIndex;
    return saved.format === 1 && saved.numbering === numberingKey() && saved.entries && typeof saved.entries === "object" ? saved : null;
  } catch {
    return null;
  }
}

function save() {
  const file = indexFile();
  const data: SavedIndex = { format: 1, numbering: numberingKey(), entries: Object.fromEntries(entries) };
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, JSON.stringify(data));
    fs.renameSync(tmp, file);
  } catch (error) {
    // The index is derived: a file that cannot be written is rebuilt at the next start.
    console.warn(`[citations] could not save ${file}: ${(error as Error).message}`);
  }
}

function saveSoon() {
  if (saveTimer) return;
  saveTimer = setTimeout(() => {
    saveTimer = null;
    save();
  }, 500);
  saveTimer.unref();
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

async function build(): Promise<void> {
  const started = Date.now();
  const saved = readSaved();
  let computed = 0;
  let reused = 0;
  entries.clear();
  citedBy.clear();
  for (const record of allLatest()) {
    if (record.meta.retired) continue;
    const old = saved?.entries[record.number];
    if (old && old.blob === record.blob && Array.isArray(old.cites)) {
      setEntry(record.number, old);
      reused++;
      continue;
    }
    try {
      setEntry(record.number, { blob: record.blob, cites: await citationsOfRecord(record) });
    } catch (error) {
      console.warn(`[citations] could not read ${record.number} v${record.version}: ${(error as Error).message}`);
    }
    if (++computed % 25 === 0) await yieldToEventLoop();
  }
  const dropped = saved ? Object.keys(saved.entries).filter((n) => !entries.has(n)).length : 0;
  if (!saved || computed || dropped) save();
  console.log(`[citations] index of ${entries.size} documents (${computed} read, ${reused} unchanged) in ${Date.now() - started} ms`);
}

/** Brings the index up to date with a newly published version (a retirement removes what the document cited). */
async function onPublished(record: VersionRecord): Promise<void> {
  await whenCitationsReady();
  const latest = latestVersion(record.number) ?? record;
  if (latest.meta.retired) setEntry(latest.number, undefined);
  else setEntry(latest.number, { blob: latest.blob, cites: await citationsOfRecord(latest) });
  saveSoon();
}

/**
 * Builds the index in the background from the current versions and keeps it
 * level with every publication (start-up calls this once).
 */
export function startCitationIndex(): Promise<void> {
  on("document.published", "citations", ({ record }) => onPublished(record));
  on("document.arrived", "citations", ({ record }) => onPublished(record));
  ready ??= build().catch((error) => console.error(`[citations] could not build the index: ${(error as Error).message}`));
  return ready;
}

/** Resolves once the index has been built (at once when it was never started, e.g. in scripts). */
export function whenCitationsReady(): Promise<void> {
  return ready ?? Promise.resolve();
}

/** Current documents that cite `number` (any version of it), sorted by number. */
export function citingDocuments(number: string): string[] {
  return [...(citedBy.get(number) ?? [])].sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
}

/** What a current document cites. */
export function citationsFrom(number: string): Citation[] {
  return entries.get(number)?.cites ?? [];
}

/** Why a citation is broken, or null when it leads to a current document (and, when pinned, an existing version). */
export function citationProblem(c: Citation): BrokenReference["problem"] | null {
  const target = latestVersion(c.number);
  if (!target) return "unknown";
  if (target.meta.retired) return "retired";
  if (c.version !== undefined && (c.version < 1 || c.version > target.version)) return "unknown-version";
  return null;
}

/** Citations of retired or unknown numbers in current documents, by citing document. */
export function brokenReferences(): BrokenReference[] {
  const out: BrokenReference[] = [];
  for (const [from, entry] of entries) {
    for (const c of entry.cites) {
      const problem = citationProblem(c);
      if (problem) out.push({ from, number: c.number, ...(c.version ? { version: c.version } : {}), problem });
    }
  }
  return out.sort((a, b) => a.from!.localeCompare(b.from!, "en", { numeric: true }) || a.number.localeCompare(b.number, "en", { numeric: true }));
}

/** The broken citations of a text being written (the editor's preview), without reading the index. */
export function brokenReferencesIn(body: string, self?: string): BrokenReference[] {
  const out: BrokenReference[] = [];
  for (const c of citationsInText(body)) {
    if (c.number === self) continue;
    const problem = citationProblem(c);
    if (problem) out.push({ number: c.number, ...(c.version ? { version: c.version } : {}), problem });
  }
  return out;
}
