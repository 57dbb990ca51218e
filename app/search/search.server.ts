/**
 * What the search routes call: validated parameters in, the engine's result
 * out, plus the document-number shortcut (EXE-003, "exe 3").
 */
import { z } from "zod";
import { decideRead, readClassKey } from "~/access/policy.server";
import { CONFIDENTIALITY } from "~/documents/front-matter";
import { normaliseNumberQuery } from "~/documents/numbering.server";
import { latestVersion } from "~/documents/version-index.server";
import { msg, ValidationError } from "~/utils/errors.server";
import { escapeHtml } from "./snippet";
import { linkDocumentNumbers } from "~/documents/citations.server";
import { linksForReader } from "~/reading/citation-links.server";
import { catchUpProgress, currentEngine, whenSearchReady, type CatchUpProgress } from "./choice.server";
import { DEFAULT_PAGE_SIZE, MAX_PAGE, MAX_PAGE_SIZE, type SearchEngine, type SearchReader, type SearchResult } from "./engine.server";

const optionalCode = z
  .string()
  .trim()
  .max(40)
  .regex(/^[A-Za-z0-9_-]*$/, "letters, digits, - and _ only")
  .optional()
  .transform((v) => v || undefined);

/** One schema for the search form, the API and suggestions (GET parameters). */
export const SearchParamsSchema = z.object({
  q: z.string().max(200, "at most 200 characters").optional().default(""),
  category: optionalCode,
  type: optionalCode,
  department: optionalCode,
  confidentiality: z
    .enum(["", ...CONFIDENTIALITY])
    .optional()
    .transform((v) => (v ? v : undefined)),
  retired: z
    .enum(["", "0", "1", "on", "true"])
    .optional()
    .transform((v) => v === "1" || v === "on" || v === "true"),
  page: z.coerce.number().int().min(1).max(MAX_PAGE).optional().default(1),
  pageSize: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).optional().default(DEFAULT_PAGE_SIZE),
});

export type SearchParams = z.infer<typeof SearchParamsSchema>;

/** Reads search parameters from a URL; a bad value is a 400 with field messages. */
export function parseSearchParams(url: URL): SearchParams {
  const raw: Record<string, string> = {};
  for (const key of Object.keys(SearchParamsSchema.shape)) {
    const v = url.searchParams.get(key);
    if (v !== null) raw[key] = v;
  }
  const parsed = SearchParamsSchema.safeParse(raw);
  if (!parsed.success) {
    const fieldErrors: Record<string, string> = {};
    for (const issue of parsed.error.issues) fieldErrors[issue.path.join(".") || "q"] ??= issue.message;
    throw new ValidationError(msg("search.err.invalid"), fieldErrors);
  }
  return parsed.data;
}

/** The document a query names by number ("EXE-003", "exe 3", "EXE3"), if it exists. */
export function documentNumberIn(query: string): { number: string; title: string } | null {
  const number = normaliseNumberQuery(query);
  if (!number) return null;
  const record = latestVersion(number);
  return record ? { number, title: record.meta.title } : null;
}

export function hasFilters(params: SearchParams): boolean {
  return !!(params.category || params.type || params.department || params.confidentiality || params.retired);
}

export interface SearchOutcome {
  params: SearchParams;
  engine: string;
  result: SearchResult;
  /** Set when the query is a document number that exists. */
  numberMatch: { number: string; title: string } | null;
  /** Set while the index is still catching up with the repository: the answer comes from what is indexed so far. */
  catchingUp: CatchUpProgress | null;
  tookMs: number;
}

/** Results kept for repeated searches (the same query, page and filters, for readers of one read class). */
const RESULTS_KEPT = 256;
const keptResults = new Map<string, { result: SearchResult; tookMs: number }>();

/** Forgets the kept results (tests). */
export function clearKeptSearchResults() {
  keptResults.clear();
}

/**
 * Searches current documents for a reader (restricted bodies never match for
 * those without access). With an engine held in this process, the result of
 * a search is kept under (query, filters, page, the reader's read class, the
 * index's generation): a reader who may read exactly what another may read
 * gets the same result, and any change to the index or to the reader's grants
 * gives another key.
 */
export async function searchDocuments(reader: SearchReader, params: SearchParams): Promise<SearchOutcome> {
  const started = performance.now();
  await whenSearchReady();
  const engine = currentEngine();
  const numberMatch = documentNumberIn(params.q);
  const query = numberMatch ? numberMatch.number : params.q;
  const key = engine.generation
    ? JSON.stringify([engine.name, engine.generation(), readClassKey(reader), query, params.category, params.type, params.department, params.confidentiality, params.retired, params.page, params.pageSize])
    : null;
  // A kept result is answered with the time its search took, so that the page's data, and so its
  // rendering (kept by the page cache, decision 105), is the same for every reader of the class.
  let kept = key ? keptResults.get(key) : undefined;
  if (kept) {
    keptResults.delete(key!); // most recently used last
    keptResults.set(key!, kept);
  } else {
    kept = { result: await searchEngine(engine, query, reader, params, numberMatch), tookMs: Math.round((performance.now() - started) * 10) / 10 };
    if (key) {
      if (keptResults.size >= RESULTS_KEPT) keptResults.delete(keptResults.keys().next().value!);
      keptResults.set(key, kept);
    }
  }
  let result = kept.result;
  // Document numbers in snippets link like those on the page, resolved for this reader (decision 089); the kept result stays as it was.
  result = { ...result, hits: result.hits.map((hit) => (hit.snippetHtml ? { ...hit, snippetHtml: linksForReader(reader, linkDocumentNumbers(hit.snippetHtml)) } : hit)) };
  return {
    params,
    engine: engine.name,
    result,
    numberMatch,
    catchingUp: catchUpProgress(),
    tookMs: key ? kept.tookMs : Math.round((performance.now() - started) * 10) / 10,
  };
}

async function searchEngine(engine: SearchEngine, query: string, reader: SearchReader, params: SearchParams, numberMatch: { number: string } | null): Promise<SearchResult> {
  // "exe 3" is searched as "EXE-003": the document and those that refer to it.
  return engine.search(query, {
    reader,
    filters: {
      category: params.category,
      type: params.type,
      department: params.department,
      confidentiality: params.confidentiality,
      includeRetired: params.retired,
    },
    page: params.page,
    pageSize: params.pageSize,
    // The document a number names is the first hit, before those that merely mention it.
    pinFirst: numberMatch?.number,
  });
}

/** Progress of the index catching up with the repository, or null when it is level. */
export function searchCatchUp(): CatchUpProgress | null {
  return catchUpProgress();
}

export interface Suggestion {
  number: string;
  title: string;
  titleHtml: string;
  readable: boolean;
  url: string;
}

/** Up to `limit` documents for search-as-you-type: a number match first, then the best hits. */
export async function suggestDocuments(reader: SearchReader, query: string, limit = 8): Promise<Suggestion[]> {
  const q = query.trim().slice(0, 200);
  if (!q) return [];
  const out: Suggestion[] = [];
  const byNumber = documentNumberIn(q);
  const record = byNumber ? latestVersion(byNumber.number) : undefined;
  if (byNumber && record && !record.meta.retired) {
    const readable = decideRead(reader, record.meta).allowed;
    out.push({ number: byNumber.number, title: byNumber.title, titleHtml: escapeHtml(byNumber.title), readable, url: `/docs/${byNumber.number}` });
  }
  await whenSearchReady();
  const { hits } = await currentEngine().search(byNumber ? byNumber.number : q, { reader, page: 1, pageSize: limit, pinFirst: byNumber?.number });
  for (const h of hits) {
    if (out.some((s) => s.number === h.number)) continue;
    out.push({ number: h.number, title: h.title, titleHtml: h.titleHtml, readable: h.readable, url: `/docs/${h.number}` });
  }
  return out.slice(0, limit);
}
