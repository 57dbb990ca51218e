/**
 * Text of Office files: .docx (mammoth's raw text), .xlsx (every sheet's cell
 * text, a part per sheet) and .pptx (each slide's text runs, a part per slide).
 * Each container's directory is checked against the decompression limits
 * before anything is inflated.
 */
import type ExcelJS from "exceljs";
import { EXTRACT_LIMITS, ExtractionError, tidyText, withinTime } from "./limits";
import type { TextPart } from "./types";
import { entryText, openZipGuarded } from "./zip-guard.server";

export async function docxText(bytes: Buffer): Promise<TextPart[]> {
  await openZipGuarded(bytes);
  return withinTime(EXTRACT_LIMITS.fileMs, "reading the .docx", async () => {
    let value: string;
    try {
      const mammoth = (await import("mammoth")).default;
      ({ value } = await mammoth.extractRawText({ buffer: bytes }));
    } catch (error) {
      throw new ExtractionError("not_readable", `not a readable .docx (${(error as Error).message})`);
    }
    const text = tidyText(value);
    return text ? [{ locator: null, text, via: "text" as const }] : [];
  });
}

/** A cell's text as a reader sees it (dates as YYYY-MM-DD, rich text joined, formulas by their result). */
function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return "";
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === "object") {
    if ("richText" in value && Array.isArray(value.richText)) return value.richText.map((r) => r.text).join("");
    if ("text" in value && typeof value.text === "string") return value.text;
    if ("result" in value) return cellText(value.result as ExcelJS.CellValue);
    if ("error" in value) return String(value.error);
    return "";
  }
  return String(value);
}

/** A part per sheet: a line per row, cells apart by tabs (so that columns line up in a diff). */
export async function xlsxText(bytes: Buffer): Promise<TextPart[]> {
  await openZipGuarded(bytes);
  return withinTime(EXTRACT_LIMITS.fileMs, "reading the .xlsx", async () => {
    // Loaded when a spreadsheet is first read: the library is large and most starts read none.
    const { Workbook } = (await import("exceljs")).default;
    const workbook = new Workbook();
    try {
      await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
    } catch (error) {
      throw new ExtractionError("not_readable", `not a readable .xlsx (${(error as Error).message})`);
    }
    const parts: TextPart[] = [];
    workbook.eachSheet((sheet) => {
      const lines: string[] = [];
      sheet.eachRow({ includeEmpty: false }, (row) => {
        const values = Array.isArray(row.values) ? row.values.slice(1) : [];
        const line = values
          .map((v) => tidyText(cellText(v as ExcelJS.CellValue)).replace(/\s+/g, " "))
          .join("\t")
          .replace(/\t+$/, "");
        if (line.trim()) lines.push(line);
      });
      if (lines.length) parts.push({ locator: { kind: "sheet", value: sheet.name }, text: lines.join("\n"), via: "text" });
    });
    return parts;
  });
}

/** Slide numbers in presentation order are the numbers in ppt/slides/slideN.xml. */
function slideNumber(name: string): number | null {
  const m = /^ppt\/slides\/slide(\d+)\.xml$/.exec(name);
  return m ? Number(m[1]) : null;
}

/** The text runs (<a:t>) of a slide, a line per paragraph (<a:p>). */
export function slideXmlText(xml: string): string {
  const paragraphs = xml.split(/<\/a:p>/);
  const lines = paragraphs.map((p) =>
    [...p.matchAll(/<a:t(?:\s[^>]*)?>([^<]*)<\/a:t>/g)].map((m) => decodeXml(m[1])).join(""),
  );
  return tidyText(lines.filter((l) => l.trim()).join("\n"));
}

function decodeXml(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#(\d+)|#x([0-9a-fA-F]+));/g, (_m, name: string, dec?: string, hex?: string) => {
    if (dec) return String.fromCodePoint(Number(dec));
    if (hex) return String.fromCodePoint(parseInt(hex, 16));
    return ({ lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" } as Record<string, string>)[name];
  });
}

export async function pptxText(bytes: Buffer): Promise<TextPart[]> {
  const zip = await openZipGuarded(bytes);
  return withinTime(EXTRACT_LIMITS.fileMs, "reading the .pptx", async () => {
    const slides = Object.keys(zip.files)
      .map((name) => ({ name, n: slideNumber(name) }))
      .filter((s): s is { name: string; n: number } => s.n !== null)
      .sort((a, b) => a.n - b.n);
    if (!slides.length && !zip.file("ppt/presentation.xml")) throw new ExtractionError("not_readable", "not a readable .pptx (no slides)");
    const parts: TextPart[] = [];
    for (const slide of slides) {
      const xml = await entryText(zip, slide.name);
      const text = xml ? slideXmlText(xml) : "";
      if (text) parts.push({ locator: { kind: "slide", value: String(slide.n) }, text, via: "text" });
    }
    return parts;
  });
}
