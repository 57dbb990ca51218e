/**
 * Answering with an attachment: the type sniffed when it was stored, the real
 * file name for every browser (RFC 6266 with an RFC 5987 UTF-8 name beside an
 * ASCII one), nosniff, and a sandbox so that nothing in an upload can run on
 * the portal's origin. Only raster images and PDF open in the browser;
 * everything else (SVG and HTML included) is a download.
 */
import type { AttachmentInfo } from "./store.server";
import { isSafeInline } from "./sniff.server";

/** `Content-Disposition` with the file name as is (filename*) and an ASCII stand-in (filename). */
export function contentDisposition(kind: "inline" | "attachment", name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

export interface ServeOptions {
  /** Force a download even for types that may open in place. */
  download?: boolean;
  /** The name the file is offered under (defaults to the attachment's). */
  fileName?: string;
  /** Content differing from the stored attachment (a stamped copy): no ETag, never cached. */
  generated?: boolean;
  type?: string;
}

/** The HTTP answer carrying an attachment's bytes. */
export function attachmentResponse(request: Request, info: AttachmentInfo, bytes: Buffer, options: ServeOptions = {}): Response {
  const type = options.type ?? info.type;
  const inline = !options.download && isSafeInline(type);
  const headers = new Headers({
    "Content-Type": type.startsWith("text/") ? `${type}; charset=utf-8` : type,
    "Content-Disposition": contentDisposition(inline ? "inline" : "attachment", options.fileName ?? info.name),
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Resource-Policy": "same-origin",
  });
  // Downloads get a sandbox should a browser open one anyway (the PDF viewer refuses to run sandboxed, and PDFs open in place).
  if (type !== "application/pdf") headers.set("Content-Security-Policy", "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox");
  if (options.generated) {
    headers.set("Cache-Control", "private, no-store");
  } else {
    const etag = `"${info.sha256}"`;
    headers.set("ETag", etag);
    // Access can be withdrawn: the browser asks again each time, and gets 304 while the file is the same.
    headers.set("Cache-Control", "private, no-cache");
    if (request.headers.get("If-None-Match") === etag) return new Response(null, { status: 304, headers });
  }
  headers.set("Content-Length", String(bytes.length));
  return new Response(request.method === "HEAD" ? null : (new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length) as unknown as BodyInit), { status: 200, headers });
}
