/**
 * The images a version's text shows from its attachments
 * (`![…](attachments/<name>)`), read at that version's commit for the Word
 * download, with their pixel size so the page can give them a sensible size.
 * Only images the text the reader may read refers to are opened (a
 * sections-only grant's text names only its own). WebP is not a Word image
 * type: such an image stays a note with its name.
 */
import { readAttachmentAt } from "~/attachments/store.server";

export interface WordImage {
  type: "png" | "jpg" | "gif";
  data: Buffer;
  width: number;
  height: number;
}

/** Pixel size of a PNG, GIF or JPEG from its header; null for anything else. */
export function imageSize(bytes: Buffer): { type: WordImage["type"]; width: number; height: number } | null {
  if (bytes.length > 24 && bytes.readUInt32BE(0) === 0x89504e47 && bytes.toString("ascii", 12, 16) === "IHDR") {
    return { type: "png", width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  }
  if (bytes.length > 10 && bytes.toString("ascii", 0, 3) === "GIF") {
    return { type: "gif", width: bytes.readUInt16LE(6), height: bytes.readUInt16LE(8) };
  }
  if (bytes.length > 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    let at = 2;
    while (at + 9 < bytes.length) {
      if (bytes[at] !== 0xff) return null;
      const marker = bytes[at + 1];
      const length = bytes.readUInt16BE(at + 2);
      // Start-of-frame markers (not DHT C4, JPG C8, DAC CC) carry the size.
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { type: "jpg", height: bytes.readUInt16BE(at + 5), width: bytes.readUInt16BE(at + 7) };
      }
      at += 2 + length;
    }
  }
  return null;
}

/** The attachment name an image destination points at, or null for anything else. */
export function attachmentTarget(href: string): string | null {
  const raw = href.replace(/^<|>$/g, "");
  if (!raw.startsWith("attachments/")) return null;
  try {
    return decodeURIComponent(raw.slice("attachments/".length)).normalize("NFC");
  } catch {
    return raw.slice("attachments/".length).normalize("NFC");
  }
}

/** Reads the named images of a version (at `commit`); names that are not there or not Word images are left out. */
export async function wordImages(number: string, commit: string, names: string[]): Promise<Map<string, WordImage>> {
  const out = new Map<string, WordImage>();
  for (const name of new Set(names)) {
    try {
      const { bytes } = await readAttachmentAt(commit, number, name);
      const size = imageSize(bytes);
      if (size && size.width > 0 && size.height > 0) out.set(name, { ...size, data: bytes });
    } catch {
      // Not an attachment of this version: the note with its name stays.
    }
  }
  return out;
}
