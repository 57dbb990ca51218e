/**
 * Saving changes to a draft: a new commit on the proposal's branch when the
 * text or metadata changed, then the record, inside the "revisions" lock.
 */
import type { AuthUser } from "~/access/session.server";
import { validateMeta } from "~/documents/documents.server";
import { canonicalSet, type DocumentMeta } from "~/documents/front-matter";
import { withLock } from "~/utils/lock.server";
import { readDraft, saveDraft } from "~/revisions/drafts.server";
import type { Proposal } from "~/revisions/types";
import { LOCK, getProposal } from "~/revisions/proposals.server";
import { checkDraftBody, checkEffectiveDate, mutate, requireAuthor, requireEditable } from "~/revisions/steps.server";

export interface DraftUpdate {
  body?: string;
  summary?: string;
  change?: "minor" | "major";
  title?: string;
  type?: string;
  confidentiality?: DocumentMeta["confidentiality"];
  audienceDepartments?: string[];
  ownerDepartment?: string;
  effectiveDate?: string | null;
}

/** Saves changes to a draft (a new commit on its branch when the text or metadata changed). */
export async function updateDraft(user: AuthUser, id: string, update: DraftUpdate): Promise<Proposal> {
  return withLock(LOCK, async () => {
    const p = getProposal(id);
    requireAuthor(user, p);
    requireEditable(p);
    if (update.effectiveDate) checkEffectiveDate(update.effectiveDate);
    const draft = await readDraft(p.headCommit, p.number);
    let body = draft.body;
    let meta = { ...p.meta };
    if (p.kind === "revision" || p.kind === "new") {
      if (update.body !== undefined) {
        checkDraftBody(update.body);
        body = update.body;
      }
      meta = {
        ...meta,
        title: update.title?.trim() || meta.title,
        type: update.type ?? meta.type,
        confidentiality: update.confidentiality ?? meta.confidentiality,
        audienceDepartments: canonicalSet(update.audienceDepartments ?? meta.audienceDepartments),
        ownerDepartment: p.kind === "new" && update.ownerDepartment ? update.ownerDepartment : meta.ownerDepartment,
      };
      validateMeta(meta);
    }
    const change = p.kind === "revision" && update.change ? update.change : p.change;
    const textChanged = body !== draft.body || JSON.stringify(meta) !== JSON.stringify(p.meta);
    const headCommit = textChanged
      ? await saveDraft({ id, meta, body, author: { name: user.name, email: user.email }, message: `${p.number}: draft of ${id}` })
      : p.headCommit;
    return structuredClone(
      await mutate(id, (rec) => {
        requireEditable(rec);
        rec.meta = meta;
        rec.headCommit = headCommit;
        rec.change = change;
        if (update.summary !== undefined) rec.summary = update.summary.trim().slice(0, 500);
        if (update.effectiveDate !== undefined) rec.effectiveDate = update.effectiveDate || undefined;
        return rec;
      })
    );
  });
}
