/**
 * Opening a version's attachment for a reader: the same decision as the
 * document's text (restricted documents need the grant, old versions need
 * history access, and the view is logged as the text's is). A sections-only
 * grant opens only the attachments its sections show or link to.
 */
import { openVersion, type Reader } from "~/reading/open.server";
import { AccessDeniedError, msg } from "~/utils/errors.server";
import { readAttachmentAt, type AttachmentInfo } from "./store.server";

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
