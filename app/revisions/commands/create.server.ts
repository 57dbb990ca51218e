/**
 * Creating a proposal: a revision, retirement or restoration of a document, or
 * a new document (its number allocated at publication). The draft's branch is
 * written first and the record after it, inside the "revisions" lock; a record
 * that cannot be written leaves no branch behind. checkCreateAndSubmit checks
 * a save-and-submit before anything is created.
 */
import { decideRead } from "~/access/policy.server";
import type { AuthUser } from "~/access/session.server";
import { appendAudit } from "~/audit/audit.server";
import { collection, mutableCollection, updateDb } from "~/data/db.server";
import { getCategory, getConfig } from "~/documents/config.server";
import { readVersionContent, validateMeta } from "~/documents/documents.server";
import { canonicalSet, type DocumentMeta } from "~/documents/front-matter";
import { allocateNumber, parseNumber } from "~/documents/numbering.server";
import { deleteRef, resolveRef } from "~/documents/repo.server";
import { allNumbers, latestVersion, versionsOf, type VersionRecord } from "~/documents/version-index.server";
import { nowIso } from "~/utils/clock.server";
import { AccessDeniedError, ConflictError, msg, NotFoundError, ValidationError } from "~/utils/errors.server";
import { withLock } from "~/utils/lock.server";
import { proposalRef, saveDraft } from "~/revisions/drafts.server";
import { OPEN_STATUSES, type Proposal, type ProposalChange } from "~/revisions/types";
import { COLLECTION, LOCK, personRef } from "~/revisions/proposals.server";
import { requireEditor, checkDraftBody, checkEffectiveDate } from "~/revisions/steps.server";
import { checkSubmission } from "./submit.server";

export type CreateProposalInput =
  | {
      kind: "revision";
      number: string;
      change: "minor" | "major";
      body?: string;
      summary?: string;
      title?: string;
      type?: string;
      confidentiality?: DocumentMeta["confidentiality"];
      audienceDepartments?: string[];
      effectiveDate?: string;
      fromSuggestion?: string;
    }
  | {
      kind: "new";
      category: string;
      type: string;
      title: string;
      ownerDepartment: string;
      confidentiality: DocumentMeta["confidentiality"];
      audienceDepartments: string[];
      body: string;
      summary?: string;
      effectiveDate?: string;
    }
  | { kind: "retire"; number: string; summary?: string; effectiveDate?: string }
  | { kind: "restore"; number: string; version: number; summary?: string; effectiveDate?: string };

function nextId(): string {
  let highest = 0;
  for (const p of collection<Proposal>(COLLECTION)) highest = Math.max(highest, Number(p.id.slice(2)) || 0);
  return `P-${String(highest + 1).padStart(4, "0")}`;
}

function openOn(number: string, kind?: Proposal["kind"]) {
  return collection<Proposal>(COLLECTION).filter((p) => p.number === number && OPEN_STATUSES.includes(p.status) && (!kind || p.kind === kind));
}

/** Creates a draft proposal (the branch and the record) and returns it. */
export async function createProposal(user: AuthUser, input: CreateProposalInput): Promise<Proposal> {
  requireEditor(user);
  checkEffectiveDate(input.effectiveDate);
  return withLock(LOCK, async () => {
    let number: string;
    let meta: DocumentMeta;
    let body: string;
    let change: ProposalChange;
    let base: VersionRecord | undefined;
    let restoreOf: number | undefined;
    if (input.kind === "new") {
      const category = getCategory(input.category);
      if (!category) throw new ValidationError(msg("revisions.err.chooseCategory"), { category: "unknown category" });
      checkDraftBody(input.body);
      number = "";
      meta = newDocumentMeta(input);
      // Checked before a number is reserved, so typing mistakes do not use numbers up.
      validateMeta({ ...meta, number: fakeNumber(category.code) });
      body = input.body;
      change = "new";
    } else {
      const current = latestVersion(input.number);
      if (!parseNumber(input.number) || !current) throw new NotFoundError(msg("documents.err.noDocument", { number: String(input.number).slice(0, 40) }));
      if (!decideRead(user, current.meta).allowed) throw new AccessDeniedError(msg("revisions.err.proposeAccess", { number: input.number }));
      base = current;
      number = input.number;
      const content = await readVersionContent(current);
      meta = { ...content.meta };
      body = content.body;
      if (input.kind === "revision") {
        if (current.meta.retired) throw new ConflictError(msg("revisions.err.retiredRestore", { number }));
        change = input.change;
        if (input.body !== undefined) {
          checkDraftBody(input.body);
          body = input.body;
        }
        meta = {
          ...meta,
          title: input.title?.trim() || meta.title,
          type: input.type ?? meta.type,
          confidentiality: input.confidentiality ?? meta.confidentiality,
          audienceDepartments: canonicalSet(input.audienceDepartments ?? meta.audienceDepartments),
        };
      } else if (input.kind === "retire") {
        if (current.meta.retired) throw new ConflictError(msg("revisions.err.alreadyRetired", { number }));
        change = "retire";
        meta = { ...meta, retired: true };
      } else {
        const old = versionsOf(number).find((v) => v.version === input.version);
        if (!old) throw new ValidationError(msg("documents.err.noVersion", { number, version: String(input.version) }), { version: "no such version" });
        if (!decideRead(user, current.meta, { history: true }).allowed) throw new AccessDeniedError(msg("documents.err.historyAccess", { number }));
        const oldContent = await readVersionContent(old);
        change = current.meta.retired ? "restore" : "major";
        restoreOf = old.version;
        body = oldContent.body;
        meta = { ...oldContent.meta, number, ownerDepartment: current.meta.ownerDepartment, retired: false };
        if (!current.meta.retired && old.version === current.version)
          throw new ValidationError(msg("revisions.err.isCurrent", { version: old.version }), { version: "current" });
      }
    }
    if (input.kind !== "new") validateMeta(meta);
    if (input.kind === "revision" && input.fromSuggestion) {
      const s = collection<{ id: string; number: string }>("suggestions").find((x) => x.id === input.fromSuggestion);
      if (!s || s.number !== number) throw new ValidationError(msg("revisions.err.suggestionMismatch"), { fromSuggestion: "mismatch" });
    }
    if (input.kind === "new") {
      number = await allocateNumber(input.category, allNumbers(), user.username, "new document proposal");
      meta = { ...meta, number };
    }
    const id = nextId();
    const ref = proposalRef(id);
    // A branch left by a crash before its record was written is discarded.
    if (await resolveRef(ref)) await deleteRef(ref);
    const summary = (input.summary ?? "").trim().slice(0, 500);
    const headCommit = await saveDraft({
      id,
      meta,
      body,
      author: { name: user.name, email: user.email },
      message: `${number}: draft of ${id}`,
      startFrom: base ? base.commit : undefined,
    });
    const at = nowIso();
    const proposal: Proposal = {
      id,
      number,
      kind: input.kind,
      change,
      meta: { ...meta, effectiveDate: undefined, nextReviewDate: undefined },
      summary,
      baseVersion: base?.version ?? 0,
      baseCommit: base?.commit ?? null,
      ref,
      headCommit,
      effectiveDate: input.effectiveDate || undefined,
      restoreOf,
      fromSuggestion: input.kind === "revision" ? input.fromSuggestion : undefined,
      author: { ...personRef(user), departmentId: user.departmentId },
      createdAt: at,
      updatedAt: at,
      status: "draft",
      stages: [],
      decisions: [{ at, by: personRef(user), decision: "created", contentCommit: headCommit, version: base?.version }],
    };
    await updateDb((data) => {
      mutableCollection<Proposal>(data, COLLECTION).push(proposal);
    });
    await appendAudit({
      actor: user.username,
      action: "proposal.create",
      object: number,
      details: { proposal: id, kind: input.kind, change, baseVersion: proposal.baseVersion },
    });
    return structuredClone(proposal);
  });
}

/** A syntactically valid number of the category for checking metadata before one is reserved. */
function fakeNumber(category: string): string {
  const pattern = getConfig().numberPattern;
  return pattern.replace("{category}", category).replace(/\{seq(?::(\d))?\}/, (_m, w: string | undefined) => "1".padStart(Number(w ?? 1), "0"));
}

/** The metadata of a proposed new document (its number is issued at publication). */
function newDocumentMeta(input: Extract<CreateProposalInput, { kind: "new" }>): DocumentMeta {
  return {
    number: "",
    title: input.title.trim(),
    category: input.category,
    type: input.type,
    ownerDepartment: input.ownerDepartment,
    confidentiality: input.confidentiality,
    audienceDepartments: canonicalSet(input.audienceDepartments),
    retired: false,
  };
}

/**
 * "Save and submit" of a new proposal: every reason it could not be submitted is
 * found before a draft (or a document number) is created.
 */
export async function checkCreateAndSubmit(user: AuthUser, input: CreateProposalInput): Promise<void> {
  const author = { ...personRef(user), departmentId: user.departmentId };
  if (input.kind === "new") {
    const meta = newDocumentMeta(input);
    return checkSubmission({ kind: "new", change: "new", number: "", meta, body: input.body, summary: input.summary ?? "", effectiveDate: input.effectiveDate, author }, "notCreated");
  }
  if (input.kind !== "revision") return;
  const current = latestVersion(input.number);
  if (!current) return; // createProposal answers 404
  const content = await readVersionContent(current);
  const meta: DocumentMeta = {
    ...content.meta,
    title: input.title?.trim() || content.meta.title,
    type: input.type ?? content.meta.type,
    confidentiality: input.confidentiality ?? content.meta.confidentiality,
    audienceDepartments: canonicalSet(input.audienceDepartments ?? content.meta.audienceDepartments),
  };
  await checkSubmission(
    { kind: "revision", change: input.change, number: input.number, meta, body: input.body ?? content.body, summary: input.summary ?? "", effectiveDate: input.effectiveDate, author },
    "notCreated"
  );
}
