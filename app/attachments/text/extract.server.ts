/**
 * Extraction of one attachment's text, in steps: a whole .docx/.xlsx/.pptx is
 * one step, a PDF one page per step (text layer, or OCR for a scanned page),
 * an image one OCR step. The OCR queue saves the entry after every step, so
 * a restart resumes at the next page.
 */
import fsp from "node:fs/promises";
import path from "node:path";
import { EXTRACT_LIMITS, ExtractionError, type ExtractionFailure } from "./limits";
import { ocrImageBytes, ocrPdfPage, ocrStatus } from "./ocr.server";
import { docxText, pptxText, xlsxText } from "./office.server";
import { hasTextLayer, openPdf, type PdfReader } from "./pdf.server";
import type { TextKind, TextPart } from "./types";

const BY_TYPE: Record<string, TextKind> = {
  "application/pdf": "pdf",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
  "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
  "image/png": "image",
  "image/jpeg": "image",
  "image/tiff": "image",
  "image/bmp": "image",
  "image/gif": "image",
  "image/webp": "image",
};
const BY_EXTENSION: Record<string, TextKind> = {
  pdf: "pdf",
  docx: "docx",
  xlsx: "xlsx",
  pptx: "pptx",
  png: "image",
  jpg: "image",
  jpeg: "image",
  tif: "image",
  tiff: "image",
  bmp: "image",
  gif: "image",
  webp: "image",
};

/** What kind of text a file holds, from its (sniffed) type, else its name; null = none extracted. */
export function textKind(name: string, type: string | null | undefined): TextKind | null {
  const mime = (type ?? "").split(";")[0].trim().toLowerCase();
  if (BY_TYPE[mime]) return BY_TYPE[mime];
  // Zip-based Office files are often sniffed only as a zip; the name tells which.
  if (mime && mime !== "application/zip" && mime !== "application/octet-stream" && mime !== "application/x-zip-compressed") return null;
  const ext = /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase() ?? "";
  const byName = BY_EXTENSION[ext];
  if (mime === "application/zip" || mime === "application/x-zip-compressed") return byName === "docx" || byName === "xlsx" || byName === "pptx" ? byName : null;
  return byName ?? null;
}

/** The extracted text of one file (by content hash), possibly still in progress. */
export interface TextEntry {
  format: 1;
  sha256: string;
  kind: TextKind;
  /** Pages to read (PDF), null before the file is opened or for other kinds. */
  pages: number | null;
  /** Pages in the PDF file (more than `pages` when the page limit cut it). */
  pagesInFile?: number;
  /** The next page to read (PDF, 1-based). */
  next: number;
  parts: TextPart[];
  chars: number;
  /** Pages (or images) read by OCR. */
  ocrPages: number;
  /** Pages that needed OCR and did not get it (Tesseract missing, or the OCR page limit). */
  ocrSkipped: number;
  /** Milliseconds spent in OCR (rendering and reading). */
  ocrMs: number;
  done: boolean;
  failure?: { code: ExtractionFailure | "error"; message: string };
  updatedAt: string;
}

export function newEntry(sha256: string, kind: TextKind): TextEntry {
  return { format: 1, sha256, kind, pages: null, next: 1, parts: [], chars: 0, ocrPages: 0, ocrSkipped: 0, ocrMs: 0, done: false, updatedAt: new Date().toISOString() };
}

function addPart(entry: TextEntry, part: TextPart) {
  const room = EXTRACT_LIMITS.maxChars - entry.chars;
  if (room <= 0 || !part.text) return;
  const text = part.text.length > room ? part.text.slice(0, room) : part.text;
  entry.parts.push({ ...part, text });
  entry.chars += text.length;
}

export function isAbort(error: unknown): boolean {
  const e = error as { name?: string; code?: string } | null;
  return e?.name === "AbortError" || e?.code === "ABORT_ERR";
}

function fail(entry: TextEntry, error: unknown) {
  entry.done = true;
  entry.failure =
    error instanceof ExtractionError ? { code: error.code, message: error.message } : { code: "error", message: (error as Error)?.message ?? String(error) };
}

/**
 * Works through one file. `bytes` is read once; for a PDF the file is also
 * written to `workDir` for pdftoppm (removed by `close`).
 */
export class Extraction {
  private pdf: PdfReader | null = null;
  private pdfFile: string | null = null;

  constructor(
    readonly entry: TextEntry,
    private bytes: Buffer,
    private workDir: string,
  ) {}

  /** Does the next step and updates the entry; returns what the step was (for progress and throughput). */
  async step(): Promise<{ kind: "file" | "page" | "ocr-page" | "skipped" | "failed"; page?: number; ms: number }> {
    const started = performance.now();
    const entry = this.entry;
    const took = () => Math.round(performance.now() - started);
    if (entry.done) return { kind: "file", ms: 0 };
    try {
      if (this.bytes.length > EXTRACT_LIMITS.maxBytes) throw new ExtractionError("too_large", `${this.bytes.length} bytes is over the extraction limit`);
      switch (entry.kind) {
        case "docx":
        case "xlsx":
        case "pptx": {
          const parts = entry.kind === "docx" ? await docxText(this.bytes) : entry.kind === "xlsx" ? await xlsxText(this.bytes) : await pptxText(this.bytes);
          for (const p of parts) addPart(entry, p);
          entry.done = true;
          return { kind: "file", ms: took() };
        }
        case "image": {
          const ocr = await ocrStatus();
          if (!ocr.available) {
            entry.ocrSkipped = 1;
            entry.done = true;
            return { kind: "skipped", ms: took() };
          }
          const text = await ocrImageBytes(this.bytes, "img");
          addPart(entry, { locator: null, text, via: "ocr" });
          entry.ocrPages = 1;
          entry.ocrMs += took();
          entry.done = true;
          return { kind: "ocr-page", page: 1, ms: took() };
        }
        case "pdf":
          return await this.pdfStep(started);
      }
    } catch (error) {
      // Cancelled by a shutdown: the entry stays as it was, the page is read at the next start.
      if (isAbort(error)) throw error;
      fail(entry, error);
      return { kind: "failed", ms: took() };
    } finally {
      entry.updatedAt = new Date().toISOString();
    }
  }

  private async pdfStep(started: number): Promise<{ kind: "page" | "ocr-page" | "skipped" | "file"; page?: number; ms: number }> {
    const entry = this.entry;
    this.pdf ??= await openPdf(this.bytes);
    entry.pages = this.pdf.pages;
    entry.pagesInFile = this.pdf.pagesInFile;
    if (entry.next > entry.pages) {
      entry.done = true;
      return { kind: "file", ms: Math.round(performance.now() - started) };
    }
    const page = entry.next;
    const locator = { kind: "page" as const, value: String(page) };
    const text = await this.pdf.textOf(page);
    let kind: "page" | "ocr-page" | "skipped" = "page";
    if (hasTextLayer(text)) addPart(entry, { locator, text, via: "text" });
    else {
      const ocr = await ocrStatus();
      if (ocr.available && ocr.pdftoppm && entry.ocrPages < EXTRACT_LIMITS.maxOcrPages) {
        const ocrStarted = performance.now();
        const read = await ocrPdfPage(await this.pdfOnDisk(), page);
        entry.ocrMs += Math.round(performance.now() - ocrStarted);
        entry.ocrPages++;
        addPart(entry, { locator, text: [text, read].filter(Boolean).join("\n"), via: "ocr" });
        kind = "ocr-page";
      } else {
        if (text) addPart(entry, { locator, text, via: "text" });
        entry.ocrSkipped++;
        kind = "skipped";
      }
    }
    entry.next = page + 1;
    if (entry.next > entry.pages) entry.done = true;
    return { kind, page, ms: Math.round(performance.now() - started) };
  }

  private async pdfOnDisk(): Promise<string> {
    if (this.pdfFile) return this.pdfFile;
    await fsp.mkdir(this.workDir, { recursive: true });
    const file = path.join(this.workDir, `${this.entry.sha256}.pdf`);
    await fsp.writeFile(file, this.bytes);
    this.pdfFile = file;
    return file;
  }

  async close(): Promise<void> {
    await this.pdf?.close();
    this.pdf = null;
    if (this.pdfFile) await fsp.rm(this.pdfFile, { force: true });
    this.pdfFile = null;
  }
}

/** Extracts a whole file at once (tests, the benchmark, the diff of Office attachments). */
export async function extractAll(kind: TextKind, bytes: Buffer, workDir: string, sha256 = "inline"): Promise<TextEntry> {
  const entry = newEntry(sha256, kind);
  const run = new Extraction(entry, bytes, workDir);
  try {
    while (!entry.done) await run.step();
  } finally {
    await run.close();
  }
  return entry;
}
