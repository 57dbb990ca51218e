/**
 * Controlled copies of PDF and Word attachments: every page carries the
 * document number, version, effective date, "controlled copy / uncontrolled
 * when printed", the reader's name, the time, and the printed-copy check code
 * of that version (print/verify.server.ts), so a paper copy can be checked at
 * /verify like a printed page. PDF: drawn on each page with pdf-lib. Word: a
 * header and a footer of our own replace the document's on every section
 * (the .docx is edited as a zip of XML parts, nothing else changes).
 *
 * PDF stamps are drawn with the system's CJK font when there is one
 * (cjk-font.server.ts, a subset of the glyphs used): in the reader's language,
 * with the reader's name as written. Without one, pdf-lib's standard fonts
 * cover Latin text only: the stamp is then in English, and a name outside
 * Latin script is given as the account name (decisions 095, 114).
 */
import JSZip from "jszip";
import type { PDFDocument, PDFFont } from "pdf-lib";
import type { Reader } from "~/reading/open.server";
import { translate, type Locale } from "~/i18n/i18n";
import { requestLocale } from "~/i18n/request-locale.server";
import { copyCode } from "~/print/verify.server";
import { minuteOf, now } from "~/utils/clock.server";
import { getEnv } from "~/utils/env.server";
import { msg, ValidationError } from "~/utils/errors.server";
import { checkZipBomb } from "./checks.server";
import { cjkFontkit } from "./cjk-font.server";
import { kindOf } from "./sniff.server";
import type { AttachmentInfo } from "./store.server";

export interface StampText {
  controlled: string;
  line: string;
  code: string;
}

/** The lines stamped on a copy, in a language (`latin`: only characters the standard PDF fonts have). */
export function stampText(
  locale: Locale,
  input: { number: string; version: number; effectiveDate?: string; reader: Pick<Reader, "name" | "username">; at: Date; base: string },
  latin = false,
): StampText {
  const name = latin && !/^[\x20-\x7e]+$/.test(input.reader.name) ? input.reader.username : `${input.reader.name} (${input.reader.username})`;
  const code = copyCode(input.number, input.version);
  const vars = { number: input.number, version: input.version, date: input.effectiveDate ?? "-", name, when: minuteOf(input.at) };
  const line = translate(locale, "attachments.stamp.line", vars);
  const codeLine = `${translate(locale, "attachments.stamp.code", { code })} ${input.base}/verify`;
  const text = { controlled: translate(locale, "attachments.stamp.controlled"), line, code: codeLine };
  if (!latin) return text;
  // The standard fonts' character set (WinAnsi): the middle dot is in it; anything else outside ASCII becomes "-".
  const clean = (s: string) => s.replace(/[^\x20-\x7e\u00b7]/g, "-");
  return { controlled: clean(text.controlled), line: clean(text.line), code: clean(text.code) };
}

async function stampPdf(bytes: Buffer, text: StampText, cjk: Awaited<ReturnType<typeof cjkFontkit>>): Promise<Buffer> {
  // Loaded with the first stamped copy: most starts stamp none.
  const { PDFDocument, rgb, StandardFonts } = await import("pdf-lib");
  let pdf: PDFDocument;
  try {
    pdf = await PDFDocument.load(bytes, { updateMetadata: false });
  } catch {
    throw new ValidationError(msg("attachments.err.cannotStamp"));
  }
  let font: PDFFont;
  let bold: PDFFont;
  if (cjk) {
    pdf.registerFontkit(cjk as unknown as Parameters<PDFDocument["registerFontkit"]>[0]);
    // The face is already parsed (cjk-font.server.ts): no bytes are passed again; only the glyphs drawn are embedded.
    font = bold = await pdf.embedFont(new Uint8Array(0), { subset: true });
  } else {
    font = await pdf.embedFont(StandardFonts.Helvetica);
    bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  }
  const red = rgb(0.65, 0.1, 0.1);
  for (const page of pdf.getPages()) {
    const { width, height } = page.getSize();
    const size = Math.max(6, Math.min(8, width / 75));
    const fit = (s: string, f = font) => {
      let out = s;
      while (out.length > 10 && f.widthOfTextAtSize(out, size) > width - 36) out = `${out.slice(0, -2)}…`.replace(/……$/, "…");
      return out.replace(/…/g, "...");
    };
    page.drawText(fit(text.controlled, bold), { x: 18, y: height - 14, size, font: bold, color: red });
    page.drawText(fit(text.line), { x: 18, y: height - 14 - size * 1.3, size, font, color: red });
    page.drawText(fit(text.controlled, bold), { x: 18, y: 8 + size * 2.6, size, font: bold, color: red });
    page.drawText(fit(text.line), { x: 18, y: 8 + size * 1.3, size, font, color: red });
    page.drawText(fit(text.code), { x: 18, y: 8, size, font, color: red });
  }
  return Buffer.from(await pdf.save());
}

function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c] as string);
}

function paragraphs(lines: string[], bold: boolean): string {
  return lines
    .map(
      (l, i) =>
        `<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr>${bold && i === 0 ? "<w:b/>" : ""}<w:color w:val="A61B1B"/><w:sz w:val="16"/></w:rPr><w:t xml:space="preserve">${xmlEscape(l)}</w:t></w:r></w:p>`,
    )
    .join("");
}

const W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"';
const HEADER_ID = "rIdRegulaStampHeader";
const FOOTER_ID = "rIdRegulaStampFooter";

async function stampDocx(bytes: Buffer, text: StampText): Promise<Buffer> {
  await checkZipBomb(bytes, "docx");
  let zip: JSZip;
  try {
    zip = await JSZip.loadAsync(bytes);
  } catch {
    throw new ValidationError(msg("attachments.err.cannotStamp"));
  }
  const docPart = zip.file("word/document.xml");
  const relsPart = zip.file("word/_rels/document.xml.rels");
  const typesPart = zip.file("[Content_Types].xml");
  if (!docPart || !relsPart || !typesPart) throw new ValidationError(msg("attachments.err.cannotStamp"));
  let doc = await docPart.async("string");
  let rels = await relsPart.async("string");
  let types = await typesPart.async("string");
  zip.file("word/regula-stamp-header.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:hdr ${W_NS}>${paragraphs([text.controlled, text.line], true)}</w:hdr>`);
  zip.file("word/regula-stamp-footer.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:ftr ${W_NS}>${paragraphs([text.controlled, text.line, text.code], true)}</w:ftr>`);
  rels = rels.replace(
    "</Relationships>",
    `<Relationship Id="${HEADER_ID}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="regula-stamp-header.xml"/>` +
      `<Relationship Id="${FOOTER_ID}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="regula-stamp-footer.xml"/></Relationships>`,
  );
  types = types.replace(
    "</Types>",
    `<Override PartName="/word/regula-stamp-header.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/>` +
      `<Override PartName="/word/regula-stamp-footer.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/></Types>`,
  );
  // Every section's headers and footers (default, first page, even pages) become the stamp.
  const refs = ["default", "first", "even"]
    .map((t) => `<w:headerReference w:type="${t}" r:id="${HEADER_ID}"/><w:footerReference w:type="${t}" r:id="${FOOTER_ID}"/>`)
    .join("");
  doc = doc.replace(/<w:(header|footer)Reference\b[^>]*\/>/g, "");
  let sections = 0;
  doc = doc.replace(/<w:sectPr\b([^>]*)\/>/g, (_m, attrs: string) => `<w:sectPr${attrs}>${refs}</w:sectPr>`);
  doc = doc.replace(/<w:sectPr\b([^>]*)>/g, (m) => {
    sections++;
    return `${m}${refs}`;
  });
  if (!sections) doc = doc.replace(/<\/w:body>/, `<w:sectPr>${refs}</w:sectPr></w:body>`);
  if (!/xmlns:r=/.test(doc.slice(0, 2000))) doc = doc.replace(/<w:document\b/, '<w:document xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"');
  zip.file("word/document.xml", doc);
  zip.file("word/_rels/document.xml.rels", rels);
  zip.file("[Content_Types].xml", types);
  return zip.generateAsync({ type: "nodebuffer", compression: "DEFLATE" });
}

/** A stamped copy of a version's PDF or Word attachment for a reader, and the name it is offered under. */
export async function controlledCopy(
  reader: Pick<Reader, "name" | "username">,
  number: string,
  version: number,
  opened: { info: AttachmentInfo; bytes: Buffer; effectiveDate?: string },
): Promise<{ bytes: Buffer; fileName: string }> {
  const kind = kindOf(opened.info.type);
  if (kind !== "pdf" && kind !== "docx") throw new ValidationError(msg("attachments.err.notStampable"));
  const locale: Locale = requestLocale() ?? "en";
  const base = (getEnv().PUBLIC_URL ?? "").replace(/\/+$/, "");
  const input = { number, version, effectiveDate: opened.effectiveDate, reader, at: now(), base };
  let bytes: Buffer;
  if (kind === "pdf") {
    const cjk = await cjkFontkit();
    bytes = await stampPdf(opened.bytes, cjk ? stampText(locale, input) : stampText("en", input, true), cjk);
  } else bytes = await stampDocx(opened.bytes, stampText(locale, input));
  const dot = opened.info.name.lastIndexOf(".");
  const fileName = dot > 0 ? `${opened.info.name.slice(0, dot)} (${number} v${version} controlled)${opened.info.name.slice(dot)}` : `${opened.info.name} (controlled)`;
  return { bytes, fileName };
}
