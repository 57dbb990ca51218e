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
import { PostingsIndex, type PostingsQuery, type SavedPostings } from "./postings";
import { buildSnippet, highlightHtml, needlesFor } from "./snippet";
import { fold, hasCjk, indexTerms, parseQuery, TOKENIZER_VERSION, type ParsedQuery } from "./tokenize";

/** 2: postings.ts replaced MiniSearch's index (a file of format 1 is rebuilt). */
const FILE_FORMAT = 2;
/** Field boosts, in the index's field order: number, title, body. */
const BOOSTS = [6, 3, 1];

/** The number as indexed: "EXE-003" also as "exe003" so either form matches. */
function numberField(number: string): string {
  return `${number} ${number.replace(/[^A-Za-z0-9]/g, "")}`;
}

function fieldTerms(doc: SearchDoc): string[][] {
  return [indexTerms(numberField(doc.number)), indexTerms(doc.title), indexTerms(doc.text)];
}

function foldDoc(doc: SearchDoc) {
  return { title: fold(`${doc.number} ${doc.title}`), text: fold(doc.text) };
}

interface Candidate {
  doc: SearchDoc;
  score: number;
  readable: boolean;
}

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
      const index = PostingsIndex.fromJSON(saved.index);
      if (index.size !== saved.docs.length || saved.docs.some((d) => !index.has(d.number))) throw new Error("the documents do not match the index");
      this.index = index;
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
    this.index.add(doc.number, fieldTerms(doc));
    if (previous && previous.confidentiality !== "internal") this.nonInternal--;
    if (doc.confidentiality !== "internal") this.nonInternal++;
    this.docs.set(doc.number, doc);
    this.foldedCache.set(doc.number, foldDoc(doc));
  }

  async removeDocument(number: string): Promise<void> {
    const previous = this.docs.get(number);
    if (!previous) return;
    this.index.remove(number);
    if (previous.confidentiality !== "internal") this.nonInternal--;
    this.docs.delete(number);
    this.foldedCache.delete(number);
  }

  async rebuild(docs: SearchDoc[], onProgress?: (done: number, total: number) => void): Promise<void> {
    const index = new PostingsIndex();
    const map = new Map<string, SearchDoc>();
    const folded = new Map<string, { title: string; text: string }>();
    const total = docs.length;
    const step = Math.max(1, Math.floor(total / 100));
    for (let i = 0; i < total; i++) {
      const doc = docs[i];
      index.add(doc.number, fieldTerms(doc));
      map.set(doc.number, doc);
      folded.set(doc.number, foldDoc(doc));
      if (onProgress && ((i + 1) % step === 0 || i + 1 === total)) onProgress(i + 1, total);
      // Let the event loop breathe on large rebuilds.
      if ((i + 1) % 500 === 0) await new Promise((r) => setImmediate(r));
    }
    if (total === 0) onProgress?.(0, 0);
    index.compact();
    this.index = index;
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
      index: this.index.toJSON(),
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
    // Documents the reader may not read can match on number and title only (admins may read all).
    const titleOnly = this.nonInternal > 0 && !reader.roles.includes("admin");
    const found = this.index.search(
      parsed.terms.map((t) => ({ term: t.term, prefix: t.prefix, fuzzy: t.fuzzy })),
      BOOSTS,
    );
    const facets = emptyFacets();
    const selected: Candidate[] = [];
    for (const match of found.matches) {
      const doc = this.docs.get(match.id);
      if (!doc || (doc.retired && !filters.includeRetired)) continue;
      const readable = decideRead(reader, doc).allowed;
      const score = readable ? match.full : titleOnly ? match.limited : 0;
      if (score <= 0 || !this.containsExact(doc, parsed.exact, readable)) continue;
      bumpFacets(facets, doc);
      if (passesFacetFilters(doc, filters)) selected.push({ doc, score, readable });
    }
    // Best first; on equal scores, documents the reader may read first.
    selected.sort((x, y) => y.score - x.score || Number(y.readable) - Number(x.readable));
    const hits = selected.slice(from, to).map((c) => this.toHit(c, found, parsed));
    return { total: selected.length, page, pageSize, hits, facets };
  }

  private toHit({ doc, score, readable }: Candidate, found: PostingsQuery, parsed: ParsedQuery): SearchHit {
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
      snippetHtml: readable ? buildSnippet(doc.text, needles) : null,
      readable,
      score: Math.round(score * 1000) / 1000,
    };
  }
}
