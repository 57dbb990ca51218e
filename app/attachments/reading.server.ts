/**
 * Opening a version's attachment for a reader: the same decision as the
 * document's text (restricted documents need the grant, old versions need
 * history access, and the view is logged as the text's is). A sections-only
 * grant opens only the attachments its sections show or link to.
 */
import { openVersion, type Reader } from "~/reading/open.server";
import { AccessDeniedError, msg } from "~/utils/errors.server";
import { attachmentChanges } from "./changes.server";
import { kindOf } from "./sniff.server";
import { attachmentsAt, readAttachmentAt, type AttachmentInfo } from "./store.server";

/** Whether markdown refers to the attachment (as written by markdownFor, or by hand). */
export function refersTo(markdown: string, name: string): boolean {
  const plain = `attachments/${name}`;
  return markdown.includes(`(${plain})`) || markdown.includes(`(<${plain}>)`) || markdown.includes(`(${plain} `) || markdown.includes(`(<${plain}> `);
}

/** The attachment of version `version` for a reader, with the version's details; AccessDeniedError without access. */
export async function openAttachment(
  reader: Reader,
  number: string,
  version: number,
  name: string,
  what = "attachment",
): Promise<{ info: AttachmentInfo; bytes: Buffer; effectiveDate?: string; title: string; current: number }> {
  const view = await openVersion(reader, number, version, `${what} ${String(name).slice(0, 160)}`);
  if (view.access === "denied") throw new AccessDeniedError(msg("documents.err.needAccess", { number: view.summary.number }));
  const grant = view.decision.allowed ? view.decision.grant : undefined;
  if (grant && grant.sections !== "all" && !refersTo(view.body, name.normalize("NFC"))) {
    throw new AccessDeniedError(msg("attachments.err.noAccess"));
  }
  const { info, bytes } = await readAttachmentAt(view.record.commit, number, name);
  return { info, bytes, effectiveDate: view.meta.effectiveDate, title: view.meta.title, current: view.current.version };
}

/**
 * The attachments of an opened version a reader may see: all of them, or for
 * a sections-only grant only those its sections show or link to.
 */
export async function attachmentsOfView(view: {
  record: { number: string; version: number; commit: string };
  body: string;
  decision: { allowed: boolean; grant?: { sections: "all" | string[] } };
}): Promise<(AttachmentInfo & { href: string; controlled: string | null })[]> {
  const list = await attachmentsAt(view.record.commit, view.record.number);
  const partial = view.decision.allowed && view.decision.grant && view.decision.grant.sections !== "all";
  const base = `/docs/${view.record.number}/v/${view.record.version}/attachments/`;
  return list
    .filter((a) => !partial || refersTo(view.body, a.name))
    .map((a) => {
      const href = `${base}${encodeURIComponent(a.name)}`;
      const stampable = kindOf(a.type) === "pdf" || kindOf(a.type) === "docx";
      return { ...a, href, controlled: stampable ? `${href}?copy=controlled` : null };
    });
}

/** For a history page: per version, how many attachments it had and what changed from the version before. */
export async function attachmentHistory(
  number: string,
  versions: readonly { version: number; commit: string }[],
): Promise<Record<number, { count: number; added: number; removed: number; replaced: number }>> {
  const sorted = [...versions].sort((a, b) => a.version - b.version);
  const out: Record<number, { count: number; added: number; removed: number; replaced: number }> = {};
  let previous: AttachmentInfo[] = [];
  for (const v of sorted) {
    const list = await attachmentsAt(v.commit, number);
    const changes = attachmentChanges(previous, list);
    out[v.version] = {
      count: list.length,
      added: changes.filter((c) => c.kind === "added").length,
      removed: changes.filter((c) => c.kind === "removed").length,
      replaced: changes.filter((c) => c.kind === "replaced").length,
    };
    previous = list;
  }
  return out;
}
