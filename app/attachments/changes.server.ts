/**
 * What a proposal does to the attachments: added, removed and replaced files
 * (by name), with, for Word and Excel files replaced by a new edition, a diff
 * of their text.
 */
import { diffTexts, type DocumentDiff } from "~/documents/diff.server";
import { extractAttachmentText } from "./extract.server";
import { isInlineImage } from "./sniff.server";
import { readAttachmentAt, type AttachmentInfo } from "./store.server";

export interface AttachmentChange {
  kind: "added" | "removed" | "replaced";
  name: string;
  before?: AttachmentInfo;
  after?: AttachmentInfo;
  /** Raster images: shown before/after. */
  image: boolean;
}

/** The changes from one attachment list to another, by name (sorted by name). */
export function attachmentChanges(before: AttachmentInfo[], after: AttachmentInfo[]): AttachmentChange[] {
  const old = new Map(before.map((e) => [e.name, e]));
  const now = new Map(after.map((e) => [e.name, e]));
  const out: AttachmentChange[] = [];
  for (const name of [...new Set([...old.keys(), ...now.keys()])].sort()) {
    const b = old.get(name);
    const a = now.get(name);
    if (b && a) {
      if (b.sha256 !== a.sha256) out.push({ kind: "replaced", name, before: b, after: a, image: isInlineImage(a.type) || isInlineImage(b.type) });
    } else if (a) out.push({ kind: "added", name, after: a, image: isInlineImage(a.type) });
    else if (b) out.push({ kind: "removed", name, before: b, image: isInlineImage(b.type) });
  }
  return out;
}

/** A replaced Word or Excel file's text diff; null when either side's text cannot be read. */
export interface TextChange {
  name: string;
  diff: DocumentDiff;
}

/**
 * Text diffs of the replaced attachments whose text can be extracted
 * (`from`/`to`: the commits holding the two lists).
 */
export async function attachmentTextDiffs(number: string, from: string | null, to: string, changes: AttachmentChange[]): Promise<TextChange[]> {
  const out: TextChange[] = [];
  for (const c of changes) {
    if (c.kind !== "replaced" || !from || !c.before || !c.after) continue;
    const [oldFile, newFile] = await Promise.all([readAttachmentAt(from, number, c.name), readAttachmentAt(to, number, c.name)]);
    const [oldText, newText] = await Promise.all([extractAttachmentText(c.before.type, oldFile.bytes), extractAttachmentText(c.after.type, newFile.bytes)]);
    if (oldText === null || newText === null) continue;
    out.push({ name: c.name, diff: diffTexts(oldText, newText) });
  }
  return out;
}
