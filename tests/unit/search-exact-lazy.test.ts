/**
 * Exact text (Chinese runs of three or more characters) checked only where it
 * decides what a reader sees: when many documents hold the run's character
 * pairs, the page shown is checked in rank order and the total is estimated
 * from a sample; the hits, their order and what they miss are the same as
 * when every document is checked.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SearchDoc, SearchResult } from "~/search/engine.server";

let dataDir: string;
beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "regula-exact-lazy-"));
  process.env.DATA_DIR = dataDir;
  const { resetEnvForTests } = await import("~/utils/env.server");
  resetEnvForTests();
  const { loadDb } = await import("~/data/db.server");
  await loadDb();
});
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const reader = { id: "lazy-reader", roles: ["staff" as const], departmentId: "ops" };
const CATEGORIES = ["INI", "APR", "EXE", "MON", "ACC"];

/**
 * 900 documents all holding the pairs 责令, 令改, 改正; every third holds the
 * run 责令改正 itself (300), the others only its pairs apart (责令停业 … 令改 … 改正措施).
 */
function corpus(): SearchDoc[] {
  const docs: SearchDoc[] = [];
  for (let i = 0; i < 900; i++) {
    const holds = i % 3 === 0;
    const filler = "本办法所称的监督检查包括日常巡查、专项检查和抽查。".repeat(1 + (i % 7));
    const text = holds
      ? `第${i + 1}条 ${filler} 违反本办法规定的，由主管部门责令改正，给予警告。${"改正".repeat(i % 4)}`
      : `第${i + 1}条 ${filler} 情节严重的责令停业。命令改由专人执行。${"改正措施".repeat(1 + (i % 4))}`;
    docs.push({
      number: `${CATEGORIES[i % 5]}-${String(i + 1).padStart(3, "0")}`,
      title: `监督检查办法 ${i + 1}`,
      category: CATEGORIES[i % 5],
      type: "policy",
      ownerDepartment: i % 2 ? "ops" : "qa",
      audienceDepartments: [],
      confidentiality: "internal",
      version: 1,
      effectiveDate: null,
      retired: false,
      text,
      blob: `lazy-${i}`,
    });
  }
  return docs;
}

async function engines() {
  const { EmbeddedEngine } = await import("~/search/embedded.server");
  const docs = corpus();
  const lazy = new EmbeddedEngine({ file: null });
  const exact = new EmbeddedEngine({ file: null, exactChecks: Infinity });
  await lazy.rebuild(docs);
  await exact.rebuild(docs);
  return { lazy, exact };
}

const shown = (r: SearchResult) => r.hits.map((h) => `${h.number} ${h.score} ${h.missing.join("|")}`);

describe("exact text checked lazily", () => {
  it("shows the same page, in the same order, as checking every document, and estimates the total", async () => {
    const { lazy, exact } = await engines();
    for (const page of [1, 2, 5]) {
      const full = await exact.search("责令改正", { reader, page });
      const quick = await lazy.search("责令改正", { reader, page });
      expect(full.estimated).toBeUndefined();
      expect(full.total).toBe(300);
      expect(shown(quick), `page ${page}`).toEqual(shown(full));
      // Every hit shown holds the run itself.
      expect(quick.hits.every((h) => h.snippetHtml?.includes("<mark>责令改正</mark>"))).toBe(true);
      expect(quick.hits).toHaveLength(20);
      if (quick.estimated) {
        // From a sample of the 900 documents holding the pairs: close to the 300 that hold the run.
        expect(quick.total).toBeGreaterThan(240);
        expect(quick.total).toBeLessThan(360);
        const categories = Object.values(quick.facets.category).reduce((a, b) => a + b, 0);
        expect(Math.abs(categories - quick.total)).toBeLessThanOrEqual(5);
      } else expect(quick.total).toBe(300);
    }
  });

  it("checks only part of the candidates the first time, so the first answer is an estimate, and never lists a document without the run", async () => {
    const { lazy } = await engines();
    const first = await lazy.search("责令改正", { reader, pageSize: 50 });
    expect(first.estimated).toBe(true);
    expect(first.hits.every((h) => h.missing.length === 0)).toBe(true);
    // Walking every page lists exactly the 300 documents that hold the run.
    const seen = new Set<string>();
    for (let page = 1; page <= 8; page++) for (const h of (await lazy.search("责令改正", { reader, page, pageSize: 50 })).hits) seen.add(h.number);
    const holding = corpus().filter((d) => d.text.includes("责令改正")).map((d) => d.number);
    expect([...seen].sort()).toEqual(holding.sort());
  });

  it("keeps the answers it checked: the same search later counts exactly once every candidate was read", async () => {
    const { lazy } = await engines();
    // Two parts: 监督 matches everywhere, so every document is listed and only the rank depends on the run.
    const mixed = await lazy.search("责令改正 监督", { reader });
    expect(mixed.estimated).toBeUndefined();
    expect(mixed.total).toBe(900);
    expect(mixed.hits.every((h) => h.missing.length === 0)).toBe(true);
    // Pages 1 to 18 of 50 read every candidate; afterwards the single-part total is exact.
    for (let page = 1; page <= 18; page++) await lazy.search("责令改正", { reader, page, pageSize: 50 });
    const after = await lazy.search("责令改正", { reader });
    expect(after.estimated).toBeUndefined();
    expect(after.total).toBe(300);
  });
});
