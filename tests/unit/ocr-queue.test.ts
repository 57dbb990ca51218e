/**
 * The OCR queue: a scanned PDF is read one page at a time with its progress
 * saved; stopped mid-file (a shutdown) and started again in a "new process"
 * (state read back from disk), it resumes at the next page — no page is read
 * twice — and every document carrying the file is re-indexed once. The same
 * file published again elsewhere is never OCR'd again.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enqueueVersion, kick, loadQueue, queueIdle, queueStatus, resetQueueForTests, stopQueue } from "~/attachments/text/queue.server";
import { attachmentTexts } from "~/attachments/text/index-text.server";
import { setAttachmentSource, type AttachmentInfo } from "~/attachments/text/source.server";
import { readEntry } from "~/attachments/text/store.server";
import { resetOcrStatus } from "~/attachments/text/ocr.server";
import { on } from "~/documents/events.server";
import { resetEnvForTests } from "~/utils/env.server";
import { fold } from "~/search/tokenize";
import { scannedPdf } from "../fixtures/scanned-pages";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "regula-ocr-queue-"));
const PAGES = [
  ["第一页 设备点检记录", "Equipment inspection log"],
  ["第二页 消防演练签到", "Fire drill attendance"],
  ["第三页 危险品出入库台账", "Hazardous goods ledger"],
];
let pdf: Buffer;
let info: AttachmentInfo;
let late: Buffer;
let lateInfo: AttachmentInfo;
const reindexed: string[] = [];

beforeAll(async () => {
  process.env.DATA_DIR = dataDir;
  resetEnvForTests();
  pdf = await scannedPdf(PAGES);
  info = { name: "点检记录扫描件.pdf", size: pdf.length, sha256: crypto.createHash("sha256").update(pdf).digest("hex"), type: "application/pdf" };
  late = await scannedPdf([["锅炉水质化验记录", "Boiler water test record"]]);
  lateInfo = { name: "水质化验.pdf", size: late.length, sha256: crypto.createHash("sha256").update(late).digest("hex"), type: "application/pdf" };
  const files: Record<string, AttachmentInfo[]> = { "OPS-001@3": [info], "QA-002@1": [info], "OPS-003@1": [lateInfo] };
  setAttachmentSource({
    list: async (number, version) => files[`${number}@${version}`] ?? [],
    read: async (number, version, name) => {
      if (!(files[`${number}@${version}`] ?? []).some((f) => f.name === name)) throw new Error("no such attachment");
      return name === lateInfo.name ? late : pdf;
    },
  });
  on("attachment.text-ready", "ocr-queue-test", ({ number }) => void reindexed.push(number));
});

afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function untilOcrPages(n: number) {
  // Bounded by the work itself: the loop ends as soon as that many pages are read.
  while (queueStatus().totals.ocrPages < n) await new Promise((r) => setTimeout(r, 50));
}

describe("the OCR queue", () => {
  it("resumes at the next page after a stop, reading no page twice", async () => {
    resetQueueForTests();
    await loadQueue();
    const first = await enqueueVersion("OPS-001", 3);
    expect(first.queued).toBe(1);
    await untilOcrPages(1);
    await stopQueue(); // the page in progress finishes, then the worker stops
    const stoppedAt = queueStatus().totals.ocrPages;
    expect(stoppedAt).toBeGreaterThanOrEqual(1);
    const saved = await readEntry(info.sha256);
    expect(saved?.done).toBe(stoppedAt === 3);
    expect(saved?.next).toBe(stoppedAt + 1);

    // A new process: everything is read back from disk.
    resetQueueForTests();
    await loadQueue();
    expect(queueStatus().totals.ocrPages).toBe(stoppedAt);
    kick();
    await queueIdle();

    const status = queueStatus();
    expect(status.queued).toBe(0);
    expect(status.totals.ocrPages).toBe(3);
    expect(status.totals.files).toBe(1);
    const entry = await readEntry(info.sha256);
    expect(entry?.done).toBe(true);
    expect(entry?.parts.map((p) => [p.locator?.value, p.via])).toEqual([
      ["1", "ocr"],
      ["2", "ocr"],
      ["3", "ocr"],
    ]);
    expect(fold(entry!.parts[2].text).replace(/\s/g, "")).toContain("危险品出入库台账");
    expect(reindexed).toEqual(["OPS-001"]);

    const parts = await attachmentTexts("OPS-001", 3);
    expect(parts.map((p) => p.name)).toEqual([info.name, info.name, info.name]);
    expect(parts[1].locator).toEqual({ kind: "page", value: "2" });
  });

  it("never reads the same file again: another document carrying it is only re-indexed", async () => {
    const again = await enqueueVersion("QA-002", 1);
    expect(again).toEqual({ queued: 0, ready: true });
    await queueIdle();
    expect(queueStatus().totals.ocrPages).toBe(3);
    expect((await attachmentTexts("QA-002", 1)).length).toBe(3);
  });

  it("reads a scan again once OCR is available when it was first read without it", async () => {
    process.env.TESSERACT = "/nonexistent/tesseract";
    resetOcrStatus();
    try {
      expect((await enqueueVersion("OPS-003", 1)).queued).toBe(1);
      await queueIdle();
      const skipped = await readEntry(lateInfo.sha256);
      expect(skipped).toMatchObject({ done: true, ocrSkipped: 1, ocrPages: 0, parts: [] });
      // Still no OCR: nothing to do again.
      expect(await enqueueVersion("OPS-003", 1)).toEqual({ queued: 0, ready: true });
    } finally {
      delete process.env.TESSERACT;
      resetOcrStatus();
    }
    expect((await enqueueVersion("OPS-003", 1)).queued).toBe(1);
    await queueIdle();
    const read = await readEntry(lateInfo.sha256);
    expect(read).toMatchObject({ done: true, ocrSkipped: 0, ocrPages: 1 });
    expect(fold(read!.parts[0].text).replace(/\s/g, "")).toContain("锅炉水质化验记录");
  });
});
