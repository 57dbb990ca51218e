/**
 * Attachment text in the index (both engines): each document carries the text
 * of its attachments as parts (a PDF page, a slide, a sheet, a whole file),
 * searched with the body under the same permission rule. A hit's snippet comes
 * from the body when the best match is there, otherwise from the attachment
 * part holding it, and then the hit names that attachment (and page).
 */
import type { AttachmentTextPart, TextLocator } from "~/attachments/text/types";
import { attachmentLink } from "~/attachments/text/links";
import { buildSnippet, type Needle } from "./snippet";
import { FOLD_MARK_STEP, foldSparse } from "./tokenize";

export interface FoldedText {
  text: string;
  marks: Int32Array;
}

/** Where a hit's snippet comes from when it is an attachment. */
export interface HitAttachment {
  name: string;
  locator: TextLocator;
  /** The attachment's address (a PDF opens at the page). */
  url: string;
}

export function foldParts(parts: readonly AttachmentTextPart[] | undefined): FoldedText[] {
  return (parts ?? []).map((p) => foldSparse(p.text));
}

/** The weight and position of the best needle found in a folded text (-1 when none is). */
function best(folded: string, needles: readonly Needle[]): { weight: number; at: number } {
  let at = -1;
  let weight = -1;
  for (const n of needles) {
    if (n.weight <= weight) continue;
    const i = folded.indexOf(n.text);
    if (i >= 0) {
      at = i;
      weight = n.weight;
    }
  }
  return { weight, at };
}

/**
 * A snippet of `text` around its best match: short texts are cut by
 * buildSnippet itself; long ones from a window found through the folded text's marks.
 */
export function windowSnippet(text: string, folded: FoldedText, needles: Needle[], at?: number): string {
  if (text.length <= 4000) return buildSnippet(text, needles);
  const found = at ?? best(folded.text, needles).at;
  if (found < 0) return buildSnippet(text.slice(0, 1000), needles);
  const mark = Math.max(0, Math.floor(found / FOLD_MARK_STEP) - 1);
  const from = folded.marks[mark] ?? 0;
  const to = Math.min(text.length, from + 600);
  const html = buildSnippet(text.slice(from, to), needles);
  const lead = from > 0 && !html.startsWith("…") ? "…" : "";
  const tail = to < text.length && !html.endsWith("…") ? "…" : "";
  return lead + html + tail;
}

/**
 * The snippet of a readable hit: from the body unless an attachment part holds
 * a better match than the body (then the hit names that part).
 */
export function locateSnippet(
  doc: { number: string; version: number },
  body: { text: string; folded: FoldedText },
  parts: readonly AttachmentTextPart[] | undefined,
  partsFolded: readonly FoldedText[],
  needles: Needle[],
): { snippetHtml: string; attachment: HitAttachment | null } {
  const inBody = best(body.folded.text, needles);
  let bestPart = -1;
  let partFound = { weight: -1, at: -1 };
  if (parts?.length) {
    partsFolded.forEach((f, i) => {
      const found = best(f.text, needles);
      if (found.weight > partFound.weight) {
        partFound = found;
        bestPart = i;
      }
    });
  }
  if (bestPart >= 0 && partFound.weight > inBody.weight) {
    const part = parts![bestPart];
    return {
      snippetHtml: windowSnippet(part.text, partsFolded[bestPart], needles, partFound.at),
      attachment: { name: part.name, locator: part.locator, url: attachmentLink(doc.number, doc.version, part.name, part.locator) },
    };
  }
  return { snippetHtml: windowSnippet(body.text, body.folded, needles, inBody.at >= 0 ? inBody.at : undefined), attachment: null };
}

/** All attachment text of a document, for the index's body field (parts apart by a blank line). */
export function partsText(parts: readonly AttachmentTextPart[] | undefined): string {
  return (parts ?? []).map((p) => p.text).join("\n\n");
}
