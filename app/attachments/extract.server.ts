/**
 * The text inside Word and Excel attachments, for comparing two versions of a
 * form (and for search). Word: mammoth's raw text. Excel: each sheet's rows,
 * cells separated by tabs, under the sheet's name. The zip directory is
 * checked for decompression bombs first; a file that cannot be read gives no
 * text (null), never an error for the page that asked.
 */
import ExcelJS from "exceljs";
import mammoth from "mammoth";
import { checkZipBomb } from "./checks.server";
import { kindOf } from "./sniff.server";

const MAX_TEXT = 2 * 1024 * 1024;

/** Raw text of a .docx (paragraphs on their own lines). */
export async function docxText(bytes: Buffer): Promise<string> {
  await checkZipBomb(bytes, "docx");
  const { value } = await mammoth.extractRawText({ buffer: bytes });
  return value.replace(/\r\n?/g, "\n").replace(/\n{3,}/g, "\n\n").trim();
}

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

/** Text of a .xlsx: "## <sheet>" then one line per row, cells separated by tabs. */
export async function xlsxText(bytes: Buffer): Promise<string> {
  await checkZipBomb(bytes, "xlsx");
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(bytes as unknown as ArrayBuffer);
  const out: string[] = [];
  book.eachSheet((sheet) => {
    out.push(`## ${sheet.name}`);
    sheet.eachRow({ includeEmpty: false }, (row) => {
      const values = Array.isArray(row.values) ? row.values.slice(1) : [];
      out.push(values.map((v) => cellText(v as ExcelJS.CellValue).replace(/\s+/g, " ").trim()).join("\t").replace(/\t+$/, ""));
    });
    out.push("");
  });
  return out.join("\n").trim();
}

/** Extractors by kind; other kinds (PDF, slides, images) are added beside these. */
export const TEXT_EXTRACTORS: Record<string, (bytes: Buffer) => Promise<string>> = {
  docx: docxText,
  xlsx: xlsxText,
};

/** The text of an attachment when its kind has an extractor and the file can be read; null otherwise. */
export async function extractAttachmentText(type: string, bytes: Buffer): Promise<string | null> {
  const extract = TEXT_EXTRACTORS[kindOf(type)];
  if (!extract) return null;
  try {
    const text = await extract(bytes);
    return text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text;
  } catch {
    return null;
  }
}
