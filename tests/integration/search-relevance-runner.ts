/**
 * Runs the relevance set (tests/fixtures/relevance.json) against an engine and
 * measures recall and precision per query and per kind of query. Shared by the
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
    for (let page = 1; page <= 10; page++) {
      const result = await engine.search(c.q, { reader, page, pageSize: 50 });
      found.push(...result.hits.map((h) => h.number));
      if (found.length >= result.total) break;
    }
    const hits = found.filter((n) => c.expect.includes(n)).length;
    rows.push({
      q: c.q,
      kind: c.kind,
      expected: c.expect,
      found,
      recall: c.expect.length ? hits / c.expect.length : found.length === 0 ? 1 : 0,
      precision: found.length ? hits / found.length : c.expect.length === 0 ? 1 : 0,
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
