/**
 * The embedded engine: an inverted index in this process (postings.ts), with
 * our own tokenizer (words + Chinese character pairs), saved to
 * $DATA_DIR/search/embedded.json together with the repository head it reflects.
 *
 * A query is scored twice in one pass: over number, title and body, used for
 * documents the reader may read, and over number and title alone, used for
 * the rest, so body words of a document never match for someone who may not
 * read it.
 */
import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { decideRead } from "~/access/policy.server";
import {
  countFacets,
  emptyFacets,
  pageBounds,
  type EngineHealth,
  type FacetName,
  type SearchDoc,
  type SearchEngine,
  type SearchHit,
  type SearchOptions,
  type SearchResult,
} from "./engine.server";
import { foldParts, locateSnippet, type FoldedText } from "./attachment-hits";
import { structuralHeadings } from "./plain-text";
import { PostingsIndex, type PostingsQuery, type SavedPostings } from "./postings";
import { parseIndexFile, writeIndexFile } from "./index-file";
import { highlightHtml, needlesFor } from "./snippet";
import {
  bitCount,
  fold,
  FOLD_MARK_STEP,
  foldSparse,
  hasCjk,
  SparseFolder,
  minimumGroups,
  parseQuery,
  synonymMap,
  TOKENIZER_VERSION,
  type ParsedQuery,
  type SynonymMap,
} from "./tokenize";

/** 3: a headings field (a file of format 1 or 2 is rebuilt). */
const FILE_FORMAT = 3;
/** Field boosts, in the index's field order: number, title, headings, body. */
const BOOSTS = [6, 3, 2, 1];
/** The best candidates whose score is adjusted for how close the parts of the query stand. */
const PROXIMITY_RERANK = 20;
/** Exact texts whose answers per document are kept (a byte per document each). */
const EXACT_TEXTS_KEPT = 256;
/** Documents whose body is checked for a query's exact text at once; beyond this many, a sample is and the total is estimated. */
const EXACT_CHECKS = 400;
/** How many of them are checked when the total is estimated. */
const EXACT_SAMPLE = 160;
/** Occurrences of one part looked at when measuring proximity. */
const PROXIMITY_OCCURRENCES = 64;

/** The number as indexed: "EXE-003" also as "exe003" so either form matches. */
function numberField(number: string): string {
  return `${number} ${number.replace(/[^A-Za-z0-9]/g, "")}`;
}

interface FoldedDoc {
  title: string;
  text: string;
  /** Offsets in the original text of every FOLD_MARK_STEP-th folded unit (for snippets of long documents). */
  marks: Int32Array;
  /** The attachment parts, folded the same way. */
  parts: FoldedText[];
}

function foldDoc(doc: SearchDoc): FoldedDoc {
  const body = foldSparse(doc.text);
  return { title: fold(`${doc.number} ${doc.title}`), text: body.text, marks: body.marks, parts: foldParts(doc.attachments) };
}

/** Characters of body text folded and counted between two turns of the event loop (a few milliseconds of work). */
export const INDEX_SLICE_CHARS = 16_384;

/**
 * Counts a document's terms into `index` (number, title, headings — markdown,
 * chapter and article headings — and body with its attachment text), a slice
 * of the body at a time: the generator pauses between slices, so a caller can
 * let other work run. Returns the folded document for the cache.
 */
function* countDocument(index: PostingsIndex, doc: SearchDoc): Generator<void, FoldedDoc> {
  index.countFolded(0, fold(numberField(doc.number)));
  index.countFolded(1, fold(doc.title));
  const headings: string[] = doc.headings ? [doc.headings] : [];
  const folder = new SparseFolder(doc.text);
  let from = 0;
  while (!folder.done) {
    const folded = folder.fold(INDEX_SLICE_CHARS);
    // Slices end at paragraph breaks, so chapter and article lines are whole in one of them.
    const lines = structuralHeadings(doc.text.slice(from, (from = folder.position)));
    if (lines) headings.push(lines);
    index.countFolded(3, folded);
    if (!folder.done) yield;
  }
  const parts = foldParts(doc.attachments);
  // Attachment text counts as body text (the same field, read under the same rule).
  for (const part of parts) index.countFolded(3, part.text);
  index.countFolded(2, fold(headings.join("\n")));
  const body = folder.finish();
  return { title: fold(`${doc.number} ${doc.title}`), text: body.text, marks: body.marks, parts };
}

interface Candidate {
  doc: SearchDoc;
  slot: number;
  score: number;
  readable: boolean;
  /** Parts of the query matched (bit per part). */
  groups: number;
  covered: number;
}

const FACETS: readonly FacetName[] = ["category", "type", "department", "confidentiality"];

/**
 * What a search needs of every slot, by slot: the document, its folded title
 * and its facet values as small codes, so the pass over thousands of
 * candidates reads arrays instead of looking documents up by number and
 * counting facets in objects. Filled as documents are indexed; rebuilt when
 * the slots are renumbered.
 */
class SlotTable {
  docs: (SearchDoc | undefined)[] = [];
  titles: string[] = [];
  /** Per facet, the code of each slot's value. */
  codes: Int32Array[] = FACETS.map(() => new Int32Array(0));
  /** Per facet, value → code and code → value. */
  private codeOf = FACETS.map(() => new Map<string, number>());
  values: string[][] = FACETS.map(() => []);
  private index: PostingsIndex | null = null;
  private layout = -1;

  /** Brings the table level with the index (new slots, or everything after a renumbering). */
  update(index: PostingsIndex, docs: ReadonlyMap<string, SearchDoc>) {
    if (this.index !== index || this.layout !== index.layout) {
      this.index = index;
      this.layout = index.layout;
      this.docs = [];
      this.titles = [];
    }
    const size = index.slotCount;
    if (this.codes[0].length < size) this.codes = this.codes.map((old) => {
      const grown = new Int32Array(Math.max(1024, size * 2));
      grown.set(old);
      return grown;
    });
    for (let slot = this.docs.length; slot < size; slot++) {
      const id = index.idAt(slot);
      const doc = id === null ? undefined : docs.get(id);
      this.docs.push(doc);
      this.titles.push(doc ? fold(`${doc.number} ${doc.title}`) : "");
      if (doc) FACETS.forEach((facet, f) => (this.codes[f][slot] = this.code(f, facetValue(doc, facet))));
    }
  }

  /** The code of a facet value (-1 for a value no document has). */
  find(f: number, value: string): number {
    return this.codeOf[f].get(value) ?? -1;
  }

  private code(f: number, value: string): number {
    let code = this.codeOf[f].get(value);
    if (code === undefined) {
      code = this.values[f].length;
      this.values[f].push(value);
      this.codeOf[f].set(value, code);
    }
    return code;
  }
}

function facetValue(doc: SearchDoc, facet: FacetName): string {
  return facet === "department" ? doc.ownerDepartment : doc[facet];
}

/** The least time between the starts of two saves of the index file (ms). */
const SAVE_SPACING_MS = 30_000;

interface SavedFile {
  format: number;
  tokenizer: number;
  head: string | null;
  savedAt: string;
  docs: SearchDoc[];
  index: SavedPostings;
}

export class EmbeddedEngine implements SearchEngine {
  readonly name = "embedded" as const;
  private index = new PostingsIndex();
  private docs = new Map<string, SearchDoc>();
  /** Folded title and text per document, for phrase checks (filled when indexed, or on first use after loading). */
  private foldedCache = new Map<string, FoldedDoc>();
  /** The documents, folded titles and facet codes by slot. */
  private table = new SlotTable();
  private synonyms: SynonymMap = new Map();
  /** Changes whenever what a search can answer changes (a document, the synonyms, the whole index). */
  private changes = 0;
  private head: string | null = null;
  private nonInternal = 0;
  private saveTimer: NodeJS.Timeout | null = null;
  private saving: Promise<void> | null = null;
  private lastSaveStarted = 0;
  private lastSaveError: string | null = null;
  private file: string | null;
  /** Per exact text asked for lately: per slot, 0 not yet known, 1 the body holds it, 2 it does not. */
  private exactKnown = new Map<string, Uint8Array>();
  private exactLayout: PostingsIndex | null = null;
  private exactLayoutVersion = -1;
  /** The document being indexed (one at a time). */
  private indexing: Promise<unknown> = Promise.resolve();
  /** Lets other work run between two slices of a document. */
  private pause: () => Promise<void>;

  /** Documents checked for exact text at once before a sample is checked and the total estimated. */
  private exactChecks: number;

  constructor(options: { file?: string | null; pause?: () => Promise<void>; exactChecks?: number } = {}) {
    this.file = options.file ?? null;
    this.exactChecks = options.exactChecks ?? EXACT_CHECKS;
    this.pause = options.pause ?? (() => new Promise((resolve) => setImmediate(resolve)));
  }

  async open(): Promise<{ head: string | null } | null> {
    if (!this.file) return null;
    let bytes: Buffer;
    try {
      bytes = await fsp.readFile(this.file);
    } catch {
      return null; // no saved index yet
    }
    try {
      const saved = await parseIndexFile<SearchDoc, SavedPostings>(bytes, this.pause);
      if (saved.format !== FILE_FORMAT || saved.tokenizer !== TOKENIZER_VERSION || !Array.isArray(saved.docs) || !saved.index) {
        console.log("[search] the saved index was written by another version; rebuilding it");
        return null;
      }
      const index = await PostingsIndex.fromSaved(saved.index, this.pause);
      if (index.size !== saved.docs.length || saved.docs.some((d) => !index.has(d.number))) throw new Error("the documents do not match the index");
      this.index = index;
      this.docs = new Map(saved.docs.map((d) => [d.number, d]));
      this.foldedCache.clear();
      this.nonInternal = saved.docs.filter((d) => d.confidentiality !== "internal").length;
      this.head = saved.head;
      this.changes++;
      // A file in the older one-line layout held the event loop while it was read whole: written
      // again now, the next start reads it a slice at a time.
      if (saved.readWhole) this.scheduleSave();
      return { head: saved.head };
    } catch (error) {
      console.log(`[search] the saved index ${this.file} cannot be read (${(error as Error).message}); rebuilding it`);
      return null;
    }
  }

  /**
   * Indexes a document, a slice of its text per turn of the event loop (pages
   * and /healthz are answered between slices; searches answer from the index
   * as it was until the document is complete). Documents are indexed one at a
   * time, in the order given.
   */
  indexDocument(doc: SearchDoc): Promise<void> {
    const run = this.indexing.then(() => this.indexInSlices(doc));
    this.indexing = run.catch(() => undefined);
    return run;
  }

  private async indexInSlices(doc: SearchDoc): Promise<void> {
    const index = this.index;
    index.beginDocument(doc.number);
    let folded: FoldedDoc;
    try {
      const counting = countDocument(index, doc);
      for (;;) {
        const step = counting.next();
        if (step.done) {
          folded = step.value;
          break;
        }
        await this.pause();
      }
    } catch (error) {
      index.abandonDocument();
      throw error;
    }
    if (index !== this.index) {
      // The index was reset meanwhile: count the document again into the new one.
      index.abandonDocument();
      return this.indexInSlices(doc);
    }
    index.commitDocument();
    this.store(doc, folded);
  }

  /** Records an indexed document (its metadata and folded text). */
  private store(doc: SearchDoc, folded: FoldedDoc) {
    const previous = this.docs.get(doc.number);
    if (previous && previous.confidentiality !== "internal") this.nonInternal--;
    if (doc.confidentiality !== "internal") this.nonInternal++;
    this.docs.set(doc.number, doc);
    this.foldedCache.set(doc.number, folded);
    this.changes++;
  }

  generation(): number {
    return this.changes;
  }

  async reset(): Promise<void> {
    this.index = new PostingsIndex();
    this.docs = new Map();
    this.foldedCache = new Map();
    this.nonInternal = 0;
    this.changes++;
  }

  async setSynonyms(groups: string[][]): Promise<void> {
    this.synonyms = synonymMap(groups);
    this.changes++;
  }

  async removeDocument(number: string): Promise<void> {
    const previous = this.docs.get(number);
    if (!previous) return;
    this.index.remove(number);
    if (previous.confidentiality !== "internal") this.nonInternal--;
    this.docs.delete(number);
    this.foldedCache.delete(number);
    this.changes++;
  }

  async rebuild(docs: SearchDoc[], onProgress?: (done: number, total: number) => void): Promise<void> {
    const index = new PostingsIndex();
    const map = new Map<string, SearchDoc>();
    const folded = new Map<string, FoldedDoc>();
    const total = docs.length;
    const step = Math.max(1, Math.floor(total / 100));
    let slice = performance.now();
    for (let i = 0; i < total; i++) {
      const doc = docs[i];
      index.beginDocument(doc.number);
      const counting = countDocument(index, doc);
      let counted = counting.next();
      while (!counted.done) counted = counting.next();
      const f = counted.value;
      index.commitDocument();
      map.set(doc.number, doc);
      folded.set(doc.number, f);
      if (onProgress && ((i + 1) % step === 0 || i + 1 === total)) onProgress(i + 1, total);
      // Let the event loop breathe on large rebuilds (a slice of at most ~20 ms of work).
      if (performance.now() - slice > 20) {
        await new Promise((r) => setImmediate(r));
        slice = performance.now();
      }
    }
    if (total === 0) onProgress?.(0, 0);
    index.compact();
    this.index = index;
    this.docs = map;
    this.foldedCache = folded;
    this.changes++;
    this.nonInternal = [...map.values()].filter((d) => d.confidentiality !== "internal").length;
  }

  async indexedBlobs(): Promise<Map<string, string>> {
    return new Map([...this.docs.values()].map((d) => [d.number, d.blob]));
  }

  async setHead(head: string | null): Promise<void> {
    this.head = head;
    this.scheduleSave();
  }

  indexedHead(): string | null {
    return this.head;
  }

  get documentCount(): number {
    return this.docs.size;
  }

  async health(): Promise<EngineHealth> {
    return {
      ok: this.lastSaveError === null,
      engine: "embedded",
      documents: this.docs.size,
      head: this.head,
      ...(this.lastSaveError ? { error: `could not save the index: ${this.lastSaveError}` } : {}),
    };
  }

  // ---- persistence -------------------------------------------------------------

  /**
   * Saves 300 ms after the last change, but not sooner than SAVE_SPACING_MS after the previous save
   * began: writing the whole file (a slice at a time) takes a moment, and changes that keep coming
   * would otherwise keep a save running all the time. What is not saved yet is caught up from the
   * repository at the next start, and the file is written when the portal stops.
   */
  private scheduleSave() {
    if (!this.file) return;
    if (this.saveTimer) clearTimeout(this.saveTimer);
    const wait = Math.max(300, this.lastSaveStarted + SAVE_SPACING_MS - Date.now());
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      void this.save();
    }, wait);
    this.saveTimer.unref?.();
  }

  async flush(): Promise<void> {
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = null;
      await this.save();
    } else if (this.saving) await this.saving;
  }

  private async save(): Promise<void> {
    if (!this.file) return;
    // One save at a time: a save asked for while one is being written starts after it (both write the same temporary file).
    while (this.saving) await this.saving;
    this.lastSaveStarted = Date.now();
    const file = this.file;
    const data: SavedFile = {
      format: FILE_FORMAT,
      tokenizer: TOKENIZER_VERSION,
      head: this.head,
      savedAt: new Date().toISOString(),
      docs: [...this.docs.values()],
      index: this.index.toJSON(),
    };
    this.saving = (async () => {
      try {
        await fsp.mkdir(path.dirname(file), { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        // A slice at a time (decision 131): a save after every change no longer stops the portal for the whole file.
        await writeIndexFile(tmp, data, this.pause);
        await fsp.rename(tmp, file);
        this.lastSaveError = null;
      } catch (error) {
        this.lastSaveError = (error as Error).message;
        console.warn(`[search] could not save the index to ${file}: ${this.lastSaveError}`);
      }
    })();
    try {
      await this.saving;
    } finally {
      this.saving = null;
    }
  }

  /** Size of the saved file in bytes (0 when not saved). */
  fileSize(): number {
    try {
      return this.file ? fs.statSync(this.file).size : 0;
    } catch {
      return 0;
    }
  }

  // ---- searching ---------------------------------------------------------------

  private folded(doc: SearchDoc) {
    let hit = this.foldedCache.get(doc.number);
    if (!hit) {
      hit = foldDoc(doc);
      this.foldedCache.set(doc.number, hit);
    }
    return hit;
  }

  /**
   * Searches in four steps, each touching only what it must:
   * 1. the postings give every candidate's scores and the alternatives it matches;
   * 2. one pass over the candidates applies the read rule (body matches only
   *    where the reader may read), the title check of exact texts and the
   *    answers already known about bodies, giving each candidate the parts it
   *    surely matches and those still to check in its body;
   * 3. the page is taken from a heap in rank order: a candidate whose body
   *    still has to be checked is checked when it reaches the top and goes
   *    back in at its true place, so only the documents shown (and those
   *    passed over) are read;
   * 4. hits and snippets are made for the page only.
   * Documents that qualify only if their body holds an exact text are all
   * checked when there are few of them (EXACT_CHECKS); otherwise a sample of
   * them is, and the total and facets count the rest at the sample's rate
   * (`estimated`).
   */
  async search(query: string, options: SearchOptions): Promise<SearchResult> {
    const parsed = parseQuery(query, this.synonyms);
    const { page, pageSize, from, to } = pageBounds(options);
    if (!parsed.groups.length) return { total: 0, page, pageSize, hits: [], facets: countFacets([]) };
    const filters = options.filters ?? {};
    const reader = options.reader;
    // Documents the reader may not read can match on number and title only (admins may read all).
    const titleOnly = this.nonInternal > 0 && !reader.roles.includes("admin");
    const alternatives = parsed.groups.flatMap((g, group) => g.alternatives.map((a) => ({ group, terms: a.terms, exact: a.exact })));
    const found = this.index.searchAlternatives(alternatives, BOOSTS);
    const groupOf = alternatives.map((a) => 1 << a.group);
    let needsExact = 0;
    let plain = 0;
    alternatives.forEach((a, bit) => {
      if (a.exact !== null) needsExact |= 1 << bit;
      else plain |= 1 << bit;
    });
    // What is known about each exact text's presence in each body (0 unknown, 1 holds, 2 does not).
    const known = alternatives.map((a) => (a.exact !== null ? this.exactAnswers(a.exact) : null));
    const need = minimumGroups(parsed.groups.length);
    const table = this.table;
    table.update(this.index, this.docs);
    const filterCodes = FACETS.map((facet, f) => {
      const value = facet === "department" ? filters.department : filters[facet];
      return value ? table.find(f, value) : null;
    });
    const facetCounts = FACETS.map((_facet, f) => new Int32Array(table.values[f].length));
    const tally = (slot: number, counts: Int32Array[]) => {
      for (let f = 0; f < FACETS.length; f++) counts[f][table.codes[f][slot]]++;
    };

    // 2. Candidates: parts surely matched (`sure`), alternatives still to check in the body (`pending`).
    const n = found.count;
    const docs: SearchDoc[] = new Array(n);
    const sure = new Int32Array(n);
    const pending = new Int32Array(n);
    const covered = new Int32Array(n);
    const readableOf = new Uint8Array(n);
    const passes = new Uint8Array(n);
    /** Candidates that qualify only if a body check says so, not checked yet. */
    const uncertain: number[] = [];
    let m = 0; // candidates kept, compacted to the front of the arrays (index i → m)
    const keep = new Int32Array(n);
    const slots = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const slot = found.slots[i];
      const doc = table.docs[slot];
      if (!doc || (doc.retired && !filters.includeRetired)) continue;
      const readable = titleOnly ? decideRead(reader, doc).allowed : true;
      const altMask = readable ? found.fullMask[i] : titleOnly ? found.limitedMask[i] : 0;
      if (!altMask) continue;
      let groups = 0;
      let open = 0;
      for (let rest = altMask & plain; rest; rest &= rest - 1) groups |= groupOf[31 - Math.clz32(rest & -rest)];
      for (let rest = altMask & needsExact; rest; rest &= rest - 1) {
        const bit = 31 - Math.clz32(rest & -rest);
        if (groups & groupOf[bit]) continue;
        if (table.titles[slot].includes(alternatives[bit].exact!)) groups |= groupOf[bit];
        else if (readable) {
          const answer = known[bit]![slot];
          if (answer === 1) groups |= groupOf[bit];
          else if (answer === 0) open |= 1 << bit;
        }
      }
      let openGroups = 0;
      for (let rest = open; rest; rest &= rest - 1) openGroups |= groupOf[31 - Math.clz32(rest & -rest)];
      openGroups &= ~groups;
      const lower = bitCount(groups);
      const upper = lower + bitCount(openGroups);
      if (upper < need) continue;
      docs[m] = doc;
      keep[m] = i;
      slots[m] = slot;
      sure[m] = groups;
      pending[m] = openGroups ? open : 0;
      covered[m] = upper;
      readableOf[m] = readable ? 1 : 0;
      let pass = 1;
      for (let f = 0; f < FACETS.length; f++) if (filterCodes[f] !== null && table.codes[f][slot] !== filterCodes[f]) pass = 0;
      passes[m] = pass;
      if (lower >= need) tally(slot, facetCounts);
      else uncertain.push(m);
      m++;
    }
    const check = (c: number) => {
      const slot = slots[c];
      let groups = sure[c];
      for (let rest = pending[c]; rest; rest &= rest - 1) {
        const bit = 31 - Math.clz32(rest & -rest);
        if (groups & groupOf[bit]) continue;
        if (this.bodyHolds(alternatives[bit].exact!, known[bit]!, slot, docs[c])) groups |= groupOf[bit];
      }
      sure[c] = groups;
      pending[c] = 0;
      covered[c] = bitCount(groups);
    };
    /** Checks a candidate's body; one that qualified only through that check is counted in the facets. */
    const settle = (c: number) => {
      if (!pending[c]) return;
      const wasUncertain = bitCount(sure[c]) < need;
      check(c);
      if (wasUncertain && covered[c] >= need) tally(slots[c], facetCounts);
    };
    // Few uncertain candidates: check them all (exact totals); many: check a sample.
    let sampled = 0;
    let sampledIn = 0;
    if (uncertain.length <= this.exactChecks) for (const c of uncertain) settle(c);
    else {
      const step = uncertain.length / EXACT_SAMPLE;
      for (let next = 0; next < uncertain.length; next += step) {
        const c = uncertain[Math.floor(next)];
        settle(c);
        sampled++;
        if (covered[c] >= need) sampledIn++;
      }
    }

    // 3. The page in rank order: more parts matched, then score, then readable, then slot order.
    const score = new Float64Array(m);
    for (let c = 0; c < m; c++) score[c] = readableOf[c] ? found.full[keep[c]] : found.limited[keep[c]];
    const better = (a: number, b: number) =>
      covered[a] !== covered[b] ? covered[a] > covered[b] : score[a] !== score[b] ? score[a] > score[b] : readableOf[a] !== readableOf[b] ? readableOf[a] > readableOf[b] : a < b;
    const heap = new Int32Array(m);
    let size = 0;
    for (let c = 0; c < m; c++) if (passes[c] && covered[c] >= need) heap[size++] = c;
    const down = (at: number) => {
      for (;;) {
        const l = 2 * at + 1;
        if (l >= size) return;
        const r = l + 1;
        const top = r < size && better(heap[r], heap[l]) ? r : l;
        if (!better(heap[top], heap[at])) return;
        const t = heap[top];
        heap[top] = heap[at];
        heap[at] = t;
        at = top;
      }
    };
    for (let at = (size >> 1) - 1; at >= 0; at--) down(at);
    const wanted = Math.max(to, parsed.groups.length > 1 ? PROXIMITY_RERANK : 0);
    const ranked: number[] = [];
    while (size && ranked.length < wanted) {
      const c = heap[0];
      if (pending[c]) {
        // Its body is checked now; it goes back in at its true place (or out).
        settle(c);
        if (covered[c] < need) heap[0] = heap[--size];
        down(0);
        continue;
      }
      ranked.push(c);
      heap[0] = heap[--size];
      down(0);
    }
    const selected: Candidate[] = ranked.map((c) => ({ doc: docs[c], score: score[c], readable: readableOf[c] === 1, groups: sure[c], covered: covered[c], slot: slots[c] }));
    const order = (x: Candidate, y: Candidate) => y.covered - x.covered || y.score - x.score || Number(y.readable) - Number(x.readable);
    if (parsed.groups.length > 1) this.rerankByProximity(selected, parsed, order);
    if (options.pinFirst) {
      const at = selected.findIndex((c) => c.doc.number === options.pinFirst);
      if (at > 0) selected.unshift(...selected.splice(at, 1));
      else if (at < 0) {
        // Named by number but further down the list: it still comes first.
        for (let c = 0; c < m; c++) {
          if (docs[c].number !== options.pinFirst || !passes[c]) continue;
          settle(c);
          if (covered[c] >= need) selected.unshift({ doc: docs[c], score: score[c], readable: readableOf[c] === 1, groups: sure[c], covered: covered[c], slot: slots[c] });
          break;
        }
      }
    }
    // The total: every candidate known to qualify, and those not checked at the sample's rate.
    let total = 0;
    let unchecked = 0;
    let uncheckedAll = 0;
    const rest = FACETS.map((_facet, f) => new Int32Array(table.values[f].length));
    for (let c = 0; c < m; c++) {
      if (pending[c] && bitCount(sure[c]) < need) {
        // Qualifies only if its body holds an exact text; not checked.
        tally(slots[c], rest);
        uncheckedAll++;
        if (passes[c]) unchecked++;
      } else if (passes[c] && covered[c] >= need) total++;
    }
    const estimated = uncheckedAll > 0;
    const rate = sampled ? sampledIn / sampled : 0;
    if (estimated) total += Math.round(unchecked * rate);
    const facets = emptyFacets();
    FACETS.forEach((facet, f) => {
      const counts = facetCounts[f];
      for (let code = 0; code < counts.length; code++) {
        const count = counts[code] + (estimated ? Math.round(rest[f][code] * rate) : 0);
        if (count) facets[facet][table.values[f][code]] = count;
      }
    });
    const hits = selected.slice(from, to).map((c) => this.toHit(c, found, parsed));
    return { total: Math.max(total, hits.length ? from + hits.length : 0), page, pageSize, hits, facets, ...(estimated ? { estimated: true } : {}) };
  }

  /** The answers kept for an exact text (a byte per slot), most recently used last. */
  private exactAnswers(exact: string): Uint8Array {
    if (this.exactLayout !== this.index || this.exactLayoutVersion !== this.index.layout) {
      this.exactKnown.clear();
      this.exactLayout = this.index;
      this.exactLayoutVersion = this.index.layout;
    }
    let known = this.exactKnown.get(exact);
    if (!known || known.length < this.index.slotCount) {
      const grown = new Uint8Array(Math.max(this.index.slotCount, known ? known.length * 2 : 0, 64));
      if (known) grown.set(known);
      else if (this.exactKnown.size >= EXACT_TEXTS_KEPT) this.exactKnown.delete(this.exactKnown.keys().next().value!);
      known = grown;
    } else this.exactKnown.delete(exact); // moved to the end: most recently used
    this.exactKnown.set(exact, known);
    return known;
  }

  /**
   * Whether a document's body (or attachment text) holds `exact`. Queries of
   * common legal wording need this for many long documents, so the answers
   * for the texts asked for lately are kept per slot until the document
   * changes (a new slot) or the slots are renumbered.
   */
  private bodyHolds(exact: string, known: Uint8Array, slot: number, doc: SearchDoc): boolean {
    if (known[slot] === 0) {
      const f = this.folded(doc);
      known[slot] = f.text.includes(exact) || f.parts.some((p) => p.text.includes(exact)) ? 1 : 2;
    }
    return known[slot] === 1;
  }

  /**
   * Raises the score of the best candidates whose matched parts stand close
   * together in the text (会计档案的保管 rather than 会计 … 档案 … 保管 pages apart).
   */
  private rerankByProximity(selected: Candidate[], parsed: ParsedQuery, order: (x: Candidate, y: Candidate) => number) {
    const top = selected.slice(0, PROXIMITY_RERANK);
    let changed = false;
    for (const c of top) {
      if (!c.readable || c.covered < 2) continue;
      const span = this.smallestSpan(this.folded(c.doc).text, parsed, c.groups);
      if (span === null) continue;
      c.score *= 1 + 0.5 / (1 + span / 40);
      changed = true;
    }
    if (!changed) return;
    top.sort(order);
    selected.splice(0, top.length, ...top);
  }

  /** The length of the shortest stretch of text holding one occurrence of every matched part, or null. */
  private smallestSpan(text: string, parsed: ParsedQuery, groups: number): number | null {
    // Per part, the sorted starts and ends of its first occurrences (any alternative).
    const lists: { at: number[]; end: number[] }[] = [];
    parsed.groups.forEach((g, index) => {
      if (!((groups >>> index) & 1)) return;
      const at: number[] = [];
      const end: number[] = [];
      for (const a of g.alternatives) {
        const needle = a.text.startsWith('"') ? a.text.slice(1, -1) : a.text;
        if (!needle) continue;
        let from = text.indexOf(needle);
        for (let n = 0; from >= 0 && n < PROXIMITY_OCCURRENCES; n++) {
          at.push(from);
          end.push(from + needle.length);
          from = text.indexOf(needle, from + needle.length);
        }
      }
      if (!at.length) return;
      if (g.alternatives.length > 1) {
        const order = at.map((_v, k) => k).sort((x, y) => at[x] - at[y]);
        lists.push({ at: order.map((k) => at[k]), end: order.map((k) => end[k]) });
      } else lists.push({ at, end });
    });
    if (lists.length < 2) return null;
    // Sweep: always advance the part whose current occurrence starts first.
    const pointer = new Array<number>(lists.length).fill(0);
    let best = Infinity;
    for (;;) {
      let first = 0;
      let lastEnd = 0;
      for (let k = 0; k < lists.length; k++) {
        if (lists[k].at[pointer[k]] < lists[first].at[pointer[first]]) first = k;
        lastEnd = Math.max(lastEnd, lists[k].end[pointer[k]]);
      }
      best = Math.min(best, lastEnd - lists[first].at[pointer[first]]);
      if (++pointer[first] >= lists[first].at.length) break;
    }
    return best;
  }

  private toHit({ doc, score, readable, groups }: Candidate, found: PostingsQuery, parsed: ParsedQuery): SearchHit {
    const matched = found.matchedTerms(doc.number, readable ? "all" : "number-title");
    const needles = needlesFor({
      phrases: parsed.phrases,
      cjkRuns: parsed.cjkRuns,
      words: [
        ...matched.filter((t) => !hasCjk(t)).map((t) => ({ text: t, prefix: false })),
        ...parsed.terms.filter((t) => t.kind === "word" && t.prefix).map((t) => ({ text: t.term, prefix: true })),
      ],
      pairs: parsed.terms.filter((t) => t.kind !== "word").map((t) => t.term),
    });
    return {
      number: doc.number,
      title: doc.title,
      titleHtml: highlightHtml(doc.title, needles),
      category: doc.category,
      type: doc.type,
      ownerDepartment: doc.ownerDepartment,
      version: doc.version,
      effectiveDate: doc.effectiveDate,
      confidentiality: doc.confidentiality,
      retired: doc.retired,
      ...this.snippet(doc, readable, needles),
      readable,
      score: Math.round(score * 1000) / 1000,
      missing: parsed.groups.filter((_g, index) => !((groups >>> index) & 1)).map((g) => g.text.replace(/^"|"$/g, "")),
    };
  }

  /**
   * The snippet (null for a reader without access): cut around the best match
   * in the body or, when an attachment holds a better one, in that attachment
   * part (the hit then names it). Long texts are cut from a window found in
   * the cached folded text, so only that window is folded again.
   */
  private snippet(doc: SearchDoc, readable: boolean, needles: ReturnType<typeof needlesFor>): Pick<SearchHit, "snippetHtml" | "attachment"> {
    if (!readable) return { snippetHtml: null, attachment: null };
    const f = this.folded(doc);
    return locateSnippet(doc, { text: doc.text, folded: f }, doc.attachments, f.parts, needles);
  }
}
