/**
 * The embedded engine: MiniSearch in this process, with our own tokenizer
 * (words + Chinese character pairs), saved to $DATA_DIR/search/embedded.json
 * together with the repository head it reflects.
 *
 * A query runs as two searches inside MiniSearch: number, title and body
 * among documents the reader may read, and number and title only among the
 * rest (the `filter` option runs inside the search, before ranking), so body
 * words of a document never match for someone who may not read it.
 */
import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import MiniSearch, { type Options, type SearchResult as MiniResult } from "minisearch";
import { decideRead } from "~/access/policy.server";
import {
  bumpFacets,
  countFacets,
  emptyFacets,
  pageBounds,
  passesFacetFilters,
  type EngineHealth,
  type SearchDoc,
  type SearchEngine,
  type SearchHit,
  type SearchOptions,
  type SearchResult,
} from "./engine.server";
import { buildSnippet, highlightHtml, needlesFor } from "./snippet";
import { fold, hasCjk, indexTerms, parseQuery, TOKENIZER_VERSION, type ParsedQuery } from "./tokenize";

const FILE_FORMAT = 1;
const FIELDS = ["number", "title", "body"];
const BOOST = { number: 6, title: 3, body: 1 };

interface IndexedFields {
  id: string;
  number: string;
  title: string;
  body: string;
}

function miniOptions(): Options<IndexedFields> {
  return {
    idField: "id",
    fields: FIELDS,
    storeFields: [],
    tokenize: (text) => indexTerms(text),
    processTerm: (term) => term,
    searchOptions: { tokenize: (text) => [text], processTerm: (term) => term },
    // Replacements happen one at a time; vacuum in the background once enough piled up.
    autoVacuum: { minDirtCount: 50, minDirtFactor: 0.1, batchSize: 500, batchWait: 10 },
  };
}

/** The number as indexed: "EXE-003" also as "exe003" so either form matches. */
function numberField(number: string): string {
  return `${number} ${number.replace(/[^A-Za-z0-9]/g, "")}`;
}

function toIndexed(doc: SearchDoc): IndexedFields {
  return { id: doc.number, number: numberField(doc.number), title: doc.title, body: doc.text };
}

function foldDoc(doc: SearchDoc) {
  return { title: fold(`${doc.number} ${doc.title}`), text: fold(doc.text) };
}

interface SavedFile {
  format: number;
  tokenizer: number;
  head: string | null;
  savedAt: string;
  docs: SearchDoc[];
  index: unknown;
}

export class EmbeddedEngine implements SearchEngine {
  readonly name = "embedded" as const;
  private mini = new MiniSearch<IndexedFields>(miniOptions());
  private docs = new Map<string, SearchDoc>();
  /** Folded title and text per document, for phrase checks (filled when indexed, or on first use after loading). */
  private foldedCache = new Map<string, { title: string; text: string }>();
  private head: string | null = null;
  private nonInternal = 0;
  private saveTimer: NodeJS.Timeout | null = null;
  private saving: Promise<void> | null = null;
  private lastSaveError: string | null = null;
  private file: string | null;

  constructor(options: { file?: string | null } = {}) {
    this.file = options.file ?? null;
  }

  async open(): Promise<{ head: string | null } | null> {
    if (!this.file) return null;
    let text: string;
    try {
      text = await fsp.readFile(this.file, "utf8");
    } catch {
      return null; // no saved index yet
    }
    try {
      const saved = JSON.parse(text) as SavedFile;
      if (saved.format !== FILE_FORMAT || saved.tokenizer !== TOKENIZER_VERSION || !Array.isArray(saved.docs) || !saved.index) {
        console.log("[search] the saved index was written by another version; rebuilding it");
        return null;
      }
      const mini = MiniSearch.loadJS<IndexedFields>(saved.index as Parameters<typeof MiniSearch.loadJS>[0], miniOptions());
      if (mini.documentCount !== saved.docs.length) throw new Error("document count does not match");
      this.mini = mini;
      this.docs = new Map(saved.docs.map((d) => [d.number, d]));
      this.foldedCache.clear();
      this.nonInternal = saved.docs.filter((d) => d.confidentiality !== "internal").length;
      this.head = saved.head;
      return { head: saved.head };
    } catch (error) {
      console.log(`[search] the saved index ${this.file} cannot be read (${(error as Error).message}); rebuilding it`);
      return null;
    }
  }

  async indexDocument(doc: SearchDoc): Promise<void> {
    const previous = this.docs.get(doc.number);
    if (previous) {
      this.mini.replace(toIndexed(doc));
      if (previous.confidentiality !== "internal") this.nonInternal--;
    } else this.mini.add(toIndexed(doc));
    if (doc.confidentiality !== "internal") this.nonInternal++;
    this.docs.set(doc.number, doc);
    this.foldedCache.set(doc.number, foldDoc(doc));
  }

  async removeDocument(number: string): Promise<void> {
    const previous = this.docs.get(number);
    if (!previous) return;
    this.mini.discard(number);
    if (previous.confidentiality !== "internal") this.nonInternal--;
    this.docs.delete(number);
    this.foldedCache.delete(number);
  }

  async rebuild(docs: SearchDoc[], onProgress?: (done: number, total: number) => void): Promise<void> {
    const mini = new MiniSearch<IndexedFields>(miniOptions());
    const map = new Map<string, SearchDoc>();
    const folded = new Map<string, { title: string; text: string }>();
    const total = docs.length;
    const step = Math.max(1, Math.floor(total / 100));
    for (let i = 0; i < total; i++) {
      const doc = docs[i];
      if (map.has(doc.number)) mini.replace(toIndexed(doc));
      else mini.add(toIndexed(doc));
      map.set(doc.number, doc);
      folded.set(doc.number, foldDoc(doc));
      if (onProgress && ((i + 1) % step === 0 || i + 1 === total)) onProgress(i + 1, total);
      // Let the event loop breathe on large rebuilds.
      if ((i + 1) % 500 === 0) await new Promise((r) => setImmediate(r));
    }
    if (total === 0) onProgress?.(0, 0);
    this.mini = mini;
    this.docs = map;
    this.foldedCache = folded;
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

  private scheduleSave() {
    if (!this.file) return;
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      void this.save();
    }, 300);
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
    if (this.saving) await this.saving;
    const file = this.file;
    const data: SavedFile = {
      format: FILE_FORMAT,
      tokenizer: TOKENIZER_VERSION,
      head: this.head,
      savedAt: new Date().toISOString(),
      docs: [...this.docs.values()],
      index: this.mini.toJSON(),
    };
    this.saving = (async () => {
      try {
        await fsp.mkdir(path.dirname(file), { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        await fsp.writeFile(tmp, JSON.stringify(data));
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

  /** Whether every exact text (phrases, long Chinese runs) occurs in the title, or in the body for a reader who may read it. */
  private containsExact(doc: SearchDoc, exact: string[], readable: boolean): boolean {
    if (!exact.length) return true;
    const f = this.folded(doc);
    return exact.every((p) => f.title.includes(p) || (readable && f.text.includes(p)));
  }

  async search(query: string, options: SearchOptions): Promise<SearchResult> {
    const parsed = parseQuery(query);
    const { page, pageSize, from, to } = pageBounds(options);
    if (!parsed.terms.length) return { total: 0, page, pageSize, hits: [], facets: countFacets([]) };
    const filters = options.filters ?? {};
    const reader = options.reader;
    const readableCache = new Map<string, boolean>();
    const readable = (doc: SearchDoc) => {
      let r = readableCache.get(doc.number);
      if (r === undefined) {
        r = decideRead(reader, doc).allowed;
        readableCache.set(doc.number, r);
      }
      return r;
    };
    const inScope = (id: string, wantReadable: boolean) => {
      const doc = this.docs.get(id);
      if (!doc || (doc.retired && !filters.includeRetired)) return false;
      return readable(doc) === wantReadable;
    };
    const spec = {
      combineWith: "AND" as const,
      queries: parsed.terms.map((t) => ({ queries: [t.term], prefix: t.prefix, fuzzy: t.fuzzy > 0 ? t.fuzzy : false })),
    };
    const full = this.mini.search(spec, { fields: FIELDS, boost: BOOST, filter: (r) => inScope(r.id, true) });
    // Documents the reader may not read can match on number and title only.
    const limited =
      this.nonInternal > 0 && !reader.roles.includes("admin")
        ? this.mini.search(spec, { fields: ["number", "title"], boost: BOOST, filter: (r) => inScope(r.id, false) })
        : [];
    // Both lists come sorted by score: merge them, counting facets on the way.
    const facets = emptyFacets();
    const selected: { doc: SearchDoc; result: MiniResult; readable: boolean }[] = [];
    const take = (result: MiniResult, isReadable: boolean) => {
      const doc = this.docs.get(result.id)!;
      if (!this.containsExact(doc, parsed.exact, isReadable)) return;
      bumpFacets(facets, doc);
      if (passesFacetFilters(doc, filters)) selected.push({ doc, result, readable: isReadable });
    };
    let i = 0;
    let j = 0;
    while (i < full.length || j < limited.length) {
      if (j >= limited.length || (i < full.length && full[i].score >= limited[j].score)) take(full[i++], true);
      else take(limited[j++], false);
    }
    const hits = selected.slice(from, to).map((m) => this.toHit(m.doc, m.result, m.readable, parsed));
    return { total: selected.length, page, pageSize, hits, facets };
  }

  private toHit(doc: SearchDoc, result: MiniResult, readable: boolean, parsed: ParsedQuery): SearchHit {
    const matched = result.terms;
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
      snippetHtml: readable ? buildSnippet(doc.text, needles) : null,
      readable,
      score: Math.round(result.score * 1000) / 1000,
    };
  }
}
