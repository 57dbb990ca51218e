/**
 * Proposal drafts live on their own git branch, refs/heads/proposals/<id>,
 * started from the main-line commit of the base version. Every save is a
 * commit on that branch, so the draft's history is kept and an approval can
 * name the exact commit it signed. The main line never sees a draft: only
 * publishVersion writes there.
 */
import { documentPath } from "~/documents/paths.server";
import { type DocumentMeta, parseDocument, serializeDocument } from "~/documents/front-matter";
import { commitFiles, formatMessage, readFileAt, resolveRef, MAIN_REF, type FileChange } from "~/documents/repo.server";
import { now } from "~/utils/clock.server";
import { DomainError, msg } from "~/utils/errors.server";

export const PROPOSAL_REF_PREFIX = "refs/heads/proposals/";

export function proposalRef(id: string): string {
  return `${PROPOSAL_REF_PREFIX}${id}`;
}

/** Front matter kept on a draft: dates are decided at publication, so they are left out. */
function draftMeta(meta: DocumentMeta): DocumentMeta {
  return { ...meta, effectiveDate: undefined, nextReviewDate: undefined };
}

/** The file a draft's text is stored as (front matter without dates, then the body). */
export function draftText(meta: DocumentMeta, body: string): string {
  return serializeDocument(draftMeta(meta), body);
}

/**
 * Saves the draft text as a commit on the proposal's branch and returns the
 * commit id. The first save starts the branch at `startFrom` (the base
 * version's commit, or the main line's head for a new document).
 */
export async function saveDraft(input: {
  id: string;
  meta: DocumentMeta;
  body: string;
  author: { name: string; email: string };
  message: string;
  startFrom?: string | null;
  /** Other files changed in the same commit (the attachment folder of an updated proposal). */
  files?: FileChange[];
}): Promise<string> {
  const ref = proposalRef(input.id);
  const startFrom = input.startFrom === undefined ? await resolveRef(MAIN_REF) : input.startFrom;
  const text = serializeDocument(draftMeta(input.meta), input.body);
  const { commit } = await commitFiles({
    ref,
    startFrom,
    files: [{ path: documentPath(input.meta.number), content: text }, ...(input.files ?? [])],
    message: formatMessage(input.message, "", [
      ["Proposal", input.id],
      ["Draft", "yes"],
    ]),
    author: { name: input.author.name, email: input.author.email, timestamp: Math.floor(now().getTime() / 1000) },
  });
  return commit;
}

/** Reads a draft's metadata and body at a commit of its branch. */
export async function readDraft(commit: string, number: string): Promise<{ meta: DocumentMeta; body: string }> {
  const text = await readFileAt(commit, documentPath(number));
  if (text === null) throw new DomainError("unavailable", msg("revisions.err.draftMissing", { number, commit: commit.slice(0, 10) }));
  return parseDocument(text);
}
