/**
 * What an attachment must be before it is stored: a name that is safe as a
 * file name on every system and in a markdown link, some content, a size
 * within the limits, and content that is what its name says (a ".pdf" that is
 * not a PDF is refused). Office files are zip archives: their directory is
 * read (nothing is unpacked) and an archive that would unpack to far more than
 * it weighs is refused as a zip bomb.
 */
import JSZip from "jszip";
import { getEnv } from "~/utils/env.server";
import { DomainError, msg, ValidationError } from "~/utils/errors.server";
import { holdsInvisible } from "~/utils/visible-text";
import { kindOf, sniffType, typeFamily, FAMILY_BY_EXTENSION } from "./sniff.server";

export const MAX_NAME_LENGTH = 160;
const MB = 1024 * 1024;

/** Largest single attachment, in bytes (ATTACHMENT_MAX_MB). */
export function maxFileBytes(): number {
  return Math.floor(getEnv().ATTACHMENT_MAX_MB * MB);
}

/** Largest sum of one version's attachments, in bytes (ATTACHMENT_VERSION_MAX_MB). */
export function maxVersionBytes(): number {
  return Math.floor(getEnv().ATTACHMENT_VERSION_MAX_MB * MB);
}

// Control characters (C0, DEL, C1), path separators, the characters Windows refuses in file names,
// and # and % (a web address would cut the name at # or decode a % sequence in it).
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f/\\<>:"|?*#%]/u;

/** Checks and normalises an attachment's file name (NFC); throws ValidationError naming the problem. */
export function checkName(raw: string): string {
  const name = String(raw ?? "").normalize("NFC").trim();
  if (!name) throw new ValidationError(msg("attachments.err.nameEmpty"), { file: "required" });
  if ([...name].length > MAX_NAME_LENGTH) {
    throw new ValidationError(msg("attachments.err.nameLong", { max: MAX_NAME_LENGTH }), { file: "invalid" });
  }
  if (FORBIDDEN.test(name)) throw new ValidationError(msg("attachments.err.nameChars"), { file: "invalid" });
  if (holdsInvisible(name)) throw new ValidationError(msg("attachments.err.nameChars"), { file: "invalid" });
  if (name.startsWith(".") || name.endsWith(".") || name.endsWith(" ")) throw new ValidationError(msg("attachments.err.nameDot"), { file: "invalid" });
  return name;
}

/** The lower-case extension of a name, without the dot ("" when none). */
export function extensionOf(name: string): string {
  const i = name.lastIndexOf(".");
  return i > 0 ? name.slice(i + 1).toLowerCase() : "";
}

const ZIP_MAX_RATIO = 100;
const ZIP_MAX_ENTRIES = 5000;

/**
 * Reads an Office file's zip directory (without unpacking) and refuses one
 * whose content would unpack to more than the per-file limit or to more than
 * ZIP_MAX_RATIO times its size, or that holds an absurd number of parts.
 */
export async function checkZipBomb(bytes: Buffer, name: string): Promise<void> {
  let zip: JSZip;
  try {
    zip = await JSZip.loadAsync(bytes, { checkCRC32: false });
  } catch {
    throw new ValidationError(msg("attachments.err.badOffice", { name }), { file: "invalid" });
  }
  let total = 0;
  let entries = 0;
  for (const file of Object.values(zip.files)) {
    entries++;
    // JSZip keeps the sizes the archive's directory declares; nothing is inflated here.
    const size = (file as unknown as { _data?: { uncompressedSize?: number } })._data?.uncompressedSize ?? 0;
    total += size;
  }
  const limit = Math.min(maxFileBytes() * 4, Math.max(bytes.length * ZIP_MAX_RATIO, 10 * MB));
  if (entries > ZIP_MAX_ENTRIES || total > limit) {
    throw new ValidationError(msg("attachments.err.zipBomb", { name }), { file: "invalid" });
  }
}

/** What a checked upload is: its name, bytes and sniffed type. */
export interface CheckedFile {
  name: string;
  bytes: Buffer;
  type: string;
}

/**
 * Checks an uploaded file: name, emptiness, size, that the content is what
 * the extension claims, and decompression limits for Office files.
 */
export async function checkFile(rawName: string, bytes: Buffer): Promise<CheckedFile> {
  const name = checkName(rawName);
  if (bytes.length === 0) throw new ValidationError(msg("attachments.err.empty", { name }), { file: "invalid" });
  const max = maxFileBytes();
  if (bytes.length > max) {
    throw new DomainError("too_large", msg("attachments.err.fileTooLarge", { name, mb: (bytes.length / MB).toFixed(1), limit: getEnv().ATTACHMENT_MAX_MB }), {
      fieldErrors: { file: "too large" },
    });
  }
  const type = await sniffType(bytes, name);
  const claimed = FAMILY_BY_EXTENSION[extensionOf(name)];
  if (claimed && kindOf(type) !== claimed) {
    throw new ValidationError(msg("attachments.err.notWhatItSays", { name, ext: extensionOf(name).toUpperCase() }), { file: "invalid" });
  }
  if (typeFamily(type) === "office") await checkZipBomb(bytes, name);
  return { name, bytes, type };
}
