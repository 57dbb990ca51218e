/**
 * Sending a draft for approval: every reason it cannot go is found first
 * (checkSubmission), the whole routing chain is checked, and only then is the
 * record changed and the submission audited, inside the "revisions" lock; the
 * first stage's approvers are told after the lock.
 */
import type { AuthUser } from "~/access/session.server";
import { appendAudit } from "~/audit/audit.server";
import { readVersionContent, validateBody, validateMeta } from "~/documents/documents.server";
import { canonicalSet, type DocumentMeta } from "~/documents/front-matter";
import { latestVersion } from "~/documents/version-index.server";
import { treeAt } from "~/documents/repo.server";
import { attachmentDir } from "~/documents/paths.server";
import { ConflictError, msg, ValidationError, type Said } from "~/utils/errors.server";
import { withLock } from "~/utils/lock.server";
import { readDraft } from "~/revisions/drafts.server";
import { routeGap, stagesFor } from "~/revisions/routing.server";
import type { Proposal, ProposalChange } from "~/revisions/types";
import { LOCK, personRef, getProposal, owningDepartment, isStale, effectiveDateProblem } from "~/revisions/proposals.server";
import { mutate, requireAuthor, requireEditable, decision, announceWaiting, routeGapError, startStage } from "~/revisions/steps.server";

/** What a proposal about to be submitted would send for approval. */
export interface SubmissionDraft {
  kind: Proposal["kind"];
  change: ProposalChange;
  number: string;
  meta: DocumentMeta;
  body: string;
  summary: string;
  effectiveDate?: string;
  author: Proposal["author"];
  /** The draft adds, replaces or removes attachments (a change even when the text is the same). */
  attachmentsChanged?: boolean;
}

/**
 * Every reason a draft cannot be submitted, at once (summary, empty text, no
 * change, effective date, an approval chain with nobody at some stage): checked
 * before anything is created or saved. Throws one ValidationError listing them.
 */
export async function checkSubmission(d: SubmissionDraft, lead: "notCreated" | "notSubmitted"): Promise<void> {
  const fields: Record<string, string> = {};
  const fieldSaid: Record<string, Said> = {};
  const texts: string[] = [];
  const add = (field: string, code: string, said: Said, text: string) => {
    if (fields[field]) return;
    fields[field] = code;
    fieldSaid[field] = said;
    texts.push(text);
  };
  if (!d.summary.trim()) add("summary", "required", { key: "revisions.check.summaryRequired" }, "Describe the change in the change summary");
  if ((d.kind === "revision" || d.kind === "new") && !d.body.trim()) add("body", "empty", { key: "revisions.check.bodyEmpty" }, "The text is empty");
  const current = d.number ? latestVersion(d.number) : undefined;
  if (d.kind === "revision" && current) {
    const content = await readVersionContent(current);
    const strip = (m: DocumentMeta) => JSON.stringify({ ...m, number: undefined, effectiveDate: undefined, nextReviewDate: undefined, audienceDepartments: canonicalSet(m.audienceDepartments) });
    const text = (b: string) => b.replace(/\r\n?/g, "\n").trim();
    if (strip(content.meta) === strip(d.meta) && text(content.body) === text(d.body) && !d.attachmentsChanged) {
      add("body", "unchanged", { key: "revisions.check.unchanged" }, "The proposal does not change anything yet");
    }
  }
  const date = effectiveDateProblem(d.effectiveDate);
  if (date) add("effectiveDate", date.code, date.said, date.text);
  const said: Said[] = [{ key: lead === "notCreated" ? "revisions.check.notCreated" : "revisions.check.notSubmitted" }, ...Object.values(fieldSaid)];
  const gap = routeGap({ meta: d.meta, number: d.number, author: d.author }, stagesFor(d.change), current?.meta.ownerDepartment ?? d.meta.ownerDepartment);
  if (gap) {
    said.push({ key: "revisions.route.submitRefused" }, ...gap.said);
    texts.push(gap.message);
  }
  if (!texts.length) return;
  // Only the routing stands in the way: that is for an administrator to fix, not a mistake in the form (409).
  if (gap && !Object.keys(fields).length) {
    const error = routeGapError(gap, { key: "revisions.route.submitRefused", text: "The proposal cannot be submitted:" });
    if (lead === "notCreated") error.said = [{ key: "revisions.check.notCreated" }, ...(error.said ?? [])];
    throw error;
  }
  const error = new ValidationError(texts.join("; "), fields).saying(said, fieldSaid);
  if (gap) error.details = { ...error.details, stage: gap.stage + 1, token: gap.token };
  throw error;
}

/** Sends a draft for approval; the first stage starts waiting. */
export async function submitProposal(user: AuthUser, id: string): Promise<Proposal> {
  const result = await withLock(LOCK, async () => {
    const p = getProposal(id);
    requireAuthor(user, p);
    requireEditable(p);
    if (isStale(p)) {
      throw new ConflictError(
        msg("revisions.err.stale", { number: p.number, base: p.baseVersion, current: latestVersion(p.number)?.version ?? 0 }),
        { baseVersion: p.baseVersion, currentVersion: latestVersion(p.number)?.version }
      );
    }
    const current = latestVersion(p.number);
    if (current?.meta.retired && p.change !== "restore") throw new ConflictError(msg("revisions.err.retiredOnlyRestore", { number: p.number }));
    const draft = await readDraft(p.headCommit, p.number);
    // Every reason at once (summary, text, no change, date, routing), before anything is written.
    const folder = current && p.kind === "revision" ? attachmentDir(p.number) : null;
    const attachmentsChanged = !!folder && !!current && (await treeAt(p.headCommit, folder)) !== (await treeAt(current.commit, folder));
    await checkSubmission(
      { kind: p.kind, change: p.change, number: p.number, meta: draft.meta, body: draft.body, summary: p.summary, effectiveDate: p.effectiveDate, author: p.author, attachmentsChanged },
      "notSubmitted"
    );
    validateMeta(draft.meta);
    validateBody(draft.body);
    const stages = stagesFor(p.change);
    // The whole chain is checked now: a proposal in review always has a path to a decision (decision 070).
    const gap = routeGap(p, stages, owningDepartment(p));
    if (gap) throw routeGapError(gap, { key: "revisions.route.submitRefused", text: "The proposal cannot be submitted:" });
    const stage = startStage({ ...p, stages, routeOverrides: undefined }, 0, []);
    const updated = await mutate(id, (rec) => {
      requireEditable(rec);
      rec.stages = stages;
      rec.stage = stage;
      rec.routeOverrides = undefined;
      rec.status = "in-review";
      rec.submittedAt = stage.startedAt;
      rec.decisions.push(decision(personRef(user), "submitted", { contentCommit: rec.headCommit, version: rec.baseVersion }));
      return structuredClone(rec);
    });
    await appendAudit({
      actor: user.username,
      action: "proposal.submit",
      object: p.number,
      details: { proposal: id, change: p.change, stages, dueAt: stage.dueAt },
    });
    return updated;
  });
  await announceWaiting(result);
  return result;
}
