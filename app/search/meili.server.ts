/**
 * The Meilisearch engine, for large installations (MEILI_HOST, MEILI_API_KEY,
 * MEILI_INDEX).
 *
 * Chinese: Meilisearch segments Chinese into dictionary words, so a fragment
 * inside a word (處理 in 待處理) would not match. Each document therefore
 * also carries its Chinese character pairs as opaque Latin-letter tokens
 * (`titlePairs`, `bodyPairs`, see tokenize.ts) and queries send the same
 * tokens, with typo tolerance off on those fields: both engines match the same
 * terms and pass the same relevance set.
 *
 * Permissions: every request carries the reader's scope as a filter
 * (scope.server.ts). Documents outside it are searched in a second query
 * restricted to number and title (`attributesToSearchOn`) without the body.
 */
import fsp from "node:fs/promises";
import path from "node:path";
import { Meilisearch, type Index, type MultiSearchQuery, type Settings, type Task } from "meilisearch";
import { decideRead } from "~/access/policy.server";
import { getEnv } from "~/utils/env.server";
import {
  byScore,
  countFacets,
  emptyFacets,
  pageBounds,
  searchDir,
  type EngineHealth,
  type FacetName,
  type SearchDoc,
  type SearchEngine,
  type SearchHit,
  type SearchOptions,
  type SearchResult,
} from "./engine.server";
import type { AttachmentTextPart } from "~/attachments/text/types";
import { foldParts, locateSnippet, partsText } from "./attachment-hits";
import { structuralHeadings } from "./plain-text";
import { filterValue, readScope, scopeFilter } from "./scope.server";
import { highlightHtml, needlesFor } from "./snippet";
import { bitCount, fold, foldSparse, minimumGroups, opaqueTerms, opaqueToken, parseQuery, synonymMap, termsOfFolded, TOKENIZER_VERSION, type ParsedQuery, type SynonymMap } from "./tokenize";

/** 2: attachment text fields (an index of format 1 is rebuilt). */
const STATE_FORMAT = 2;
const BATCH_SIZE = 500;
/** Candidates fetched per query when exact text (phrases, long Chinese runs) must be checked here. */
const PHRASE_CANDIDATES = 1000;
const MARK_START = "\u0002";
const MARK_END = "\u0003";

/** A document as stored in Meilisearch. */
export interface MeiliDoc extends Omit<SearchDoc, "text" | "headings" | "attachments"> {
  id: string;
  /** The body as plain text. */
  body: string;
  /** Markdown, chapter and article headings (ranked between the title and the body). */
  headings: string;
  headingPairs: string;
  /** The number also without separators (EXE003). */
  numberCompact: string;
  titlePairs: string;
  bodyPairs: string;
  /** The attachments' text, searched after the body (under the same scope filter). */
  attachmentText: string;
  attachmentPairs: string;
  /** The attachment parts, to say which attachment (and page) a hit comes from. */
  attachments: AttachmentTextPart[];
}

const META_FIELDS = [
  "number",
  "title",
  "category",
  "type",
  "ownerDepartment",
  "audienceDepartments",
  "confidentiality",
  "version",
  "effectiveDate",
  "retired",
  "blob",
] as const;

const FACETS: Record<FacetName, string> = {
  category: "category",
  type: "type",
  department: "ownerDepartment",
  confidentiality: "confidentiality",
};

/** Index settings: what is searched, filtered and sorted, Chinese locale, typo rules. */
export const MEILI_SETTINGS: Settings = {
  // Order is rank: a title match before a heading match before a passing mention in the body.
  searchableAttributes: ["number", "numberCompact", "title", "titlePairs", "headings", "headingPairs", "body", "bodyPairs", "attachmentText", "attachmentPairs"],
  filterableAttributes: ["number", "category", "type", "ownerDepartment", "audienceDepartments", "confidentiality", "retired"],
  sortableAttributes: ["number", "effectiveDate", "version"],
  displayedAttributes: [...META_FIELDS, "body", "attachments"],
  localizedAttributes: [{ attributePatterns: ["title", "headings", "body", "attachmentText"], locales: ["zho", "eng"] }],
  typoTolerance: {
    enabled: true,
    minWordSizeForTypos: { oneTypo: 5, twoTypos: 9 },
    // Pair tokens must match exactly: one letter off is another pair of characters.
    disableOnAttributes: ["number", "numberCompact", "titlePairs", "headingPairs", "bodyPairs", "attachmentPairs"],
    disableOnNumbers: true,
  },
  pagination: { maxTotalHits: 10_000 },
  faceting: { maxValuesPerFacet: 200 },
};

export function toMeiliDoc(doc: SearchDoc): MeiliDoc {
  const { text, headings: markdownHeadings, attachments, ...meta } = doc;
  const attachmentText = partsText(attachments);
  const headings = [markdownHeadings ?? "", structuralHeadings(text)].filter(Boolean).join("\n");
  return {
    ...meta,
    id: meiliId(doc.number),
    body: text,
    headings,
    headingPairs: opaqueTerms(headings),
    numberCompact: doc.number.replace(/[^A-Za-z0-9]/g, ""),
    titlePairs: opaqueTerms(doc.title),
    bodyPairs: opaqueTerms(doc.text),
    attachmentText,
    attachmentPairs: opaqueTerms(attachmentText),
    attachments: attachments ?? [],
  };
}

/** Meilisearch ids allow letters, digits, - and _ only. */
export function meiliId(number: string): string {
  return number.replace(/[^A-Za-z0-9_-]/g, (c) => `_${c.codePointAt(0)!.toString(16)}_`);
}

/** The query string sent to Meilisearch: each part as typed (synonyms are Meilisearch's own setting), words folded, Chinese terms as pair tokens. */
export function meiliQuery(parsed: ParsedQuery): string {
  return parsed.groups
    .flatMap((g) => g.alternatives[0].terms)
    .map((t) => (t.kind === "word" ? t.term : opaqueToken(t.term)))
    .join(" ");
}

/** A term as Meilisearch sees it in documents: folded words, Chinese pairs as opaque tokens, in order. */
function meiliWords(term: string): string {
  return termsOfFolded(fold(term), false)
    .map((t) => (t.kind === "word" ? t.term : opaqueToken(t.term)))
    .join(" ");
}

/** The synonym groups as Meilisearch's `synonyms` setting (every term lists the others of its group). */
export function meiliSynonyms(groups: readonly (readonly string[])[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const group of groups) {
    const words = [...new Set(group.map(meiliWords).filter(Boolean))];
    for (const w of words) out[w] = [...new Set([...(out[w] ?? []), ...words.filter((o) => o !== w)])];
  }
  return out;
}

function taskError(task: Task, what: string): Error {
  return new Error(`Meilisearch ${what} failed: ${task.error?.message ?? task.status}`);
}

async function settle(promise: Promise<Task>, what: string): Promise<Task> {
  const task = await promise;
  if (task.status !== "succeeded") throw taskError(task, what);
  return task;
}

function errorCode(error: unknown): string | undefined {
  return (error as { cause?: { code?: string } })?.cause?.code;
}

interface SavedState {
  format: number;
  tokenizer: number;
  host: string;
  index: string;
  head: string | null;
}

type MeiliHit = Partial<MeiliDoc> & { _rankingScore?: number; _formatted?: { body?: string; attachmentText?: string } };

export class MeiliEngine implements SearchEngine {
  readonly name = "meilisearch" as const;
  readonly client: Meilisearch;
  readonly uid: string;
  private head: string | null = null;
  private synonymGroups: string[][] = [];
  private synonyms: SynonymMap = new Map();
  private host: string;
  private stateFile: string;

  constructor(options: { host: string; apiKey?: string; index?: string; stateFile?: string; taskTimeoutMs?: number }) {
    this.host = options.host;
    this.uid = options.index ?? getEnv().MEILI_INDEX;
    this.stateFile = options.stateFile ?? path.join(searchDir(), "meilisearch.json");
    this.client = new Meilisearch({
      host: options.host,
      apiKey: options.apiKey,
      timeout: 10_000,
      defaultWaitOptions: { timeout: options.taskTimeoutMs ?? 120_000, interval: 25 },
    });
  }

  private get index(): Index<MeiliDoc> {
    return this.client.index<MeiliDoc>(this.uid);
  }

  /** Creates the index if needed and applies the settings (waits for both). */
  async ensureIndex(uid = this.uid): Promise<void> {
    try {
      await this.client.getRawIndex(uid);
    } catch (error) {
      if (errorCode(error) !== "index_not_found") throw error;
      await settle(this.client.createIndex(uid, { primaryKey: "id" }).waitTask(), `creating index ${uid}`);
    }
    await settle(this.client.index(uid).updateSettings({ ...MEILI_SETTINGS, synonyms: meiliSynonyms(this.synonymGroups) }).waitTask(), `updating the settings of ${uid}`);
  }

  /** Keeps the list for query parsing (highlighting, coverage) and sends it to Meilisearch's synonyms setting. */
  async setSynonyms(groups: string[][]): Promise<void> {
    this.synonymGroups = groups.map((g) => [...g]);
    this.synonyms = synonymMap(groups);
    try {
      await this.client.getRawIndex(this.uid);
    } catch (error) {
      if (errorCode(error) === "index_not_found") return; // applied with the settings when the index is created
      throw error;
    }
    await settle(this.index.updateSynonyms(meiliSynonyms(this.synonymGroups)).waitTask(), "updating the synonyms");
  }

  async open(): Promise<{ head: string | null } | null> {
    await this.ensureIndex();
    let state: SavedState;
    try {
      state = JSON.parse(await fsp.readFile(this.stateFile, "utf8")) as SavedState;
    } catch {
      return null;
    }
    if (state.format !== STATE_FORMAT || state.tokenizer !== TOKENIZER_VERSION || state.host !== this.host || state.index !== this.uid) return null;
    const stats = await this.index.getStats();
    if (stats.numberOfDocuments === 0 && state.head) return null;
    this.head = state.head;
    return { head: state.head };
  }

  async indexDocument(doc: SearchDoc): Promise<void> {
    await settle(this.index.addDocuments([toMeiliDoc(doc)]).waitTask(), `indexing ${doc.number}`);
  }

  async removeDocument(number: string): Promise<void> {
    await settle(this.index.deleteDocument(meiliId(number)).waitTask(), `removing ${number}`);
  }

  /**
   * Builds a fresh index beside the live one in batches, waits for every batch,
   * then swaps the two, so searches keep working during a rebuild.
   */
  async rebuild(docs: SearchDoc[], onProgress?: (done: number, total: number) => void): Promise<void> {
    const staging = `${this.uid}_rebuild`;
    await this.ensureIndex();
    await this.client.deleteIndexIfExists(staging);
    await this.ensureIndex(staging);
    const total = docs.length;
    const tasks = this.client.index<MeiliDoc>(staging).addDocumentsInBatches(docs.map(toMeiliDoc), BATCH_SIZE);
    let done = 0;
    onProgress?.(0, total);
    for await (const task of this.client.tasks.waitForTasksIter(await Promise.all(tasks))) {
      if (task.status !== "succeeded") throw taskError(task, "adding documents");
      done = Math.min(total, done + BATCH_SIZE);
      onProgress?.(done, total);
    }
    await settle(this.client.swapIndexes([{ indexes: [this.uid, staging], rename: false }]).waitTask(), "swapping in the rebuilt index");
    await settle(this.client.deleteIndex(staging).waitTask(), "removing the previous index");
  }

  async indexedBlobs(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (let offset = 0; ; offset += 1000) {
      const page = await this.index.getDocuments<Pick<MeiliDoc, "number" | "blob">>({ fields: ["number", "blob"], limit: 1000, offset });
      for (const d of page.results) out.set(d.number, d.blob);
      if (page.results.length < 1000) break;
    }
    return out;
  }

  async setHead(head: string | null): Promise<void> {
    this.head = head;
    const state: SavedState = { format: STATE_FORMAT, tokenizer: TOKENIZER_VERSION, host: this.host, index: this.uid, head };
    await fsp.mkdir(path.dirname(this.stateFile), { recursive: true });
    const tmp = `${this.stateFile}.${process.pid}.tmp`;
    await fsp.writeFile(tmp, JSON.stringify(state));
    await fsp.rename(tmp, this.stateFile);
  }

  indexedHead(): string | null {
    return this.head;
  }

  async flush(): Promise<void> {
    /* every change was already waited for */
  }

  async health(): Promise<EngineHealth> {
    try {
      await this.client.health();
      let documents: number | undefined;
      try {
        documents = (await this.index.getStats()).numberOfDocuments;
      } catch (error) {
        if (errorCode(error) !== "index_not_found") throw error;
        documents = 0;
      }
      return { ok: true, engine: "meilisearch", index: this.uid, documents, head: this.head };
    } catch (error) {
      // The host stays out of /healthz (it is printed in the server log instead).
      return { ok: false, engine: "meilisearch", index: this.uid, error: (error as Error).message.split(this.host).join("MEILI_HOST") };
    }
  }

  // ---- searching ---------------------------------------------------------------

  async search(query: string, options: SearchOptions): Promise<SearchResult> {
    const parsed = parseQuery(query, this.synonyms);
    const { page, pageSize, from, to } = pageBounds(options);
    if (!parsed.groups.length) return { total: 0, page, pageSize, hits: [], facets: emptyFacets() };
    const filters = options.filters ?? {};
    const scope = readScope(options.reader);
    const scopeExpr = scopeFilter(scope);
    const base = filters.includeRetired ? [] : ["retired = false"];
    const facetFilters: string[] = [];
    if (filters.category) facetFilters.push(`category = ${filterValue(filters.category)}`);
    if (filters.type) facetFilters.push(`type = ${filterValue(filters.type)}`);
    if (filters.department) facetFilters.push(`ownerDepartment = ${filterValue(filters.department)}`);
    if (filters.confidentiality) facetFilters.push(`confidentiality = ${filterValue(filters.confidentiality)}`);
    const checkPhrases = parsed.exact.length > 0;
    const fetch = checkPhrases ? PHRASE_CANDIDATES : to;
    const q = meiliQuery(parsed);
    // Several parts: documents matching fewer of them are listed too, after those matching all (Meilisearch's "words" rule).
    const matchingStrategy = parsed.groups.length > 1 ? ("last" as const) : ("all" as const);
    const common = { indexUid: this.uid, q, matchingStrategy, showRankingScore: true, page: 1, hitsPerPage: fetch };
    const readableQuery = (extra: string[]): MultiSearchQuery => ({
      ...common,
      filter: [...base, ...(scopeExpr ? [scopeExpr] : []), ...extra],
      attributesToRetrieve: [...META_FIELDS, "body", "attachments"],
      attributesToHighlight: ["body", "attachmentText"],
      attributesToCrop: ["body", "attachmentText"],
      cropLength: 30,
      highlightPreTag: MARK_START,
      highlightPostTag: MARK_END,
    });
    const limitedQuery = (extra: string[]): MultiSearchQuery => ({
      ...common,
      filter: [...base, `NOT ${scopeExpr}`, ...extra],
      attributesToSearchOn: ["number", "numberCompact", "title", "titlePairs"],
      attributesToRetrieve: [...META_FIELDS],
    });
    const queries: MultiSearchQuery[] = [readableQuery(facetFilters)];
    if (scopeExpr) queries.push(limitedQuery(facetFilters));
    // Facet counts ignore the facet filters; when none are set the hit queries give them.
    const separateFacets = facetFilters.length > 0 && !checkPhrases;
    if (separateFacets) {
      queries.push({ ...readableQuery([]), hitsPerPage: 0, facets: Object.values(FACETS) });
      if (scopeExpr) queries.push({ ...limitedQuery([]), hitsPerPage: 0, facets: Object.values(FACETS) });
    } else if (!checkPhrases) {
      for (const query of queries) query.facets = Object.values(FACETS);
    }
    const { results } = await this.client.multiSearch({ queries });
    const readableRes = results[0];
    const limitedRes = scopeExpr ? results[1] : undefined;
    type Match = { hit: MeiliHit; readable: boolean; number: string; score: number; covered?: number };
    let matches: Match[] = [];
    for (const hit of readableRes.hits as MeiliHit[]) {
      // The scope filter already decided; a disagreement with the policy would only ever hide a snippet.
      const readable = decideRead(options.reader, hit as MeiliDoc).allowed;
      matches.push({ hit, readable, number: hit.number!, score: hit._rankingScore ?? 0 });
    }
    for (const hit of (limitedRes?.hits ?? []) as MeiliHit[]) matches.push({ hit, readable: false, number: hit.number!, score: hit._rankingScore ?? 0 });

    let total: number;
    let facets: SearchResult["facets"];
    if (checkPhrases) {
      // Exact text is checked here on the candidates the engine returned (already permission-filtered);
      // a document is kept when it matches at least half the parts, those matching more first.
      const need = minimumGroups(parsed.groups.length);
      const all = matches.filter((m) => {
        m.covered = bitCount(this.groupsMatched(parsed, m.hit, m.readable));
        return m.covered >= need;
      });
      facets = countFacets(all.map((m) => m.hit as MeiliDoc));
      matches = all.filter(
        (m) =>
          (!filters.category || m.hit.category === filters.category) &&
          (!filters.type || m.hit.type === filters.type) &&
          (!filters.department || m.hit.ownerDepartment === filters.department) &&
          (!filters.confidentiality || m.hit.confidentiality === filters.confidentiality),
      );
      total = matches.length;
    } else {
      total = (readableRes.totalHits ?? 0) + (limitedRes?.totalHits ?? 0);
      const facetSources = separateFacets ? results.slice(scopeExpr ? 2 : 1) : results.slice(0, scopeExpr ? 2 : 1);
      facets = emptyFacets();
      for (const res of facetSources) {
        for (const [name, field] of Object.entries(FACETS) as [FacetName, string][]) {
          for (const [value, count] of Object.entries(res.facetDistribution?.[field] ?? {})) {
            facets[name][value] = (facets[name][value] ?? 0) + count;
          }
        }
      }
    }
    matches.sort((a, b) => (b.covered ?? 0) - (a.covered ?? 0) || byScore(a, b));
    if (options.pinFirst && page === 1) {
      // The document a number names comes first, fetched on its own when the page did not hold it.
      const at = matches.findIndex((m) => m.number === options.pinFirst);
      if (at > 0) matches.unshift(...matches.splice(at, 1));
      else if (at < 0) {
        const { hits } = await this.index.search<MeiliHit>("", {
          filter: [...base, `number = ${filterValue(options.pinFirst)}`],
          attributesToRetrieve: [...META_FIELDS, "body", "attachments"],
          limit: 1,
        });
        const hit = hits[0];
        if (hit && hit.number) matches.unshift({ hit, readable: decideRead(options.reader, hit as MeiliDoc).allowed, number: hit.number, score: 1 });
      }
    }
    const hits = matches.slice(from, to).map((m) => this.toHit(m.hit, m.readable, m.score, parsed));
    return { total, page, pageSize, hits, facets };
  }

  /**
   * The parts of the query a returned document matches, checked on its text:
   * an alternative with exact text where that text occurs, another where its
   * folded text occurs (typo matches are Meilisearch's and count as matched
   * when it marked them).
   */
  private groupsMatched(parsed: ParsedQuery, hit: MeiliHit, readable: boolean): number {
    const title = fold(`${hit.number} ${hit.title}`);
    const body = readable ? fold([hit.body ?? "", partsText(hit.attachments)].join("\n\n")) : "";
    const marked = new Set([...`${hit._formatted?.body ?? ""} ${hit._formatted?.attachmentText ?? ""}`.matchAll(new RegExp(`${MARK_START}([^${MARK_END}]*)${MARK_END}`, "g"))].map((m) => fold(m[1])));
    let mask = 0;
    parsed.groups.forEach((g, index) => {
      const ok = g.alternatives.some((a) => {
        const text = a.exact ?? a.text;
        if (title.includes(text) || body.includes(text)) return true;
        return a.exact === null && a.terms.every((t) => t.kind === "word" && [...marked].some((w) => w.startsWith(t.term.slice(0, 3))));
      });
      if (ok) mask |= 1 << index;
    });
    return mask;
  }

  private toHit(hit: MeiliHit, readable: boolean, score: number, parsed: ParsedQuery): SearchHit {
    // Words Meilisearch marked in the crop include typo and prefix matches.
    const marked = [...`${hit._formatted?.body ?? ""} ${hit._formatted?.attachmentText ?? ""}`.matchAll(new RegExp(`${MARK_START}([^${MARK_END}]*)${MARK_END}`, "g"))].map((m) => fold(m[1]));
    const needles = needlesFor({
      phrases: parsed.phrases,
      cjkRuns: parsed.cjkRuns,
      words: [
        ...marked.filter((w) => /^[\p{L}\p{N}]+$/u.test(w) && !/\p{Script=Han}/u.test(w)).map((w) => ({ text: w, prefix: false })),
        ...parsed.terms.filter((t) => t.kind === "word").map((t) => ({ text: t.term, prefix: t.prefix })),
      ],
      pairs: parsed.terms.filter((t) => t.kind !== "word").map((t) => t.term),
    });
    return {
      number: hit.number!,
      title: hit.title!,
      titleHtml: highlightHtml(hit.title!, needles),
      category: hit.category!,
      type: hit.type!,
      ownerDepartment: hit.ownerDepartment!,
      version: hit.version!,
      effectiveDate: hit.effectiveDate ?? null,
      confidentiality: hit.confidentiality!,
      retired: hit.retired ?? false,
      ...(readable
        ? locateSnippet({ number: hit.number!, version: hit.version! }, { text: hit.body ?? "", folded: foldSparse(hit.body ?? "") }, hit.attachments, foldParts(hit.attachments), needles)
        : { snippetHtml: null, attachment: null }),
      readable,
      score: Math.round(score * 1000) / 1000,
      missing: ((mask) => parsed.groups.filter((_g, index) => !((mask >>> index) & 1)).map((g) => g.text.replace(/^"|"$/g, "")))(this.groupsMatched(parsed, hit, readable)),
    };
  }

  /** Deletes the index and the saved state (tests). */
  async drop(): Promise<void> {
    await this.client.deleteIndexIfExists(this.uid);
    await this.client.deleteIndexIfExists(`${this.uid}_rebuild`);
    await fsp.rm(this.stateFile, { force: true });
  }
}
