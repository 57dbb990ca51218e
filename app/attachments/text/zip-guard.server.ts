/**
 * Reads a zip container's directory (no entry is inflated) and refuses one
 * that would expand past the limits: too many entries, too large in total, or
 * an entry compressed far beyond any real document (a zip bomb).
 */
import JSZip from "jszip";
import { checkZipBomb } from "../checks.server";
import { EXTRACT_LIMITS, ExtractionError } from "./limits";

interface EntryData {
  compressedSize?: number;
  uncompressedSize?: number;
}

/**
 * The opened container; throws ExtractionError when it is not a zip or breaks
 * a limit — the upload check's (attachments/checks.server.ts: total size and
 * entries against the file's size) and, per entry, the ratio below.
 */
export async function openZipGuarded(bytes: Buffer): Promise<JSZip> {
  try {
    await checkZipBomb(bytes, "file");
  } catch (error) {
    const key = (error as { key?: string }).key;
    if (key === "attachments.err.zipBomb") throw new ExtractionError("zip_bomb", "the container expands far beyond its size");
    throw new ExtractionError("not_readable", `not a readable Office file (${(error as Error).message})`);
  }
  let zip: JSZip;
  try {
    zip = await JSZip.loadAsync(bytes, { checkCRC32: false, createFolders: false });
  } catch (error) {
    throw new ExtractionError("not_readable", `not a zip container (${(error as Error).message})`);
  }
  const entries = Object.values(zip.files).filter((f) => !f.dir);
  if (entries.length > EXTRACT_LIMITS.maxZipEntries) throw new ExtractionError("zip_bomb", `${entries.length} entries in the container`);
  let total = 0;
  for (const entry of entries) {
    // JSZip keeps the sizes from the central directory on the entry (not part of its typings).
    const data = (entry as unknown as { _data?: EntryData })._data ?? {};
    const size = data.uncompressedSize ?? 0;
    const packed = Math.max(1, data.compressedSize ?? 1);
    total += size;
    if (size > 1024 * 1024 && size / packed > EXTRACT_LIMITS.maxZipRatio) {
      throw new ExtractionError("zip_bomb", `${entry.name} expands ${Math.round(size / packed)} times`);
    }
    if (total > EXTRACT_LIMITS.maxUnzippedBytes) throw new ExtractionError("zip_bomb", `the container expands past ${EXTRACT_LIMITS.maxUnzippedBytes} bytes`);
  }
  return zip;
}

/** One entry as text, refusing to read more than its declared size allows (a lying directory stops here). */
export async function entryText(zip: JSZip, name: string): Promise<string | null> {
  const entry = zip.file(name);
  if (!entry) return null;
  const text = await entry.async("string");
  if (text.length > EXTRACT_LIMITS.maxUnzippedBytes) throw new ExtractionError("zip_bomb", `${name} is too large`);
  return text;
}
