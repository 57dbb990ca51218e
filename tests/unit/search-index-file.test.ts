// The embedded engine's saved file written and read a slice at a time (decision 131): the same JSON
// value as before, so an older file still loads; the portal gets the event loop back between slices.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseIndexFile, writeIndexFile, type SavedIndexFile } from "~/search/index-file";
import { PostingsIndex } from "~/search/postings";
import { indexTerms } from "~/search/tokenize";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "regula-index-file-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

type Doc = { number: string; title: string; text: string };

/** Documents whose text holds what could confuse a line reader: line breaks, quotes, the layout's own markers. */
function documents(count: number): Doc[] {
  return Array.from({ length: count }, (_, i) => ({
    number: `REG-${String(i).padStart(4, "0")}`,
    title: `第${i + 1}号 "规程"`,
    text: `第一条 总则\n第二条 ],"index":{} 与 "docs":[ 不是版式。\r\n\u2028 ${"应当依照本办法执行。".repeat(200 + (i % 7))}`,
  }));
}

function postingsOf(docs: Doc[]) {
  const index = new PostingsIndex();
  for (const d of docs) index.add(d.number, [indexTerms(d.number), indexTerms(d.title), [], indexTerms(d.text.slice(0, 400))]);
  return index;
}

/** The postings as text: the reader hands them on as the bytes of their base64 text, as they stand in the file. */
function withPostingsText<D, I extends { postings: string | Uint8Array }>(file: SavedIndexFile<D, I>): SavedIndexFile<D, I> {
  const postings = file.index.postings;
  return { ...file, index: { ...file.index, postings: typeof postings === "string" ? postings : Buffer.from(postings).toString("latin1") } };
}

describe("the saved search index file", () => {
  it("is one JSON value that reads back the same, line by line, with the event loop handed back between slices", async () => {
    const docs = documents(1500);
    const index = postingsOf(docs);
    const data: SavedIndexFile<Doc, ReturnType<PostingsIndex["toJSON"]>> = { format: 3, tokenizer: 2, head: "abc123", savedAt: "2026-12-07T00:00:00.000Z", docs, index: index.toJSON() };
    const file = path.join(dir, "big.json");
    let pauses = 0;
    await writeIndexFile(file, data, async () => void pauses++);
    const text = fs.readFileSync(file, "utf8");
    expect(pauses).toBeGreaterThan(2);
    // Still one JSON value: what an older version (or a person) reads whole is the same.
    expect(JSON.parse(text)).toEqual(data);
    let readPauses = 0;
    const read = await parseIndexFile<Doc, ReturnType<PostingsIndex["toJSON"]>>(text, async () => void readPauses++);
    expect(read.index.postings).toBeInstanceOf(Uint8Array);
    expect(withPostingsText(read)).toEqual(data);
    expect(readPauses).toBeGreaterThan(2);
    // The postings read in slices answer as the index they were saved from.
    let restorePauses = 0;
    const restored = await PostingsIndex.fromSaved(read.index, async () => void restorePauses++, 5_000);
    const query = [{ term: "应当", prefix: false, fuzzy: 0 }];
    const boosts = [6, 3, 2, 1];
    expect(restored.search(query, boosts).matches).toEqual(index.search(query, boosts).matches);
    expect(restored.size).toBe(1500);
    expect(restorePauses).toBeGreaterThan(0);
  });

  it("reads a file written whole, as older versions wrote it, and one with no documents", async () => {
    const docs = documents(3);
    const data = { format: 3, tokenizer: 2, head: null, savedAt: "2026-12-07T00:00:00.000Z", docs, index: postingsOf(docs).toJSON() };
    expect(await parseIndexFile(JSON.stringify(data), async () => undefined)).toEqual({ ...data, readWhole: true });
    const empty = { ...data, docs: [] as Doc[] };
    const file = path.join(dir, "empty.json");
    await writeIndexFile(file, empty, async () => undefined);
    expect(withPostingsText(await parseIndexFile<Doc, ReturnType<PostingsIndex["toJSON"]>>(fs.readFileSync(file, "utf8"), async () => undefined))).toEqual(empty);
  });

  it("refuses postings that are not base64 in the middle of the file's last line", async () => {
    const docs = documents(200);
    const file = path.join(dir, "spoilt.json");
    await writeIndexFile(file, { format: 3, tokenizer: 2, head: null, savedAt: "x", docs, index: postingsOf(docs).toJSON() }, async () => undefined);
    const bytes = fs.readFileSync(file);
    const start = bytes.lastIndexOf(Buffer.from('"postings":"')) + '"postings":"'.length;
    bytes[Math.floor((start + bytes.length) / 2)] = "!".charCodeAt(0);
    const read = await parseIndexFile<Doc, ReturnType<PostingsIndex["toJSON"]>>(bytes, async () => undefined);
    await expect(PostingsIndex.fromSaved(read.index, async () => undefined)).rejects.toThrow(/not base64/);
  });

  it("refuses a file cut short", async () => {
    const docs = documents(50);
    const file = path.join(dir, "cut.json");
    await writeIndexFile(file, { format: 3, tokenizer: 2, head: null, savedAt: "x", docs, index: postingsOf(docs).toJSON() }, async () => undefined);
    const text = fs.readFileSync(file, "utf8");
    await expect(parseIndexFile(text.slice(0, Math.floor(text.length / 2)), async () => undefined)).rejects.toThrow();
    await expect(parseIndexFile(text.slice(0, text.lastIndexOf("\n")), async () => undefined)).rejects.toThrow(/ends before its index/);
  });

  it("is written again in lines when the engine opened one in the older one-line layout", async () => {
    const { EmbeddedEngine } = await import("~/search/embedded.server");
    const file = path.join(dir, "engine", "embedded.json");
    const first = new EmbeddedEngine({ file, pause: async () => undefined });
    for (const d of documents(30))
      await first.indexDocument({ ...d, category: "REG", type: "policy", ownerDepartment: "ops", audienceDepartments: [], confidentiality: "internal", version: 1, effectiveDate: null, retired: false, blob: `blob-${d.number}` });
    await first.setHead("abc");
    await first.flush();
    const lines = () => fs.readFileSync(file, "utf8").split("\n").length;
    expect(lines()).toBeGreaterThan(30);
    // As an older version wrote it: one line.
    fs.writeFileSync(file, JSON.stringify(JSON.parse(fs.readFileSync(file, "utf8"))));
    expect(lines()).toBe(1);
    const second = new EmbeddedEngine({ file, pause: async () => undefined });
    expect(await second.open()).toEqual({ head: "abc" });
    await second.flush();
    expect(lines()).toBeGreaterThan(30);
    const third = new EmbeddedEngine({ file, pause: async () => undefined });
    expect(await third.open()).toEqual({ head: "abc" });
    await third.flush();
  });
});
