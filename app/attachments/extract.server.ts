/**
 * The text inside Word, Excel and PowerPoint attachments, for comparing two
 * versions of a form. The extractors are the ones search uses
 * (attachments/text/office.server.ts: zip directory checked for decompression
 * bombs first, time limits); here each file's parts are joined — Excel as
 * "## <sheet>" then a line per row, cells apart by tabs; PowerPoint a block
 * per slide. A file that cannot be read gives no text (null), never an error
 * for the page that asked.
 */
import { docxText as docxParts, pptxText as pptxParts, xlsxText as xlsxParts } from "./text/office.server";
import { kindOf } from "./sniff.server";

const MAX_TEXT = 2 * 1024 * 1024;

/** Raw text of a .docx (paragraphs on their own lines). */
export async function docxText(bytes: Buffer): Promise<string> {
  return (await docxParts(bytes)).map((p) => p.text).join("\n\n");
}

/** Text of a .xlsx: "## <sheet>" then one line per row, cells separated by tabs. */
export async function xlsxText(bytes: Buffer): Promise<string> {
  return (await xlsxParts(bytes)).map((p) => `## ${p.locator?.value ?? ""}\n${p.text}`).join("\n\n");
}

/** Text of a .pptx: "## <slide number>" then the slide's text. */
export async function pptxText(bytes: Buffer): Promise<string> {
  return (await pptxParts(bytes)).map((p) => `## ${p.locator?.value ?? ""}\n${p.text}`).join("\n\n");
}

/** Extractors by kind (PDF and images are read for search only, decision 099). */
export const TEXT_EXTRACTORS: Record<string, (bytes: Buffer) => Promise<string>> = {
  docx: docxText,
  xlsx: xlsxText,
  pptx: pptxText,
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
