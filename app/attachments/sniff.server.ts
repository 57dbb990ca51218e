/**
 * An attachment's type comes from its content (file-type reads the magic
 * numbers), never from what the browser said when uploading. Text without a
 * signature is told apart from binary by whether it is valid UTF-8; SVG and
 * HTML are recognised so that they are never served inline.
 */
import { fileTypeFromBuffer } from "file-type";
import JSZip from "jszip";

export const DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
export const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
export const PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation";
export const SVG = "image/svg+xml";

/** The kind an extension promises; a file with such a name must sniff as that kind. */
export const FAMILY_BY_EXTENSION: Record<string, string> = {
  pdf: "pdf",
  png: "png",
  jpg: "jpeg",
  jpeg: "jpeg",
  gif: "gif",
  webp: "webp",
  docx: "docx",
  xlsx: "xlsx",
  pptx: "pptx",
  svg: "svg",
};

const KIND_BY_TYPE: Record<string, string> = {
  "application/pdf": "pdf",
  "image/png": "png",
  "image/jpeg": "jpeg",
  "image/gif": "gif",
  "image/webp": "webp",
  [DOCX]: "docx",
  [XLSX]: "xlsx",
  [PPTX]: "pptx",
  [SVG]: "svg",
};

/** The kind of a sniffed type ("pdf", "png", "docx", …, or "other"); Office kinds are also "office" for zip checks. */
export function kindOf(type: string): string {
  return KIND_BY_TYPE[type] ?? "other";
}

/** "office" for Office Open XML files (zip archives), otherwise the kind. */
export function typeFamily(type: string): string {
  const kind = kindOf(type);
  return kind === "docx" || kind === "xlsx" || kind === "pptx" ? "office" : kind;
}

const OFFICE_PARTS: [string, string][] = [
  ["word/document.xml", DOCX],
  ["xl/workbook.xml", XLSX],
  ["ppt/presentation.xml", PPTX],
];

function looksLikeText(bytes: Buffer): boolean {
  const head = bytes.subarray(0, 64 * 1024);
  if (head.includes(0)) return false;
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(head.length === bytes.length ? head : trimPartial(head));
    return true;
  } catch {
    return false;
  }
}

/** Drops a UTF-8 sequence cut at the end of a slice. */
function trimPartial(b: Buffer): Buffer {
  let end = b.length;
  for (let i = 1; i <= 3 && end - i >= 0; i++) {
    const c = b[end - i];
    if ((c & 0xc0) === 0x80) continue;
    if (c >= 0xc0) end -= i;
    break;
  }
  return b.subarray(0, end);
}

/** The MIME type of `bytes`, from their content. */
export async function sniffType(bytes: Buffer, name = ""): Promise<string> {
  const found = await fileTypeFromBuffer(bytes);
  if (found) {
    if (found.mime === "application/zip" || found.mime === "application/x-cfb") {
      // Some writers put the Office content-types part late in the archive; look for the main part.
      try {
        const zip = await JSZip.loadAsync(bytes, { checkCRC32: false });
        for (const [part, mime] of OFFICE_PARTS) if (zip.file(part)) return mime;
      } catch {
        /* not a readable zip: keep what file-type said */
      }
    }
    return found.mime === "application/xml" && isSvg(bytes) ? SVG : found.mime;
  }
  if (looksLikeText(bytes)) {
    if (isSvg(bytes)) return SVG;
    const start = bytes.subarray(0, 1024).toString("utf8").trimStart().toLowerCase();
    if (start.startsWith("<!doctype html") || start.startsWith("<html")) return "text/html";
    if (name.toLowerCase().endsWith(".csv")) return "text/csv";
    return "text/plain";
  }
  return "application/octet-stream";
}

function isSvg(bytes: Buffer): boolean {
  const head = bytes.subarray(0, 4096).toString("utf8").toLowerCase();
  return /<svg[\s>]/.test(head);
}

/** Images shown in the page and opened in the browser (never SVG: it can carry script). */
export function isInlineImage(type: string): boolean {
  return ["png", "jpeg", "gif", "webp"].includes(kindOf(type));
}

/** Types a browser may open in place: raster images and PDF. Everything else is a download. */
export function isSafeInline(type: string): boolean {
  return isInlineImage(type) || type === "application/pdf";
}
