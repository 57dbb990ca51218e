/**
 * The steps the proposal commands share: the checks on an editor and a draft,
 * one change of a proposal record (mutate) and one change with its audit
 * entries, all or nothing (recordStep), the start of a stage, the return of a
 * stale proposal to its author, and what the last approval leads to: a
 * schedule, or the publication on the main line and its bookkeeping.
 */
import { getUserById, hasRole } from "~/org/users.server";
import { appendAudit, readAuditEntries, syncAuditCopy, updateWithAudit, type AuditInput } from "~/audit/audit.server";
import { mutableCollection, updateDb } from "~/data/db.server";
import type { User } from "~/data/schema";
import { publishVersion } from "~/documents/documents.server";
import { latestVersion, versionsOf, type VersionRecord } from "~/documents/version-index.server";
import { sayIn } from "~/i18n/i18n";
import { now, nowIso, today } from "~/utils/clock.server";
import { emit } from "~/documents/events.server";
import { getEnv } from "~/utils/env.server";
import { AccessDeniedError, ConflictError, DomainError, msg, NotFoundError, ValidationError, type Said } from "~/utils/errors.server";
import { readDraft } from "./drafts.server";
import { approversFor, dueDate, routeGap, stageRole, type RouteGap } from "./routing.server";
import { EDITABLE_STATUSES, type Decision, type DecisionKind, type PersonRef, type Proposal } from "./types";
import { COLLECTION, link, getProposal, owningDepartment, isStale, type Viewer, effectiveDateProblem } from "./proposals.server";

export function requireEditor(user: Viewer) {
  if (!hasRole(user, "editor")) throw new AccessDeniedError(msg("revisions.err.editorsOnly"));
}

export function checkDraftBody(body: string) {
  const max = getEnv().MAX_DOCUMENT_BYTES;
  const bytes = Buffer.byteLength(body, "utf8");
  if (bytes > max) {
    throw new DomainError("too_large", msg("revisions.err.tooLarge", { kb: Math.round(bytes / 1024), limit: Math.round(max / 1024) }), {
      fieldErrors: { body: "too large" },
    });
  }
  if (/\u0000/.test(body)) throw new ValidationError(msg("revisions.err.binary"), { body: "binary data" });
}

export function checkEffectiveDate(date: string | undefined) {
  const problem = effectiveDateProblem(date);
  if (problem) throw new ValidationError(problem.text, { effectiveDate: problem.code }).saying(problem.said, { effectiveDate: problem.said });
}

export async function mutate<T>(id: string, fn: (p: Proposal) => T): Promise<T> {
  return updateDb((data) => {
    const p = mutableCollection<Proposal>(data, COLLECTION).find((x) => x.id === id);
    if (!p) throw new NotFoundError(msg("revisions.err.noProposal", { id }));
    const result = fn(p);
    p.updatedAt = nowIso();
    return result;
  });
}

export function requireAuthor(user: Pick<User, "id">, p: Proposal) {
  if (p.author.id !== user.id) throw new AccessDeniedError(msg("revisions.err.authorOnly"));
}

export function requireEditable(p: Proposal) {
  if (!EDITABLE_STATUSES.includes(p.status)) {
    throw new ConflictError(
      p.status === "in-review" ? msg("revisions.err.inReview") : msg("revisions.err.noLongerEditable", { status: p.status }),
      { status: p.status }
    );
  }
}

export function decision(by: PersonRef, kind: DecisionKind, extra: Partial<Decision> = {}): Decision {
  return { at: nowIso(), by, decision: kind, ...extra };
}

export async function announceWaiting(p: Proposal) {
  if (!p.stage) return;
  await emit("approval.waiting", {
    kind: "proposal",
    id: p.id,
    number: p.number,
    title: `${p.number} ${p.meta.title}`,
    approverIds: p.stage.approverIds,
    dueAt: p.stage.dueAt,
    link: link(p.id),
  });
}

/**
 * The refusal for a routing chain with a stage nobody can decide (what is missing and who can fix it).
 * Its message keeps the full English explanation for logs and API clients; pages show the catalogue parts.
 */
export function routeGapError(gap: RouteGap, lead: { key: string; text: string }): DomainError {
  const said: Said[] = [{ key: lead.key }, ...gap.said];
  const parts = {
    lead: { en: lead.text, "zh-CN": sayIn("zh-CN", said[0]) },
    problem: { en: gap.message, "zh-CN": gap.said.map((s) => sayIn("zh-CN", s)).join("") },
  };
  return new DomainError("conflict", msg("revisions.route.refusal", parts), { stage: gap.stage + 1, token: gap.token }).saying(said);
}

export function startStage(p: Proposal, index: number, already: string[]) {
  const token = p.stages[index];
  const approvers = approversFor(p, token, owningDepartment(p), already, p.routeOverrides?.[index]);
  if (!approvers.length) {
    const gap = routeGap(p, p.stages, owningDepartment(p), { from: index, approved: already, overrides: p.routeOverrides });
    if (gap) throw routeGapError(gap, { key: "revisions.route.stuck", text: "Nothing was recorded." });
    throw new DomainError("conflict", msg("revisions.err.noDecider", { stage: index + 1, token }));
  }
  const started = now();
  return {
    index,
    token,
    role: stageRole(index, p.stages.length),
    startedAt: started.toISOString(),
    dueAt: dueDate(started).toISOString(),
    approverIds: approvers.map((u) => u.id),
  };
}

export interface DecisionOutcome {
  proposal: Proposal;
  /** What happened: moved to the next stage, published, scheduled, returned (stale), rejected … */
  result: "next-stage" | "published" | "scheduled" | "returned" | "rejected" | "changes-requested";
}

export function stageTimes(stage: { startedAt: string; dueAt: string }): Pick<Decision, "stageStartedAt" | "dueAt"> {
  return { stageStartedAt: stage.startedAt, dueAt: stage.dueAt };
}

/** Returns a proposal whose base moved to its author (approvals lapse; nothing is published). */
export async function returnStale(p: Proposal, by: PersonRef): Promise<Proposal> {
  const current = latestVersion(p.number)?.version ?? 0;
  const reason = `The current version changed to v${current} after this proposal started from v${p.baseVersion}; update it to the current version and submit it again.`;
  const updated = await mutate(p.id, (rec) => {
    rec.status = "needs-update";
    rec.stage = undefined;
    rec.scheduledFor = undefined;
    rec.decisions.push(decision(by, "returned", { reason, version: current }));
    return structuredClone(rec);
  });
  await appendAudit({
    actor: by.username,
    action: "proposal.return",
    object: p.number,
    details: { proposal: p.id, baseVersion: p.baseVersion, currentVersion: current },
  });
  await emit("proposal.decided", {
    proposalId: p.id,
    number: p.number,
    title: `${p.number} ${p.meta.title}`,
    authorId: p.author.id,
    decision: "changes-requested",
    stage: "update",
    byUserId: by.id,
    reason,
    link: link(p.id),
  });
  return updated;
}

/** After the last approval: schedule (future effective date) or publish now. */
export async function finalise(p: Proposal, by: PersonRef, events: (() => Promise<void>)[], approval?: FinalApproval): Promise<DecisionOutcome> {
  if (p.effectiveDate && p.effectiveDate > today()) {
    const updated = await recordStep(
      p.id,
      (rec) => {
        if (approval) rec.decisions.push(approval.signed);
        rec.status = "scheduled";
        rec.stage = undefined;
        rec.scheduledFor = rec.effectiveDate;
        rec.decisions.push(decision(by, "scheduled", { effectiveDate: rec.effectiveDate }));
        return structuredClone(rec);
      },
      [
        ...(approval ? [approval.audit] : []),
        { actor: by.username, action: "proposal.schedule", object: p.number, details: { proposal: p.id, effectiveDate: p.effectiveDate } },
      ]
    );
    if (approval) events.push(approval.event);
    const title = `${p.number} ${p.meta.title}`;
    events.push(() =>
      emit("document.scheduled", {
        number: p.number,
        title: p.meta.title,
        effectiveDate: p.effectiveDate!,
        change: p.change,
        proposalId: p.id,
        actor: by.username,
      })
    );
    events.push(() =>
      emit("proposal.decided", {
        proposalId: p.id,
        number: p.number,
        title,
        authorId: p.author.id,
        decision: "scheduled",
        stage: "final",
        byUserId: by.id,
        link: link(p.id),
      })
    );
    return { proposal: updated, result: "scheduled" };
  }
  return publishApproved(p, by, approval);
}

/** The last stage's signature, recorded together with the publication or schedule it leads to. */
interface FinalApproval {
  signed: Decision;
  audit: AuditInput;
  event: () => Promise<void>;
}

/**
 * One change of a proposal record with its audit entries, all or nothing (decision 129): with
 * PostgreSQL in one transaction; with lowdb the record is put back as it was when an audit entry
 * cannot be written. The error goes to the caller (events are only sent once everything succeeded).
 */
export async function recordStep<T>(id: string, change: (rec: Proposal) => T, audits: AuditInput[] | ((result: T) => AuditInput[])): Promise<T> {
  const before = structuredClone(getProposal(id));
  return updateWithAudit(
    (data) => {
      const p = mutableCollection<Proposal>(data, COLLECTION).find((x) => x.id === id);
      if (!p) throw new NotFoundError(msg("revisions.err.noProposal", { id }));
      const result = change(p);
      p.updatedAt = nowIso();
      return result;
    },
    (result) => (typeof audits === "function" ? audits(result) : audits),
    (data) => {
      const list = mutableCollection<Proposal>(data, COLLECTION);
      const i = list.findIndex((x) => x.id === id);
      if (i >= 0) list[i] = before;
    }
  );
}

/**
 * Publishes an approved proposal on the main line (one commit with trailers).
 * Refuses to overwrite: when the document moved on, the proposal goes back to
 * its author instead. Idempotent: a proposal already on the main line is
 * only marked published.
 */
export async function publishApproved(p: Proposal, by: PersonRef, approval?: FinalApproval): Promise<DecisionOutcome> {
  const existing = versionsOf(p.number).find((v) => v.proposal === p.id);
  if (existing) return finishedHere(p, await finishOrLearn(p, existing, by, approval), approval);
  if (isStale(p)) return { proposal: await returnStale(p, by), result: "returned" };
  const draft = await readDraft(p.headCommit, p.number);
  const authorUser = getUserById(p.author.id);
  const signedRecord = approval ? { ...p, decisions: [...p.decisions, approval.signed] } : p;
  const approvedBy = [...new Set(approvedThisRoundUsernames(signedRecord))];
  let record: VersionRecord;
  try {
    record = await publishVersion({
      number: p.number,
      // A scheduled revision is effective from its date, even when published late (after downtime).
      meta: {
        ...draft.meta,
        effectiveDate: p.status === "scheduled" && p.scheduledFor && p.scheduledFor <= today() ? p.scheduledFor : today(),
        nextReviewDate: undefined,
      },
      body: draft.body,
      author: { username: p.author.username, name: p.author.name, email: authorUser?.email ?? `${p.author.username}@regula.invalid` },
      change: p.change,
      summary: p.summary,
      proposal: p.id,
      approvedBy,
      expectedVersion: p.baseVersion,
      timestamp: Math.floor(now().getTime() / 1000),
      attachmentsFrom: p.headCommit,
    });
  } catch (error) {
    if (error instanceof ConflictError) {
      // The publisher fetched the shared repository first: a proposal another instance put on the main
      // line (and died before its bookkeeping, decision 121) is found there and finished, not sent back.
      const onMain = versionsOf(p.number).find((v) => v.proposal === p.id);
      if (onMain) return finishedHere(p, await finishOrLearn(p, onMain, by, approval), approval);
      return { proposal: await returnStale(p, by), result: "returned" };
    }
    throw error;
  }
  // The commit on the main line is the point of no return: if the bookkeeping below fails,
  // reconcileWithMainLine marks the proposal published at the next start (Approved-by is in the commit).
  return { proposal: await markPublished(p, record, by, { approval, commitMadeHere: true }), result: "published" };
}

/** Finishes a publication found on the main line, telling whether someone else had already recorded it. */
async function finishOrLearn(p: Proposal, record: VersionRecord, by: PersonRef, approval?: FinalApproval): Promise<{ proposal: Proposal; already: boolean }> {
  const seen = { already: false };
  const proposal = await finishPublication(p, record, by, approval, seen);
  return { proposal, already: seen.already };
}

/**
 * A person's approval that comes second (another instance's approval of the same stage published it
 * first) is refused like any decision on a proposal no longer waiting: one approval wins. The
 * scheduler's publications (no approval) stay idempotent.
 */
function finishedHere(p: Proposal, finished: { proposal: Proposal; already: boolean }, approval?: FinalApproval): DecisionOutcome {
  if (approval && finished.already) throw new ConflictError(msg("revisions.err.notWaiting", { status: finished.proposal.status }), { status: finished.proposal.status });
  return { proposal: finished.proposal, result: "published" };
}

function approvedThisRoundUsernames(p: Proposal): string[] {
  let i = p.decisions.length - 1;
  while (i >= 0 && p.decisions[i].decision !== "submitted") i--;
  return p.decisions
    .slice(i + 1)
    .filter((d) => d.decision === "approved")
    .map((d) => d.by.username);
}

/**
 * Finishes a publication whose commit is on the main line but whose proposal was not marked
 * published: its publisher died between the push and the bookkeeping (decision 121). The
 * `document.published` handlers run again (each is idempotent; the audit entry is written only
 * when there is none for the commit), since the publisher may have died between two of them.
 */
export async function finishPublication(p: Proposal, record: VersionRecord, by: PersonRef, approval?: FinalApproval, seen?: { already: boolean }): Promise<Proposal> {
  const fresh = getProposal(p.id);
  if (fresh.status === "published") {
    if (seen) seen.already = true;
    return fresh;
  }
  await syncAuditCopy().catch(() => undefined);
  // The handlers run again even when the audit entry was written: the publisher may have died between
  // two of them (after the audit entry, before the webhooks). Each is idempotent; the audit entry is not
  // written twice.
  const recorded = readAuditEntries().some((e) => e.action === "document.publish" && e.object === record.number && e.details?.commit === record.commit);
  const previous = versionsOf(record.number).find((v) => v.version === record.version - 1);
  await emit("document.published", { record, previous, actor: p.author.username, auditRecorded: recorded });
  return markPublished(fresh, record, by, { approval, seen });
}

/** How a publication being marked came about. */
interface Marking {
  /** The final approval that published it, recorded with it. */
  approval?: FinalApproval;
  /** Set when another instance (or an earlier run of a job) had marked it already. */
  seen?: { already: boolean };
  /**
   * This call's caller made the commit with `approval`. The leader may mark such a publication
   * while its publisher is still running the publication's handlers (decision 121): the approval
   * that made the commit is then added to the record, not lost.
   */
  commitMadeHere?: boolean;
}

export async function markPublished(p: Proposal, record: VersionRecord, by: PersonRef, { approval, seen, commitMadeHere }: Marking = {}): Promise<Proposal> {
  // Another instance (or an earlier run of a job) may have marked it already: then nothing is recorded twice.
  let already = false;
  let approvalAdded = false;
  const updated = await recordStep(
    p.id,
    (rec) => {
      if (rec.status === "published") {
        already = true;
        const signed = approval?.signed;
        const recorded = (d: Decision) => d.at === signed?.at && d.by.id === signed.by.id && d.decision === signed.decision;
        if (signed && commitMadeHere && rec.publishedCommit === record.commit && !rec.decisions.some(recorded)) {
          const at = rec.decisions.findLastIndex((d) => d.decision === "published");
          rec.decisions.splice(at < 0 ? rec.decisions.length : at, 0, signed);
          approvalAdded = true;
        }
        return structuredClone(rec);
      }
      if (approval) rec.decisions.push(approval.signed);
      rec.status = "published";
      rec.stage = undefined;
      rec.publishedVersion = record.version;
      rec.publishedCommit = record.commit;
      rec.publishedAt = record.date;
      rec.decisions.push(decision(by, "published", { version: record.version }));
      return structuredClone(rec);
    },
    () =>
      already
        ? approvalAdded && approval
          ? [approval.audit]
          : []
        : [
            ...(approval ? [approval.audit] : []),
            {
              actor: by.username,
              action: "proposal.publish",
              object: p.number,
              details: { proposal: p.id, version: record.version, commit: record.commit, change: p.change, approvedBy: record.approvedBy },
            },
          ]
  );
  if (already) {
    if (seen) seen.already = true;
    if (approvalAdded) await approval?.event();
    return updated;
  }
  if (approval) await approval.event();
  await emit("proposal.decided", {
    proposalId: p.id,
    number: p.number,
    title: `${p.number} ${p.meta.title}`,
    authorId: p.author.id,
    decision: "published",
    stage: "final",
    byUserId: by.id,
    link: `/docs/${p.number}`,
  });
  return updated;
}
