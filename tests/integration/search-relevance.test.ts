/**
 * The relevance set (tests/fixtures/relevance.json: Chinese fragments,
 * Traditional/Simplified pairs, titles, English prefixes, typos and phrases,
 * mixed text, numbers, and wording that only superseded or retired versions
 * had) against the embedded engine built from the sample documents. Recall
 * and precision are printed per kind of query; fragment queries must stay at
 * 1.0. The sample documents' restricted and retired cases are checked too.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorld, useWorldInProcess, type World } from "../helpers/world";
import { demoUser, startSearchInProcess } from "./search-fixtures";
import { loadRelevanceSet, relevanceReport, runRelevance, type RelevanceRow } from "./search-relevance-runner";
import type { SearchEngine, SearchReader } from "~/search/engine.server";

let world: World;
let engine: SearchEngine;
let admin: SearchReader;
let rows: RelevanceRow[];

beforeAll(async () => {
  delete process.env.MEILI_HOST;
  world = await createWorld();
  await useWorldInProcess(world);
  ({ engine } = await startSearchInProcess());
  admin = await demoUser("admin");
  rows = await runRelevance(engine, loadRelevanceSet(), admin);
  console.log(relevanceReport("embedded", rows));
});
afterAll(async () => world?.cleanup());

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe("relevance set (embedded engine)", () => {
  it("has at least 40 queries of every kind the issue names, over documents that exist", async () => {
    const set = loadRelevanceSet();
    expect(set.length).toBeGreaterThanOrEqual(40);
    const kinds = new Set(set.map((c) => c.kind));
    for (const k of ["fragment", "traditional", "english-prefix", "english-typo", "mixed", "phrase", "number", "old-wording"]) expect(kinds).toContain(k);
    const { allLatest } = await import("~/documents/version-index.server");
    const current = new Set(allLatest().filter((r) => !r.meta.retired).map((r) => r.number));
    for (const c of set) for (const n of c.expect) expect(current, `${c.q} expects ${n}`).toContain(n);
  });

  it("keeps recall and precision at 1.0 for Chinese fragment and Traditional/Simplified queries", () => {
    for (const r of rows.filter((r) => r.kind === "fragment" || r.kind === "traditional" || r.kind === "title")) {
      expect({ q: r.q, recall: r.recall, precision: r.precision, found: r.found }).toEqual({ q: r.q, recall: 1, precision: 1, found: expect.any(Array) });
    }
  });

  it("finds nothing for wording that only superseded or retired versions had", () => {
    for (const r of rows.filter((r) => r.kind === "old-wording")) expect({ q: r.q, found: r.found }).toEqual({ q: r.q, found: [] });
  });

  it("ranks a document first for its own number", () => {
    for (const r of rows.filter((r) => r.kind === "number")) expect({ q: r.q, first: r.found[0] }).toEqual({ q: r.q, first: r.expected[0] });
  });

  it("stays at full recall and precision over the whole set", () => {
    expect(mean(rows.map((r) => r.recall))).toBe(1);
    expect(mean(rows.map((r) => r.precision))).toBe(1);
  });
});

describe("the sample documents' restricted and retired cases", () => {
  it("finds the restricted marker only for readers of the document", async () => {
    const marker = "RESTRICTED-MARKER-7Q4Z";
    const numbersFor = async (reader: SearchReader) => (await engine.search(marker, { reader })).hits.map((h) => [h.number, h.readable]);
    expect(await numbersFor(admin)).toEqual([["EXE-005", true]]);
    expect(await numbersFor(await demoUser("hrhead"))).toEqual([["EXE-005", true]]);
    for (const username of ["staff", "finhead", "itstaff", "newhire"]) expect(await numbersFor(await demoUser(username)), username).toEqual([]);
    // Its title stays findable, without a snippet.
    const { hits } = await engine.search("薪酬職級", { reader: await demoUser("staff") });
    expect(hits.map((h) => [h.number, h.readable, h.snippetHtml])).toEqual([["EXE-005", false, null]]);
  });

  it("keeps department documents to their departments", async () => {
    // MON-006 (department-only, IT): 恢復測試 is in its body, 備份 in its title.
    const hits = async (q: string, username: string) => (await engine.search(q, { reader: await demoUser(username) })).hits.map((h) => [h.number, h.readable]);
    expect(await hits("恢復測試", "itstaff")).toEqual([["MON-006", true]]);
    expect(await hits("恢復測試", "staff")).toEqual([]);
    expect(await hits("備份", "staff")).toEqual([["MON-006", false]]);
  });

  it("shows the retired document only when asked, flagged as retired", async () => {
    expect((await engine.search("借閱", { reader: admin })).total).toBe(0);
    const { hits } = await engine.search("借閱", { reader: admin, filters: { includeRetired: true } });
    expect(hits.map((h) => [h.number, h.retired])).toEqual([["EXE-004", true]]);
  });
});
