/**
 * Attachment text benchmarks:
 *  - OCR throughput: scanned pages we make ourselves (Chinese and English text
 *    rendered by Chromium, put into a PDF with no text layer) read one page at
 *    a time as the queue does — time per page, pages per minute, and how many
 *    pages gave back their key phrase;
 *  - search latency with attachment text indexed against without, in the same
 *    run: the same synthetic documents built twice into the embedded engine,
 *    once with 4 attachment pages on every fifth document, queries interleaved.
 *
 * `measureAttachmentBench(row, log)` is called by scripts/bench.ts; run alone with
 * `npx tsx scripts/bench/ocr.ts` (BENCH_OCR_PAGES, BENCH_OCR_SEARCH_DOCS).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { SearchDoc } from "~/search/engine.server";
import { percentile, summarize, timeQueries } from "./query-timing";

type Row = (measure: string, result: string, target?: string, ok?: boolean | null) => void;

const ZH_LINES = ["设备点检记录", "消防演练签到表", "危险品出入库台账", "供应商资质审核记录", "纸质档案移交清单", "质量异常处理单", "培训签到与考核记录", "仓库温湿度记录"];
const EN_LINES = ["Equipment inspection log", "Fire drill attendance", "Hazardous goods ledger", "Supplier audit record", "Paper records handover", "Quality deviation form", "Training sign-in sheet", "Warehouse climate log"];

export interface OcrBenchResult {
  pages: number;
  msPerPageP50: number;
  msPerPageMean: number;
  pagesPerMinute: number;
  phrasesFound: number;
}

/** OCR of `pages` scanned pages, one at a time (as the queue reads them). */
export async function benchOcr(pages: number): Promise<OcrBenchResult | null> {
  const { ocrStatus } = await import("~/attachments/text/ocr.server");
  if (!(await ocrStatus()).available) return null;
  const { scannedPdf } = await import("../../tests/fixtures/scanned-pages");
  const { Extraction, newEntry } = await import("~/attachments/text/extract.server");
  const { fold } = await import("~/search/tokenize");
  const content = Array.from({ length: pages }, (_, i) => [
    `${ZH_LINES[i % ZH_LINES.length]} 第${i + 1}页`,
    "本页为纸质记录的扫描件，按文件控制程序归档保存，保存期限为十年。",
    `${EN_LINES[i % EN_LINES.length]}, page ${i + 1}`,
    "This page is a scan of a paper record kept under the document control procedure.",
  ]);
  const pdf = await scannedPdf(content);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "regula-bench-ocr-"));
  const entry = newEntry("b".repeat(64), "pdf");
  const run = new Extraction(entry, pdf, work);
  const times: number[] = [];
  try {
    while (!entry.done) {
      const step = await run.step();
      if (step.kind === "ocr-page") times.push(step.ms);
      if (step.kind === "failed") throw new Error(`OCR failed: ${entry.failure?.message}`);
    }
  } finally {
    await run.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
  const found = entry.parts.filter((p, i) => fold(p.text).replace(/\s/g, "").includes(fold(ZH_LINES[i % ZH_LINES.length]))).length;
  const sorted = [...times].sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / Math.max(1, times.length);
  return {
    pages: times.length,
    msPerPageP50: Math.round(percentile(sorted, 50)),
    msPerPageMean: Math.round(mean),
    pagesPerMinute: Math.round((60_000 / mean) * 10) / 10,
    phrasesFound: found,
  };
}

export interface AttachmentSearchBenchResult {
  documents: number;
  withAttachments: number;
  attachmentPages: number;
  queries: number;
  without: { p50Ms: number; p95Ms: number };
  with: { p50Ms: number; p95Ms: number };
}

const QUERIES = ["处理", "版本控制", "审批流程", "供应商评估", "審批", "应急预案", "approval", "procure", "inspecton", '"approval workflow"', "budget 预算", "audit 内控", "出差 travel", "入职培训", "标签"];

/** Query latency of the embedded engine with and without attachment text, same documents, same run. */
export async function benchAttachmentSearch(documents: number, rounds = 8): Promise<AttachmentSearchBenchResult> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "regula-bench-att-search-"));
  const previous = process.env.DATA_DIR;
  process.env.DATA_DIR = dataDir;
  const { resetEnvForTests } = await import("~/utils/env.server");
  try {
    resetEnvForTests();
    const { loadDb } = await import("~/data/db.server");
    await loadDb();
    const { EmbeddedEngine } = await import("~/search/embedded.server");
    const { syntheticDocuments } = await import("../bench-search");
    const docs = syntheticDocuments(documents) as SearchDoc[];
    // Attachment pages: text of other synthetic documents (the same vocabulary, so queries hit them too).
    const pagesText = syntheticDocuments(Math.ceil(documents / 5) * 4, 7).map((d) => d.text);
    let next = 0;
    const withAttachments = docs.map((d, i) =>
      i % 5 === 0
        ? { ...d, attachments: [1, 2, 3, 4].map((page) => ({ name: `${d.number} 扫描件.pdf`, locator: { kind: "page" as const, value: String(page) }, text: pagesText[next++ % pagesText.length] })) }
        : d,
    );
    const plain = new EmbeddedEngine({ file: null });
    const rich = new EmbeddedEngine({ file: null });
    await plain.rebuild(docs);
    await rich.rebuild(withAttachments);
    const reader = { id: "bench-reader", roles: ["staff" as const], departmentId: "ops" };
    for (const q of QUERIES) {
      await plain.search(q, { reader });
      await rich.search(q, { reader });
    }
    // Interleaved, so that other load on the machine falls on both alike.
    const [a, b] = await timeQueries(QUERIES, rounds, [
      (q, round) => plain.search(q, { reader, page: 1 + (round % 2) }),
      (q, round) => rich.search(q, { reader, page: 1 + (round % 2) }),
    ]);
    const without = summarize(a);
    const withText = summarize(b);
    return {
      documents,
      withAttachments: withAttachments.filter((d) => "attachments" in d).length,
      attachmentPages: next,
      queries: without.queries,
      without: { p50Ms: without.p50Ms, p95Ms: without.p95Ms },
      with: { p50Ms: withText.p50Ms, p95Ms: withText.p95Ms },
    };
  } finally {
    if (previous === undefined) delete process.env.DATA_DIR;
    else process.env.DATA_DIR = previous;
    resetEnvForTests();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The rows scripts/bench.ts adds to BENCHMARKS.md. */
export async function measureAttachmentBench(row: Row, log: (line: string) => void): Promise<void> {
  const pages = Number(process.env.BENCH_OCR_PAGES) || 6;
  log(`OCR of ${pages} scanned pages …`);
  const ocr = await benchOcr(pages);
  if (!ocr) row("OCR of scanned pages", "Tesseract not available: not measured", "", null);
  else
    row(
      `OCR of scanned pages (Chinese + English, chi_sim+chi_tra+eng, one thread, ${ocr.pages} pages)`,
      `p50 ${(ocr.msPerPageP50 / 1000).toFixed(1)} s per page, mean ${(ocr.msPerPageMean / 1000).toFixed(1)} s (${ocr.pagesPerMinute} pages/min); key phrase read back on ${ocr.phrasesFound} of ${ocr.pages} pages`,
      "recorded",
      ocr.phrasesFound === ocr.pages,
    );
  const documents = Number(process.env.BENCH_OCR_SEARCH_DOCS) || Math.min(Number(process.env.BENCH_DOCS) || 10_000, 10_000);
  log(`Search with and without attachment text (${documents} documents) …`);
  const s = await benchAttachmentSearch(documents);
  row(
    `search without attachment text (${s.documents} documents, ${s.queries} queries)`,
    `p50 ${s.without.p50Ms} ms, p95 ${s.without.p95Ms} ms`,
    "",
    null,
  );
  // "Unchanged": within a quarter, or a millisecond for very fast queries (timer noise on a shared machine).
  const ok = s.with.p95Ms <= Math.max(s.without.p95Ms * 1.25, s.without.p95Ms + 1);
  row(
    `search with attachment text (same documents; ${s.withAttachments} with ${s.attachmentPages} attachment pages)`,
    `p50 ${s.with.p50Ms} ms, p95 ${s.with.p95Ms} ms`,
    "p95 unchanged (≤ 1.25× without)",
    ok,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const lines: string[] = [];
  measureAttachmentBench(
    (measure, result, target, ok) => lines.push(`${ok === null || ok === undefined ? " " : ok ? "✓" : "✗"} ${measure}: ${result}${target ? `  [target ${target}]` : ""}`),
    (line) => console.log(line),
  )
    .then(() => console.log(lines.join("\n")))
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}
