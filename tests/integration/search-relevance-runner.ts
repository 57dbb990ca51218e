/**
 * Runs the relevance set (tests/fixtures/relevance.json) against an engine and
 * measures recall and precision per query and per kind of query, over the
 * documents that match every part of the query (those matching only some of
 * the parts are listed after them and judged by the realistic set's nDCG). Shared by the
 * embedded and the Meilisearch tests so both engines face the same set.
 */
import fs from "node:fs";
import path from "node:path";
import { ROOT } from "../helpers/paths";
import type { SearchEngine, SearchReader } from "~/search/engine.server";

export interface RelevanceCase {
  q: string;
  /** fragment | traditional | title | english-prefix | english-typo | english | mixed | phrase | number | old-wording */
  kind: string;
  /** Document numbers that must be found (empty: nothing may be found). */
  expect: string[];
  /** Why these documents (where the words are). */
  note?: string;
}

export interface RelevanceRow {
  q: string;
  kind: string;
  expected: string[];
  found: string[];
  recall: number;
  precision: number;
}

export function loadRelevanceSet(): RelevanceCase[] {
  return JSON.parse(fs.readFileSync(path.join(ROOT, "tests", "fixtures", "relevance.json"), "utf8")).queries as RelevanceCase[];
}

/** Searches every query as `reader` (all pages) and scores the answers. */
export async function runRelevance(engine: SearchEngine, cases: RelevanceCase[], reader: SearchReader): Promise<RelevanceRow[]> {
  const rows: RelevanceRow[] = [];
  for (const c of cases) {
    const found: string[] = [];
    // Documents matching every part of the query (they come first; those matching only some follow them).
    const strict: string[] = [];
    for (let page = 1; page <= 10; page++) {
      const result = await engine.search(c.q, { reader, page, pageSize: 50 });
      found.push(...result.hits.map((h) => h.number));
      strict.push(...result.hits.filter((h) => h.missing.length === 0).map((h) => h.number));
      if (found.length >= result.total) break;
    }
    const hits = strict.filter((n) => c.expect.includes(n)).length;
    rows.push({
      q: c.q,
      kind: c.kind,
      expected: c.expect,
      found: strict,
      recall: c.expect.length ? hits / c.expect.length : strict.length === 0 ? 1 : 0,
      precision: strict.length ? hits / strict.length : c.expect.length === 0 ? 1 : 0,
    });
  }
  return rows;
}

/** A printable table: per kind and overall, mean recall and precision, and every miss. */
export function relevanceReport(engineName: string, rows: RelevanceRow[]): string {
  const kinds = [...new Set(rows.map((r) => r.kind))];
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 1);
  const line = (label: string, rs: RelevanceRow[]) =>
    `  ${label.padEnd(16)} ${String(rs.length).padStart(3)} queries   recall ${mean(rs.map((r) => r.recall)).toFixed(3)}   precision ${mean(rs.map((r) => r.precision)).toFixed(3)}`;
  const out = [`Relevance (${engineName}), ${rows.length} queries:`];
  for (const k of kinds) out.push(line(k, rows.filter((r) => r.kind === k)));
  out.push(line("all", rows));
  for (const r of rows.filter((r) => r.recall < 1 || r.precision < 1)) {
    out.push(`  miss: ${JSON.stringify(r.q)} expected ${JSON.stringify(r.expected)} found ${JSON.stringify(r.found)}`);
  }
  return out.join("\n");
}

// ---- the realistic set: graded judgments over regulation-shaped text ----------------

export interface JudgedCase {
  q: string;
  kind: string;
  topic: string;
  /** Document number → grade (2 very relevant, 1 relevant); others are not relevant. */
  relevant: Record<string, number>;
}

export interface JudgedRow {
  q: string;
  kind: string;
  /** The first ten hits. */
  top: string[];
  recall: number;
  ndcg10: number;
}

export function loadRealisticSet(): JudgedCase[] {
  return JSON.parse(fs.readFileSync(path.join(ROOT, "tests", "fixtures", "relevance.json"), "utf8")).realistic.queries as JudgedCase[];
}

/** Normalised discounted cumulative gain of the first k hits (gain 2^grade − 1, log2 discount). */
export function ndcgAt(k: number, ranked: string[], relevant: Record<string, number>): number {
  const gain = (grade: number) => 2 ** grade - 1;
  let dcg = 0;
  ranked.slice(0, k).forEach((n, i) => (dcg += gain(relevant[n] ?? 0) / Math.log2(i + 2)));
  const ideal = Object.values(relevant)
    .sort((a, b) => b - a)
    .slice(0, k)
    .reduce((sum, grade, i) => sum + gain(grade) / Math.log2(i + 2), 0);
  return ideal ? dcg / ideal : ranked.length ? 0 : 1;
}

/** Searches every judged query as `reader`: nDCG@10 on the first page, recall over all pages. */
export async function runJudged(engine: SearchEngine, cases: JudgedCase[], reader: SearchReader): Promise<JudgedRow[]> {
  const rows: JudgedRow[] = [];
  for (const c of cases) {
    const found: string[] = [];
    for (let page = 1; page <= 10; page++) {
      const result = await engine.search(c.q, { reader, page, pageSize: 50 });
      found.push(...result.hits.map((h) => h.number));
      if (found.length >= result.total) break;
    }
    const wanted = Object.keys(c.relevant);
    rows.push({
      q: c.q,
      kind: c.kind,
      top: found.slice(0, 10),
      recall: wanted.length ? wanted.filter((n) => found.includes(n)).length / wanted.length : 1,
      ndcg10: ndcgAt(10, found, c.relevant),
    });
  }
  return rows;
}

/** Per kind and overall: mean nDCG@10 and recall, and the queries below 0.8 nDCG@10. */
export function judgedReport(engineName: string, rows: JudgedRow[]): string {
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 1);
  const line = (label: string, rs: JudgedRow[]) =>
    `  ${label.padEnd(16)} ${String(rs.length).padStart(3)} queries   nDCG@10 ${mean(rs.map((r) => r.ndcg10)).toFixed(3)}   recall ${mean(rs.map((r) => r.recall)).toFixed(3)}`;
  const out = [`Relevance on regulation-shaped text (${engineName}), ${rows.length} judged queries:`];
  for (const k of [...new Set(rows.map((r) => r.kind))]) out.push(line(k, rows.filter((r) => r.kind === k)));
  out.push(line("all", rows));
  for (const r of rows.filter((r) => r.ndcg10 < 0.8)) out.push(`  weak: ${JSON.stringify(r.q)} nDCG@10 ${r.ndcg10.toFixed(2)} top ${r.top.slice(0, 5).join(" ")}`);
  return out.join("\n");
}
