/**
 * The two downloads of a document version: Word (.docx) and the print view's
 * PDF, each answered as a file named after the number and version.
 */
import { getUserById } from "~/org/users.server";
import type { Reader } from "~/reading/open.server";
import type { Locale } from "~/i18n/i18n";
import { parsePrintVersion } from "~/print/print.server";
import { buildDocx } from "./docx.server";
import { issuePrintToken, localOrigin, renderPdf, takePrintToken } from "./pdf.server";
import { openForDownload, requireReadable } from "./source.server";

export { pdfAvailable } from "./pdf.server";

const PRINT_TOKEN = "print-token";

function fileResponse(bytes: Buffer, type: string, filename: string): Response {
  return new Response(new Uint8Array(bytes), {
    headers: {
      "Content-Type": type,
      "Content-Disposition": `attachment; filename="${filename}"`,
      "Content-Length": String(bytes.length),
      "Cache-Control": "private, no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}

/** GET /docs/<number>/download.docx[?version=N]: the version as a Word file for this reader. */
export async function docxDownload(reader: Reader, number: string, versionRaw: string | null, locale: Locale, base: string): Promise<Response> {
  const source = await openForDownload(reader, number, parsePrintVersion(versionRaw), "docx");
  const bytes = await buildDocx(source, locale, base);
  return fileResponse(bytes, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", `${source.number}-v${source.version}.docx`);
}

function printKey(number: string, version: number | undefined): string {
  return `/docs/${number}/print?version=${version ?? ""}`;
}

/** GET /docs/<number>/download.pdf[?version=N]: the print view (stamped controlled copy) as a PDF. */
export async function pdfDownload(reader: Reader & { id: string }, number: string, versionRaw: string | null, locale: Locale): Promise<Response> {
  const version = parsePrintVersion(versionRaw);
  const readable = requireReadable(reader, number, version);
  const token = issuePrintToken(reader.id, printKey(number, version));
  const query = new URLSearchParams();
  if (version !== undefined) query.set("version", String(version));
  query.set(PRINT_TOKEN, token);
  const bytes = await renderPdf(`${localOrigin()}/docs/${encodeURIComponent(number)}/print?${query}`, locale);
  return fileResponse(bytes, "application/pdf", `${readable.number}-v${readable.version}.pdf`);
}

/**
 * The reader a print page is made for by the PDF renderer (a one-time token
 * in the address, issued by pdfDownload for exactly that page), or null.
 */
export function printTokenReader(request: Request, number: string, version: string | null): Reader | null {
  const url = new URL(request.url);
  const token = url.searchParams.get(PRINT_TOKEN);
  if (!token) return null;
  const userId = takePrintToken(token, printKey(number, version === null || version === "" ? undefined : parsePrintVersion(version)));
  const user = userId ? getUserById(userId) : undefined;
  return user && user.active ? user : null;
}
