/**
 * A PDF's text layer, page by page (unpdf's build of pdf.js). A page with
 * (almost) no text is a scanned page: the OCR queue reads it from an image.
 */
import { getDocumentProxy } from "unpdf";
import { EXTRACT_LIMITS, ExtractionError, tidyText, withinTime } from "./limits";

/** Fewer visible characters than this on a page: it is treated as scanned. */
export const MIN_TEXT_LAYER_CHARS = 12;

export interface PdfReader {
  /** Pages read (at most EXTRACT_LIMITS.maxPdfPages). */
  pages: number;
  /** Pages in the file. */
  pagesInFile: number;
  /** The text layer of page `n` (1-based), tidied. */
  textOf(n: number): Promise<string>;
  close(): Promise<void>;
}

export function looksLikePdf(bytes: Buffer): boolean {
  return bytes.subarray(0, 1024).includes("%PDF-");
}

export async function openPdf(bytes: Buffer): Promise<PdfReader> {
  if (!looksLikePdf(bytes)) throw new ExtractionError("not_readable", "not a PDF (no %PDF- header)");
  const pdf = await withinTime(EXTRACT_LIMITS.fileMs, "opening the PDF", async () => {
    try {
      // A copy: pdf.js takes ownership of the array it is given.
      return await getDocumentProxy(new Uint8Array(bytes), { isEvalSupported: false, useSystemFonts: false, stopAtErrors: false });
    } catch (error) {
      throw new ExtractionError("not_readable", `not a readable PDF (${(error as Error).message})`);
    }
  });
  const pagesInFile = pdf.numPages;
  return {
    pages: Math.min(pagesInFile, EXTRACT_LIMITS.maxPdfPages),
    pagesInFile,
    async textOf(n: number) {
      return withinTime(EXTRACT_LIMITS.pageMs, `reading page ${n}`, async () => {
        const page = await pdf.getPage(n);
        try {
          const content = await page.getTextContent();
          let out = "";
          for (const item of content.items) {
            if (!("str" in item)) continue;
            out += item.str;
            if (item.hasEOL) out += "\n";
          }
          return tidyText(out);
        } finally {
          page.cleanup();
        }
      });
    },
    async close() {
      await pdf.destroy().catch(() => undefined);
    },
  };
}

/** Whether a page's text layer holds real text (otherwise it is OCR'd). */
export function hasTextLayer(text: string): boolean {
  return text.replace(/\s+/g, "").length >= MIN_TEXT_LAYER_CHARS;
}
