/**
 * The search engine interface, the result shape both engines return and the
 * helpers both share. Both engines import this module; the choice between
 * them is in choice.server.ts.
 *
 * Only current versions are indexed. Permission filtering happens inside the
 * engine: body text is searched only among documents the reader may read;
 * for the rest only the number and title can match, and no snippet is made.
 */
import path from "node:path";
import type { AttachmentTextPart } from "~/attachments/text/types";
import type { User } from "~/data/schema";
import type { Confidentiality } from "~/documents/front-matter";
import { getEnv } from "~/utils/env.server";

/** What the index holds for one document (its current version). */
export interface SearchDoc {
  number: string;
  title: string;
  category: string;
  type: string;
  ownerDepartment: string;
  audienceDepartments: string[];
  confidentiality: Confidentiality;
  version: number;
  effectiveDate: string | null;
  retired: boolean;
  /** The body as plain text (markdown removed). */
  text: string;
  /** The body's headings (markdown headings), one per line; article and chapter headings are found in `text`. */
  headings?: string;
  /** Blob id of the indexed version (to find documents that changed). */
  blob: string;
  /** Text of the version's attachments, a part per PDF page, slide or sheet (read under the same rule as the body). */
  attachments?: AttachmentTextPart[];
}

export type SearchReader = Pick<User, "id" | "roles" | "departmentId">;

export interface SearchFilters {
  category?: string;
  type?: string;
  department?: string;
  confidentiality?: Confidentiality;
  /** Retired documents are left out unless asked for. */
  includeRetired?: boolean;
}

export interface SearchOptions {
  reader: SearchReader;
  filters?: SearchFilters;
  /** 1-based. */
  page?: number;
  pageSize?: number;
  /** A document number the query names: that document comes first when it matches. */
  pinFirst?: string;
}

export interface SearchHit {
  number: string;
  title: string;
  /** The title escaped, with matches in <mark>. */
  titleHtml: string;
  category: string;
  type: string;
  ownerDepartment: string;
  version: number;
  effectiveDate: string | null;
  confidentiality: Confidentiality;
  retired: boolean;
  /** Escaped excerpt with matches in <mark>; null when the reader may not read the document. */
  snippetHtml: string | null;
  /** Whether the reader may read the document (otherwise only number and title are shown). */
  readable: boolean;
  score: number;
  /** Parts of the query the document does not match (empty when it matches them all). */
  missing: string[];
  /** Set when the snippet comes from an attachment: which one, where in it, and its address. */
  attachment?: { name: string; locator: AttachmentTextPart["locator"]; url: string } | null;
}

export type FacetName = "category" | "type" | "department" | "confidentiality";

export interface SearchResult {
  /** How many documents match; when `estimated`, close to it (see below). */
  total: number;
  /**
   * Set when the total and the facets are estimates: many documents qualified
   * only if their text held a query's exact wording, and only a sample of them
   * was read (the hits shown are always checked and in their exact order).
   */
  estimated?: boolean;
  page: number;
  pageSize: number;
  hits: SearchHit[];
  /** Counts of all matches per value, before the facet filters are applied. */
  facets: Record<FacetName, Record<string, number>>;
}

export interface EngineHealth {
  ok: boolean;
  engine: "embedded" | "meilisearch";
  documents?: number;
  head?: string | null;
  [detail: string]: unknown;
}

export interface SearchEngine {
  readonly name: "embedded" | "meilisearch";
  /** Loads saved state; null when there is none or it cannot be used (then rebuild). */
  open(): Promise<{ head: string | null } | null>;
  /** Adds a document or replaces its previous version. */
  indexDocument(doc: SearchDoc): Promise<void>;
  removeDocument(number: string): Promise<void>;
  search(query: string, options: SearchOptions): Promise<SearchResult>;
  /**
   * Empties the index so that it can be filled document by document while
   * searches answer from what is already in it (engines that cannot answer
   * from a partial index leave this out and are rebuilt with `rebuild`).
   */
  reset?(): Promise<void>;
  /** Applies the company's synonym groups (each a list of terms that mean the same). */
  setSynonyms(groups: string[][]): Promise<void>;
  /** Replaces the whole index with these documents. */
  rebuild(docs: SearchDoc[], onProgress?: (done: number, total: number) => void): Promise<void>;
  /** number → blob id of every indexed document. */
  indexedBlobs(): Promise<Map<string, string>>;
  /** Records (and saves) which repository head the index reflects. */
  setHead(head: string | null): Promise<void>;
  indexedHead(): string | null;
  /**
   * A number that changes whenever the answer to any search may change, for
   * engines whose whole index lives in this process (results can then be kept
   * for repeated searches); left out by engines shared with other processes.
   */
  generation?(): number;
  health(): Promise<EngineHealth>;
  /** Writes anything pending (the embedded engine saves its file). */
  flush(): Promise<void>;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 50;
export const MAX_PAGE = 50;

export function emptyFacets(): SearchResult["facets"] {
  return { category: {}, type: {}, department: {}, confidentiality: {} };
}

export function searchDir(): string {
  return path.join(getEnv().dataDir, "search");
}

const numberOrder = new Intl.Collator("en", { numeric: true });

/** Sort order for merged hits: score, then number. */
export function byScore(a: { score: number; number: string }, b: { score: number; number: string }): number {
  return b.score - a.score || numberOrder.compare(a.number, b.number);
}

export function pageBounds(options: SearchOptions): { page: number; pageSize: number; from: number; to: number } {
  const pageSize = Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(options.pageSize ?? DEFAULT_PAGE_SIZE)));
  const page = Math.min(MAX_PAGE, Math.max(1, Math.floor(options.page ?? 1)));
  return { page, pageSize, from: (page - 1) * pageSize, to: page * pageSize };
}

/** Whether a document passes the facet filters (retired handled separately). */
export function passesFacetFilters(doc: Pick<SearchDoc, "category" | "type" | "ownerDepartment" | "confidentiality">, filters: SearchFilters = {}): boolean {
  return (
    (!filters.category || doc.category === filters.category) &&
    (!filters.type || doc.type === filters.type) &&
    (!filters.department || doc.ownerDepartment === filters.department) &&
    (!filters.confidentiality || doc.confidentiality === filters.confidentiality)
  );
}

/** Counts one document in the facets. */
export function bumpFacets(facets: SearchResult["facets"], d: Pick<SearchDoc, "category" | "type" | "ownerDepartment" | "confidentiality">) {
  facets.category[d.category] = (facets.category[d.category] ?? 0) + 1;
  facets.type[d.type] = (facets.type[d.type] ?? 0) + 1;
  facets.department[d.ownerDepartment] = (facets.department[d.ownerDepartment] ?? 0) + 1;
  facets.confidentiality[d.confidentiality] = (facets.confidentiality[d.confidentiality] ?? 0) + 1;
}

export function countFacets(docs: Iterable<Pick<SearchDoc, "category" | "type" | "ownerDepartment" | "confidentiality">>): SearchResult["facets"] {
  const facets = emptyFacets();
  for (const d of docs) bumpFacets(facets, d);
  return facets;
}
