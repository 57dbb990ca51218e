/**
 * OCR with the Tesseract command (Debian: tesseract-ocr with the chi-sim,
 * chi-tra and eng language packs). Scanned PDF pages are rendered with
 * pdftoppm (poppler-utils) first. Each run is one page, single-threaded, with
 * a time limit, so OCR never takes more than one core from the portal.
 *
 * TESSERACT (default `tesseract`) names the command; `off` turns OCR off.
 */
import { execFile } from "node:child_process";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { EXTRACT_LIMITS, ExtractionError, tidyText } from "./limits";

export const OCR_LANGUAGES = ["chi_sim", "chi_tra", "eng"] as const;
/**
 * Resolution at which a PDF page is rendered for OCR: that of the page's
 * largest image (the scan), so that its pixels are not resampled — resampling
 * a scan by an odd factor costs Tesseract whole characters — within these bounds;
 * 300 dpi when the page has no image.
 */
export const OCR_DPI = { default: 300, min: 150, max: 400 } as const;

export interface OcrStatus {
  available: boolean;
  command: string;
  version?: string;
  languages?: string[];
  /** Why OCR is not available (command missing, language pack missing, turned off). */
  reason?: string;
  pdftoppm: boolean;
}

/** Cancels running OCR and rendering processes (shutdown); the page is read again at the next start. */
let aborter = new AbortController();
export function abortOcr() {
  aborter.abort();
  aborter = new AbortController();
}

function run(command: string, args: string[], options: { timeoutMs: number; maxBuffer?: number }): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        timeout: options.timeoutMs,
        maxBuffer: options.maxBuffer ?? 16 * 1024 * 1024,
        encoding: "utf8",
        signal: aborter.signal,
        // One thread per run: OCR is background work on a machine that also serves pages.
        env: { ...process.env, OMP_THREAD_LIMIT: "1" },
      },
      (error, stdout, stderr) => {
        if (error) {
          if ((error as { name?: string }).name === "AbortError") return reject(error);
          const timedOut = (error as { killed?: boolean }).killed || (error as { signal?: string }).signal === "SIGTERM";
          reject(timedOut ? new ExtractionError("timeout", `${path.basename(command)} took longer than ${Math.round(options.timeoutMs / 1000)} s`) : error);
        } else resolve({ stdout, stderr });
      },
    );
  });
}

function tesseractCommand(): string {
  return process.env.TESSERACT?.trim() || "tesseract";
}

let status: Promise<OcrStatus> | null = null;

/** Whether OCR can run here (checked once per process). */
export function ocrStatus(): Promise<OcrStatus> {
  status ??= probe();
  return status;
}

/** Forget the probe (tests switch TESSERACT between runs). */
export function resetOcrStatus() {
  status = null;
}

async function probe(): Promise<OcrStatus> {
  const command = tesseractCommand();
  const pdftoppm = await run("pdftoppm", ["-v"], { timeoutMs: 10_000 }).then(
    () => true,
    (error: NodeJS.ErrnoException) => error.code !== "ENOENT",
  );
  if (command === "off") return { available: false, command, reason: "OCR is turned off (TESSERACT=off)", pdftoppm };
  let version: string | undefined;
  try {
    const { stdout, stderr } = await run(command, ["--version"], { timeoutMs: 10_000 });
    version = /tesseract\s+v?([\d.]+)/i.exec(stdout + stderr)?.[1];
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { available: false, command, reason: code === "ENOENT" ? "Tesseract is not installed" : `Tesseract does not run (${(error as Error).message})`, pdftoppm };
  }
  let languages: string[] = [];
  try {
    const { stdout, stderr } = await run(command, ["--list-langs"], { timeoutMs: 10_000 });
    languages = (stdout + "\n" + stderr)
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => /^[a-z_]+$/i.test(l));
  } catch (error) {
    return { available: false, command, version, reason: `Tesseract cannot list its languages (${(error as Error).message})`, pdftoppm };
  }
  const missing = OCR_LANGUAGES.filter((l) => !languages.includes(l));
  if (missing.length) return { available: false, command, version, languages, reason: `Tesseract language data missing: ${missing.join(", ")}`, pdftoppm };
  return { available: true, command, version, languages, pdftoppm };
}

/** Text read from an image file (PNG, JPEG, TIFF, BMP, GIF, WebP). */
export async function ocrImageFile(file: string): Promise<string> {
  const { stdout } = await run(tesseractCommand(), [file, "stdout", "-l", OCR_LANGUAGES.join("+"), "--psm", "3"], { timeoutMs: EXTRACT_LIMITS.ocrPageMs });
  return tidyText(stdout);
}

/** The resolution of the largest image on a page (pdfimages -list), or null. */
export async function pageScanDpi(pdfFile: string, page: number): Promise<number | null> {
  try {
    const { stdout } = await run("pdfimages", ["-f", String(page), "-l", String(page), "-list", pdfFile], { timeoutMs: 30_000 });
    let best: { area: number; dpi: number } | null = null;
    for (const line of stdout.split("\n").slice(2)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 14 || cols[2] !== "image") continue;
      const area = Number(cols[3]) * Number(cols[4]);
      const dpi = Number(cols[12]);
      if (Number.isFinite(area) && Number.isFinite(dpi) && dpi > 0 && (!best || area > best.area)) best = { area, dpi };
    }
    return best?.dpi ?? null;
  } catch {
    return null;
  }
}

/** Renders page `page` (1-based) of a PDF file to a grey PNG in `dir` and returns its path. */
export async function renderPdfPage(pdfFile: string, page: number, dir: string): Promise<string> {
  const prefix = path.join(dir, `page-${page}`);
  const scan = await pageScanDpi(pdfFile, page);
  const dpi = scan ? Math.min(OCR_DPI.max, Math.max(OCR_DPI.min, Math.round(scan))) : OCR_DPI.default;
  await run("pdftoppm", ["-f", String(page), "-l", String(page), "-r", String(dpi), "-gray", "-png", "-singlefile", pdfFile, prefix], {
    timeoutMs: EXTRACT_LIMITS.ocrPageMs,
  });
  return `${prefix}.png`;
}

/** OCR of one PDF page: render, read, remove the image. */
export async function ocrPdfPage(pdfFile: string, page: number): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), "regula-ocr-"));
  try {
    const image = await renderPdfPage(pdfFile, page, dir);
    return await ocrImageFile(image);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

/** OCR of an image held in memory. */
export async function ocrImageBytes(bytes: Buffer, extension: string): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), "regula-ocr-"));
  try {
    const file = path.join(dir, `image.${extension.replace(/[^a-z0-9]/gi, "") || "png"}`);
    await fsp.writeFile(file, bytes);
    return await ocrImageFile(file);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}
