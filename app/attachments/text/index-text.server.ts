/**
 * The attachment text the search index holds for one version: the extracted
 * parts of each attachment whose text is known (a file still in the queue
 * contributes the pages read so far).
 */
import { attachmentSource } from "./source.server";
import { textKind } from "./extract.server";
import { readEntry } from "./store.server";
import type { AttachmentTextPart } from "./types";

export async function attachmentTexts(number: string, version: number): Promise<AttachmentTextPart[]> {
  let list;
  try {
    list = await attachmentSource().list(number, version);
  } catch (error) {
    console.warn(`[attachment-text] cannot list the attachments of ${number} v${version}: ${(error as Error).message}`);
    return [];
  }
  const out: AttachmentTextPart[] = [];
  for (const a of list) {
    if (!textKind(a.name, a.type)) continue;
    const entry = await readEntry(a.sha256);
    for (const part of entry?.parts ?? []) out.push({ name: a.name, locator: part.locator, text: part.text });
  }
  return out;
}
