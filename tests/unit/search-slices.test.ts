import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asSearchDoc, regulationCorpus } from "../../scripts/bench/regulations";
import type { SearchDoc } from "~/search/engine.server";
import { foldSparse, SparseFolder } from "~/search/tokenize";

let dataDir: string;
beforeAll(async () => {
  // The read policy consults the database (grants): an empty one of its own.
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "regula-search-slices-"));
  process.env.DATA_DIR = dataDir;
  const { resetEnvForTests } = await import("~/utils/env.server");
  resetEnvForTests();
  const { loadDb } = await import("~/data/db.server");
  await loadDb();
});
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const reader = { id: "slices-reader", roles: ["staff" as const], departmentId: "ops" };
const docs: SearchDoc[] = regulationCorpus({ documents: 5, minKB: 150, maxKB: 250, englishShare: 0.2, seed: 31 }).map(asSearchDoc);
const QUERIES = ["应当", "依照本法 罚款", "县级以上人民政府 监督管理", "第十条", "access control", "anti-bribry"];

describe("folding a long text in slices", () => {
  it("gives the same folded text and snippet marks as folding it at once", () => {
    for (const d of docs) {
      const folder = new SparseFolder(d.text);
      let slices = 0;
      while (!folder.done) {
        folder.fold(2000);
        slices++;
      }
      expect(slices).toBeGreaterThan(5);
      expect(folder.finish()).toEqual(foldSparse(d.text));
    }
  });
});

describe("indexing a long document", () => {
  it("lets other work run between slices of its text, and indexes exactly what a rebuild does", async () => {
    const { EmbeddedEngine, INDEX_SLICE_CHARS } = await import("~/search/embedded.server");
    let pauses = 0;
    const sliced = new EmbeddedEngine({
      file: null,
      pause: () => {
        pauses++;
        return new Promise((resolve) => setImmediate(resolve));
      },
    });
    const rebuilt = new EmbeddedEngine({ file: null });
    await rebuilt.rebuild(docs);
    let expectedPauses = 0;
    for (const d of docs) {
      const before = pauses;
      await sliced.indexDocument(d);
      // A pause after every slice but the last: one per INDEX_SLICE_CHARS of text, give or take a paragraph.
      expect(pauses - before, d.number).toBeGreaterThanOrEqual(Math.floor(d.text.length / (INDEX_SLICE_CHARS * 1.2)) - 1);
      expectedPauses += pauses - before;
    }
    expect(expectedPauses).toBeGreaterThanOrEqual(docs.length * 2);
    for (const q of QUERIES) {
      const a = await sliced.search(q, { reader });
      const b = await rebuilt.search(q, { reader });
      expect(a.total, q).toBe(b.total);
      expect(a.hits.map((h) => [h.number, h.score, h.snippetHtml]), q).toEqual(b.hits.map((h) => [h.number, h.score, h.snippetHtml]));
    }
  });

  it("answers searches between slices from what was indexed before, and the document once it is complete", async () => {
    const { EmbeddedEngine } = await import("~/search/embedded.server");
    let resume: () => void = () => {};
    let paused = 0;
    const engine = new EmbeddedEngine({
      file: null,
      pause: () => {
        paused++;
        return new Promise<void>((resolve) => (resume = resolve));
      },
    });
    const [first, second] = docs;
    const indexing = engine.indexDocument(first);
    // Paused inside the document: nothing of it can be found yet, and a search answers.
    await new Promise((resolve) => setImmediate(resolve));
    expect(paused).toBe(1);
    expect((await engine.search(first.title, { reader })).total).toBe(0);
    // A second document waits for the first (one document is counted at a time).
    const next = engine.indexDocument(second);
    while (paused < 40) {
      const before = paused;
      resume();
      await new Promise((resolve) => setImmediate(resolve));
      if (paused === before) break; // the first document is complete
    }
    await indexing;
    expect((await engine.search(first.title, { reader })).hits[0]?.number).toBe(first.number);
    while (engine.documentCount < 2) {
      resume();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await next;
    expect((await engine.search(second.title, { reader })).hits[0]?.number).toBe(second.number);
  });
});
