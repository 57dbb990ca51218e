/**
 * Proposed revisions: an editor drafts (text on the proposal's git branch,
 * workflow in the lowdb collection "proposals"), submits, approvers decide
 * stage by stage, and the final approval publishes on the main line through
 * publishVersion — at once, or on a future effective date. Every state change
 * is checked and made inside the "revisions" lock; every decision is recorded
 * on the proposal, in the audit log, and announced as a domain event.
 */
import { verifyPassword } from "~/org/password.server";
import { decideRead } from "~/access/policy.server";
import { checkLoginRate, clearLoginFailures, recordLoginFailure } from "~/access/rate-limit.server";
import type { AuthUser } from "~/access/session.server";
import { getUserById, getUserByUsername, hasRole, isAdmin } from "~/org/users.server";
import { appendAudit, type AuditInput } from "~/audit/audit.server";
import { collection, mutableCollection, readDb, updateDb } from "~/data/db.server";
import type { User } from "~/data/schema";
import { getCategory, getConfig } from "~/documents/config.server";
import { publishVersion, readVersionContent, validateBody, validateMeta } from "~/documents/documents.server";
import { canonicalSet, type DocumentMeta } from "~/documents/front-matter";
import { allocateNumber, parseNumber } from "~/documents/numbering.server";
import { deleteRef, resolveRef, treeAt } from "~/documents/repo.server";
import { attachmentDir } from "~/documents/paths.server";
import { allNumbers, latestVersion, versionsOf, type VersionRecord } from "~/documents/version-index.server";
import { sayIn } from "~/i18n/i18n";
import { now, nowIso, today } from "~/utils/clock.server";
import { emit } from "~/documents/events.server";
import { getEnv } from "~/utils/env.server";
import { AccessDeniedError, ConflictError, DomainError, msg, NotFoundError, ValidationError, type Said } from "~/utils/errors.server";
import { withLock } from "~/utils/lock.server";
import { proposalRef, readDraft, saveDraft } from "./drafts.server";
import { approvalMeaning, approversFor, dueDate, routeGap, stageRole, stagesFor, type RouteGap } from "./routing.server";
import {
  EDITABLE_STATUSES,
  OPEN_STATUSES,
  type Decision,
  type DecisionKind,
  type PersonRef,
  type Proposal,
  type ProposalChange,
  type ProposalStatus,
} from "./types";

const COLLECTION = "proposals";
const LOCK = "revisions";
export const SYSTEM: PersonRef = { id: "system", username: "system", name: "Regula" };

type Actor = Pick<User, "id" | "username" | "name" | "roles" | "departmentId" | "passwordHash">;

export function personRef(user: Pick<User, "id" | "username" | "name">): PersonRef {
  return { id: user.id, username: user.username, name: user.name };
}

function link(id: string) {
  return `/proposals/${id}`;
}

// ---- reading ------------------------------------------------------------------

export interface ProposalFilter {
  status?: ProposalStatus | readonly ProposalStatus[];
  number?: string;
  authorId?: string;
  /** Only open proposals (not published or withdrawn). */
  open?: boolean;
  /** Only proposals waiting for this user's decision. */
  waitingFor?: string;
}

/** Proposals matching a filter, newest first (records are copies). */
export function listProposals(filter: ProposalFilter = {}): Proposal[] {
  const statuses = filter.status === undefined ? null : typeof filter.status === "string" ? [filter.status] : filter.status;
  return collection<Proposal>(COLLECTION)
    .filter((p) => !statuses || statuses.includes(p.status))
    .filter((p) => !filter.number || p.number === filter.number)
    .filter((p) => !filter.authorId || p.author.id === filter.authorId)
    .filter((p) => !filter.open || OPEN_STATUSES.includes(p.status))
    .filter((p) => !filter.waitingFor || (p.status === "in-review" && currentApproverIds(p).includes(filter.waitingFor)))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id))
    .map((p) => structuredClone(p));
}

/** The approved revision of a document that takes effect next (earliest effective date), if any. */
export function nextScheduled(number: string): Proposal | undefined {
  return listProposals({ number, status: "scheduled" }).sort((a, b) => (a.scheduledFor ?? "").localeCompare(b.scheduledFor ?? ""))[0];
}

/** One proposal (a copy); NotFoundError when unknown. */
export function getProposal(id: string): Proposal {
  const p = /^P-\d{4,8}$/.test(id) ? collection<Proposal>(COLLECTION).find((x) => x.id === id) : undefined;
  if (!p) throw new NotFoundError(msg("revisions.err.noProposal", { id: String(id).slice(0, 20) }));
  return structuredClone(p);
}

/** The owning department whose head approves: the current owner, or the proposed one for a new document. */
export function owningDepartment(p: Pick<Proposal, "number" | "meta">): string {
  return latestVersion(p.number)?.meta.ownerDepartment ?? p.meta.ownerDepartment;
}

function approvedThisRound(p: Proposal): string[] {
  let i = p.decisions.length - 1;
  while (i >= 0 && p.decisions[i].decision !== "submitted") i--;
  return p.decisions
    .slice(i + 1)
    .filter((d) => d.decision === "approved")
    .map((d) => d.by.id);
}

/** Approvers of the waiting stage, worked out now (a new department head takes over at once). */
export function currentApprovers(p: Proposal): User[] {
  if (p.status !== "in-review" || !p.stage) return [];
  return approversFor(p, p.stage.token, owningDepartment(p), approvedThisRound(p), p.routeOverrides?.[p.stage.index]);
}

function currentApproverIds(p: Proposal): string[] {
  return currentApprovers(p).map((u) => u.id);
}

/** True when the main line moved past the proposal's base. */
export function isStale(p: Pick<Proposal, "number" | "baseVersion">): boolean {
  return (latestVersion(p.number)?.version ?? 0) !== p.baseVersion;
}

/** True when the stage waiting on this proposal is past its service level. */
export function isOverdue(p: Proposal, at: Date = now()): boolean {
  return p.status === "in-review" && !!p.stage && p.stage.dueAt < at.toISOString();
}

type Viewer = Pick<User, "id" | "roles" | "departmentId">;

function metasForAccess(p: Proposal): DocumentMeta[] {
  const current = latestVersion(p.number);
  return current ? [current.meta, p.meta] : [p.meta];
}

/** May the user read the document(s) the proposal touches (current and proposed metadata)? */
export function mayReadDocumentOf(user: Viewer, p: Proposal): boolean {
  return metasForAccess(p).every((m) => decideRead(user, m).allowed);
}

/**
 * Who may open a proposal: its author, admins, its approvers (waiting or past),
 * and editors and approvers who may read the document.
 */
export function canViewProposal(user: Viewer, p: Proposal): boolean {
  if (user.id === p.author.id || isAdmin(user)) return true;
  if (p.decisions.some((d) => d.by.id === user.id)) return true;
  if (currentApproverIds(p).includes(user.id)) return true;
  return (hasRole(user, "editor") || hasRole(user, "approver")) && mayReadDocumentOf(user, p);
}

/** The proposal if the user may see it; 404 otherwise (its existence is not revealed). */
export function requireVisibleProposal(user: Viewer, id: string): Proposal {
  const p = getProposal(id);
  if (!canViewProposal(user, p)) throw new NotFoundError(msg("revisions.err.noProposal", { id }));
  return p;
}

/** Logs that a confidential document's text was shown as part of a proposal. */
export async function logProposalView(user: Pick<User, "username">, p: Proposal, what: string) {
  const confidential = metasForAccess(p).some((m) => m.confidentiality === "restricted");
  if (!confidential) return;
  await appendAudit({ actor: user.username, action: "document.view", object: p.number, details: { what: `${what} ${p.id}` } });
}

/** Reads the proposal's draft (metadata and body) from its branch. */
export async function readProposalText(p: Pick<Proposal, "headCommit" | "number">) {
  return readDraft(p.headCommit, p.number);
}

// ---- creating -------------------------------------------------------------------

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

function requireEditor(user: Viewer) {
  if (!hasRole(user, "editor")) throw new AccessDeniedError(msg("revisions.err.editorsOnly"));
}

function checkDraftBody(body: string) {
  const max = getEnv().MAX_DOCUMENT_BYTES;
  const bytes = Buffer.byteLength(body, "utf8");
  if (bytes > max) {
    throw new DomainError("too_large", msg("revisions.err.tooLarge", { kb: Math.round(bytes / 1024), limit: Math.round(max / 1024) }), {
      fieldErrors: { body: "too large" },
    });
  }
  if (/\u0000/.test(body)) throw new ValidationError(msg("revisions.err.binary"), { body: "binary data" });
}

/** The problem with a requested effective date, if any (format, past, beyond MAX_EFFECTIVE_DAYS), as field message and English text. */
export function effectiveDateProblem(date: string | undefined): { said: Said; text: string; code: string } | null {
  if (!date) return null;
  const parsed = Date.parse(`${date}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(parsed) || new Date(parsed).toISOString().slice(0, 10) !== date) {
    return { said: { key: "revisions.date.format" }, text: "The effective date must be a date (YYYY-MM-DD)", code: "use YYYY-MM-DD" };
  }
  if (date < today()) return { said: { key: "revisions.date.past", vars: { date } }, text: `The effective date ${date} is in the past`, code: "in the past" };
  const days = getEnv().MAX_EFFECTIVE_DAYS;
  const limit = addDays(today(), days);
  if (date > limit) {
    return {
      said: { key: "revisions.date.tooFar", vars: { date, limit, days } },
      text: `The effective date ${date} is too far ahead: the latest allowed date is ${limit} (${days} days from today)`,
      code: "too far ahead",
    };
  }
  return null;
}

/** True for an allowed effective date more than a year away (the pages warn). */
export function isFarEffectiveDate(date: string | undefined | null): boolean {
  return !!date && date > addDays(today(), 366);
}

function addDays(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function checkEffectiveDate(date: string | undefined) {
  const problem = effectiveDateProblem(date);
  if (problem) throw new ValidationError(problem.text, { effectiveDate: problem.code }).saying(problem.said, { effectiveDate: problem.said });
}

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

// ---- editing ----------------------------------------------------------------------

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

async function mutate<T>(id: string, fn: (p: Proposal) => T): Promise<T> {
  return updateDb((data) => {
    const p = mutableCollection<Proposal>(data, COLLECTION).find((x) => x.id === id);
    if (!p) throw new NotFoundError(msg("revisions.err.noProposal", { id }));
    const result = fn(p);
    p.updatedAt = nowIso();
    return result;
  });
}

function requireAuthor(user: Pick<User, "id">, p: Proposal) {
  if (p.author.id !== user.id) throw new AccessDeniedError(msg("revisions.err.authorOnly"));
}

function requireEditable(p: Proposal) {
  if (!EDITABLE_STATUSES.includes(p.status)) {
    throw new ConflictError(
      p.status === "in-review" ? msg("revisions.err.inReview") : msg("revisions.err.noLongerEditable", { status: p.status }),
      { status: p.status }
    );
  }
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

// ---- workflow ------------------------------------------------------------------------

function decision(by: PersonRef, kind: DecisionKind, extra: Partial<Decision> = {}): Decision {
  return { at: nowIso(), by, decision: kind, ...extra };
}

async function announceWaiting(p: Proposal) {
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
function routeGapError(gap: RouteGap, lead: { key: string; text: string }): DomainError {
  const said: Said[] = [{ key: lead.key }, ...gap.said];
  const parts = {
    lead: { en: lead.text, "zh-CN": sayIn("zh-CN", said[0]) },
    problem: { en: gap.message, "zh-CN": gap.said.map((s) => sayIn("zh-CN", s)).join("") },
  };
  return new DomainError("conflict", msg("revisions.route.refusal", parts), { stage: gap.stage + 1, token: gap.token }).saying(said);
}

function startStage(p: Proposal, index: number, already: string[]) {
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

/** The author takes a proposal back from review to change it (approvals so far lapse). */
export async function recallProposal(user: AuthUser, id: string): Promise<Proposal> {
  return withLock(LOCK, async () => {
    const p = getProposal(id);
    requireAuthor(user, p);
    if (p.status !== "in-review") throw new ConflictError(msg("revisions.err.recallOnlyInReview"));
    const updated = await mutate(id, (rec) => {
      rec.status = "draft";
      rec.stage = undefined;
      rec.decisions.push(decision(personRef(user), "recalled"));
      return structuredClone(rec);
    });
    await appendAudit({ actor: user.username, action: "proposal.recall", object: p.number, details: { proposal: id } });
    return updated;
  });
}

/** Closes a proposal without publishing (author, or an admin; a scheduled one only by an admin). */
export async function withdrawProposal(user: AuthUser, id: string, reason = ""): Promise<Proposal> {
  return withLock(LOCK, async () => {
    const p = getProposal(id);
    const admin = isAdmin(user);
    if (p.author.id !== user.id && !admin) throw new AccessDeniedError(msg("revisions.err.withdrawWho"));
    if (!OPEN_STATUSES.includes(p.status)) throw new ConflictError(msg("revisions.err.alreadyStatus", { status: p.status }));
    if (p.status === "scheduled" && !admin) throw new AccessDeniedError(msg("revisions.err.scheduledAdminOnly"));
    if ((p.status === "scheduled" || p.author.id !== user.id) && reason.trim().length < 3) {
      throw new ValidationError(msg("revisions.err.giveReason"), { reason: "required" });
    }
    const updated = await mutate(id, (rec) => {
      rec.status = "withdrawn";
      rec.stage = undefined;
      rec.scheduledFor = undefined;
      rec.decisions.push(decision(personRef(user), "withdrawn", reason.trim() ? { reason: reason.trim().slice(0, 2000) } : {}));
      return structuredClone(rec);
    });
    await appendAudit({ actor: user.username, action: "proposal.withdraw", object: p.number, details: { proposal: id, reason: reason.trim() || undefined } });
    return updated;
  });
}

export type DecisionInput = { decision: "approve"; password: string; comment?: string } | { decision: "reject" | "request-changes"; reason: string };

export interface DecisionOutcome {
  proposal: Proposal;
  /** What happened: moved to the next stage, published, scheduled, returned (stale), rejected … */
  result: "next-stage" | "published" | "scheduled" | "returned" | "rejected" | "changes-requested";
}

/** Checks the signer's password (rate-limited like sign-in); throws on failure. */
async function verifySignature(user: Actor, password: string, p: Proposal) {
  const key = `sign|${user.username.toLowerCase()}`;
  const wait = checkLoginRate(key);
  if (wait > 0) throw new DomainError("rate_limited", msg("revisions.err.signRateLimited", { minutes: Math.ceil(wait / 60) }), { retryAfter: wait });
  const fresh = getUserById(user.id);
  const ok = !!password && !!fresh && (await verifyPassword(password, fresh.passwordHash));
  if (!ok) {
    recordLoginFailure(key);
    await appendAudit({
      actor: user.username,
      action: "proposal.approve",
      object: p.number,
      outcome: "failed",
      details: { proposal: p.id, reason: "wrong password" },
    });
    throw new ValidationError(msg("revisions.err.wrongPassword"), { password: "wrong password" });
  }
  clearLoginFailures(key);
}

/**
 * An approver's decision on the waiting stage. Approvals are signed by
 * re-entering the password; rejections and requests for changes need a reason.
 * The final approval publishes (or schedules, with a future effective date).
 */
export async function decideProposal(user: AuthUser, id: string, input: DecisionInput): Promise<DecisionOutcome> {
  const events: (() => Promise<void>)[] = [];
  const outcome = await withLock(LOCK, async (): Promise<DecisionOutcome> => {
    const p = getProposal(id);
    if (p.author.id === user.id) throw new AccessDeniedError(msg("revisions.err.ownProposal"));
    if (p.status !== "in-review" || !p.stage) throw new ConflictError(msg("revisions.err.notWaiting", { status: p.status }), { status: p.status });
    if (!currentApproverIds(p).includes(user.id)) {
      throw new AccessDeniedError(
        approvedThisRound(p).includes(user.id)
          ? msg("revisions.err.approvedEarlier")
          : msg("revisions.err.notYours")
      );
    }
    const stage = p.stage;
    const me = personRef(user);
    const timing = { stage: stage.index, stageToken: stage.token, stageRole: stage.role };
    const title = `${p.number} ${p.meta.title}`;
    if (input.decision !== "approve") {
      const reason = input.reason.trim();
      if (reason.length < 3) throw new ValidationError(msg("revisions.err.reasonForEditor"), { reason: "required" });
      const status = input.decision === "reject" ? "rejected" : "changes-requested";
      const kind = input.decision === "reject" ? "rejected" : "changes-requested";
      const updated = await recordStep(
        id,
        (rec) => {
          rec.status = status;
          rec.stage = undefined;
          rec.decisions.push({ ...decision(me, kind, { ...timing, reason: reason.slice(0, 4000), contentCommit: rec.headCommit }), ...stageTimes(stage) });
          return structuredClone(rec);
        },
        [{ actor: user.username, action: `proposal.${input.decision}`, object: p.number, details: { proposal: id, stage: stage.token, reason } }]
      );
      events.push(() =>
        emit("proposal.decided", {
          proposalId: id,
          number: p.number,
          title,
          authorId: p.author.id,
          decision: kind,
          stage: stage.role,
          byUserId: user.id,
          reason,
          link: link(id),
        })
      );
      return { proposal: updated, result: kind };
    }
    await verifySignature(user, input.password, p);
    if (isStale(p)) {
      const updated = await returnStale(p, me);
      return { proposal: updated, result: "returned" };
    }
    const meaning = approvalMeaning(stage.role);
    const comment = input.comment?.trim() ? input.comment.trim().slice(0, 4000) : undefined;
    const signed: Decision = {
      ...decision(me, "approved", { ...timing, meaning, signed: true, contentCommit: p.headCommit, ...(comment ? { reason: comment } : {}) }),
      ...stageTimes(stage),
    };
    const approveAudit: AuditInput = {
      actor: user.username,
      action: "proposal.approve",
      object: p.number,
      details: { proposal: id, stage: stage.token, meaning, signed: true, contentCommit: p.headCommit },
    };
    const approvedEvent = () =>
      emit("proposal.decided", {
        proposalId: id,
        number: p.number,
        title,
        authorId: p.author.id,
        decision: "approved",
        stage: stage.role,
        byUserId: user.id,
        link: link(id),
      });
    // Everything is worked out before anything is written: an approval that cannot be carried
    // through leaves no signature, decision, audit entry or event behind (decision 070).
    if (stage.index + 1 < p.stages.length) {
      const approvedAfter = [...approvedThisRound(p), user.id];
      const gap = routeGap(p, p.stages, owningDepartment(p), { from: stage.index + 1, approved: approvedAfter, overrides: p.routeOverrides });
      if (gap) throw routeGapError(gap, { key: "revisions.route.approvalRefused", text: "Your approval was not recorded:" });
      const next = startStage(p, stage.index + 1, approvedAfter);
      const updated = await recordStep(
        id,
        (rec) => {
          rec.decisions.push(signed);
          rec.stage = next;
          return structuredClone(rec);
        },
        [approveAudit]
      );
      events.push(approvedEvent);
      events.push(() => announceWaiting(updated));
      return { proposal: updated, result: "next-stage" };
    }
    return finalise(p, me, events, { signed, audit: approveAudit, event: approvedEvent });
  });
  for (const fn of events) await fn();
  return outcome;
}

function stageTimes(stage: { startedAt: string; dueAt: string }): Pick<Decision, "stageStartedAt" | "dueAt"> {
  return { stageStartedAt: stage.startedAt, dueAt: stage.dueAt };
}

/** Returns a proposal whose base moved to its author (approvals lapse; nothing is published). */
async function returnStale(p: Proposal, by: PersonRef): Promise<Proposal> {
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
async function finalise(p: Proposal, by: PersonRef, events: (() => Promise<void>)[], approval?: FinalApproval): Promise<DecisionOutcome> {
  if (p.effectiveDate && p.effectiveDate > today()) {
    const updated = await recordStep(
      p.id,
      (rec) => {
        if (approval) rec.decisions.push(approval.signed);
        rec.status = "scheduled";
        rec.stage = undefined;
        rec.scheduledFor = rec.effectiveDate;
        rec.decisions.push(decision(by, "scheduled", { reason: `takes effect on ${rec.effectiveDate}` }));
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
 * One change of a proposal record with its audit entries, all or nothing: when an
 * audit entry cannot be written, the record is put back as it was and the error
 * goes to the caller (events are only sent once everything succeeded).
 */
async function recordStep<T>(id: string, change: (rec: Proposal) => T, audits: AuditInput[]): Promise<T> {
  const before = getProposal(id);
  const result = await mutate(id, change);
  try {
    for (const entry of audits) await appendAudit(entry);
  } catch (error) {
    await updateDb((data) => {
      const list = mutableCollection<Proposal>(data, COLLECTION);
      const i = list.findIndex((x) => x.id === id);
      if (i >= 0) list[i] = before;
    });
    throw error;
  }
  return result;
}

/**
 * Publishes an approved proposal on the main line (one commit with trailers).
 * Refuses to overwrite: when the document moved on, the proposal goes back to
 * its author instead. Idempotent: a proposal already on the main line is
 * only marked published.
 */
async function publishApproved(p: Proposal, by: PersonRef, approval?: FinalApproval): Promise<DecisionOutcome> {
  const existing = versionsOf(p.number).find((v) => v.proposal === p.id);
  if (existing) return { proposal: await markPublished(p, existing, by, approval), result: "published" };
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
    if (error instanceof ConflictError) return { proposal: await returnStale(p, by), result: "returned" };
    throw error;
  }
  // The commit on the main line is the point of no return: if the bookkeeping below fails,
  // reconcileWithMainLine marks the proposal published at the next start (Approved-by is in the commit).
  return { proposal: await markPublished(p, record, by, approval), result: "published" };
}

function approvedThisRoundUsernames(p: Proposal): string[] {
  let i = p.decisions.length - 1;
  while (i >= 0 && p.decisions[i].decision !== "submitted") i--;
  return p.decisions
    .slice(i + 1)
    .filter((d) => d.decision === "approved")
    .map((d) => d.by.username);
}

async function markPublished(p: Proposal, record: VersionRecord, by: PersonRef, approval?: FinalApproval): Promise<Proposal> {
  const updated = await recordStep(
    p.id,
    (rec) => {
      if (approval) rec.decisions.push(approval.signed);
      rec.status = "published";
      rec.stage = undefined;
      rec.publishedVersion = record.version;
      rec.publishedCommit = record.commit;
      rec.publishedAt = record.date;
      rec.decisions.push(decision(by, "published", { version: record.version }));
      return structuredClone(rec);
    },
    [
      ...(approval ? [approval.audit] : []),
      {
        actor: by.username,
        action: "proposal.publish",
        object: p.number,
        details: { proposal: p.id, version: record.version, commit: record.commit, change: p.change, approvedBy: record.approvedBy },
      },
    ]
  );
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

/**
 * Publishes scheduled revisions whose effective date has come (the scheduler
 * job; safe to run any number of times, and after downtime it catches up).
 */
export async function publishDueRevisions(): Promise<{ published: string[]; returned: string[] }> {
  const out = { published: [] as string[], returned: [] as string[] };
  const due = listProposals({ status: "scheduled" }).filter((p) => (p.scheduledFor ?? p.effectiveDate ?? "") <= today());
  for (const candidate of due) {
    await withLock(LOCK, async () => {
      const p = getProposal(candidate.id);
      if (p.status !== "scheduled") return;
      const result = await publishApproved(p, SYSTEM);
      (result.result === "published" ? out.published : out.returned).push(p.id);
    });
  }
  return out;
}

/**
 * Brings proposal records level with the main line after a crash between a
 * publication and its bookkeeping: a proposal whose id is on a main-line
 * commit is published.
 */
export async function reconcileWithMainLine(): Promise<number> {
  let fixed = 0;
  for (const p of listProposals({ open: true })) {
    const record = versionsOf(p.number).find((v) => v.proposal === p.id);
    if (!record) continue;
    await withLock(LOCK, async () => {
      const fresh = getProposal(p.id);
      if (fresh.status === "published") return;
      await markPublished(fresh, record, SYSTEM);
      fixed++;
    });
  }
  return fixed;
}

/**
 * When a version is published, proposals on the same document that were in
 * review or scheduled on an older base go back to their authors: their
 * approvals no longer describe the text that would be published.
 * Called from the "document.published" subscription (no lock: a plain db update).
 */
export async function onDocumentPublished(record: VersionRecord): Promise<void> {
  const affected = collection<Proposal>(COLLECTION).filter(
    (p) => p.number === record.number && p.id !== record.proposal && (p.status === "in-review" || p.status === "scheduled") && p.baseVersion < record.version
  );
  for (const p of affected) await returnStale(structuredClone(p), SYSTEM);
}

/** A proposal in review that the people as they are now cannot carry to a decision. */
export interface StrandedProposal {
  proposal: Proposal;
  gap: RouteGap;
}

/**
 * Proposals in review left without a path to a decision by a change of people
 * (a head left, an account was deactivated, a role was removed): worked out at
 * each request, so the list follows every change of users, roles or departments.
 */
export function strandedProposals(): StrandedProposal[] {
  const out: StrandedProposal[] = [];
  for (const p of listProposals({ status: "in-review" })) {
    if (!p.stage) continue;
    const gap = routeGap(p, p.stages, owningDepartment(p), { from: p.stage.index, approved: approvedThisRound(p), overrides: p.routeOverrides });
    if (gap) out.push({ proposal: p, gap });
  }
  return out;
}

/** People an administrator may route a stage of this proposal to: active approvers and admins other than its author and this round's approvers. */
export function rerouteCandidates(p: Proposal): User[] {
  const excluded = new Set([p.author.id, ...approvedThisRound(p)]);
  return readDb()
    .users.filter((u) => u.active && !excluded.has(u.id) && (u.roles.includes("approver") || u.roles.includes("admin")))
    .sort((a, b) => a.username.localeCompare(b.username));
}

/**
 * An administrator routes one waiting or later stage of a proposal in review to a
 * named person (for the rest of this round). Refused when the person cannot take
 * the stage or the stage would still have nobody.
 */
export async function rerouteProposal(user: AuthUser, id: string, stageIndex: number, username: string): Promise<Proposal> {
  if (!isAdmin(user)) throw new AccessDeniedError(msg("revisions.err.rerouteAdminOnly"));
  const events: (() => Promise<void>)[] = [];
  const updated = await withLock(LOCK, async () => {
    const p = getProposal(id);
    if (p.status !== "in-review" || !p.stage) throw new ConflictError(msg("revisions.err.notWaiting", { status: p.status }), { status: p.status });
    if (!Number.isInteger(stageIndex) || stageIndex < p.stage.index || stageIndex >= p.stages.length) {
      throw new ValidationError(msg("revisions.reroute.badStage"), { stage: "not a waiting stage" }).saying(
        { key: "revisions.reroute.badStage" },
        { stage: { key: "revisions.reroute.badStage" } }
      );
    }
    const target = getUserByUsername(username);
    if (!target || !rerouteCandidates(p).some((u) => u.id === target.id)) {
      throw new ValidationError(msg("revisions.reroute.badPerson"), {
        username: "not eligible",
      }).saying({ key: "revisions.reroute.badPerson" }, { username: { key: "revisions.reroute.badPerson" } });
    }
    const overrides = { ...(p.routeOverrides ?? {}), [stageIndex]: target.id };
    const gap = routeGap(p, p.stages, owningDepartment(p), { from: p.stage.index, approved: approvedThisRound(p), overrides });
    if (gap && gap.stage <= stageIndex) throw routeGapError(gap, { key: "revisions.reroute.refused", text: "The stage was not re-routed:" });
    const at = nowIso();
    const reason = `stage ${stageIndex + 1} (${p.stages[stageIndex]}) → ${target.username}`;
    const result = await recordStep(
      id,
      (rec) => {
        rec.routeOverrides = overrides;
        if (rec.stage && rec.stage.index === stageIndex) rec.stage.approverIds = [target.id];
        rec.decisions.push({ at, by: personRef(user), decision: "rerouted", stage: stageIndex, stageToken: p.stages[stageIndex], reason });
        return structuredClone(rec);
      },
      [{ actor: user.username, action: "proposal.reroute", object: p.number, details: { proposal: id, stage: stageIndex + 1, token: p.stages[stageIndex], to: target.username } }]
    );
    if (stageIndex === p.stage.index) events.push(() => announceWaiting(result));
    return result;
  });
  for (const fn of events) await fn();
  return updated;
}

/** Raises the overdue flag once per waiting stage (to its approvers and the admins). */
export async function flagOverdueApprovals(): Promise<number> {
  const at = now();
  let flagged = 0;
  for (const p of listProposals({ status: "in-review" })) {
    if (!p.stage || p.stage.overdueFlaggedAt || !isOverdue(p, at)) continue;
    const stageIndex = p.stage.index;
    const approverIds = currentApproverIds(p);
    await mutate(p.id, (rec) => {
      if (rec.stage && rec.stage.index === stageIndex) rec.stage.overdueFlaggedAt = at.toISOString();
    });
    await emit("approval.overdue", {
      kind: "proposal",
      id: p.id,
      number: p.number,
      title: `${p.number} ${p.meta.title}`,
      approverIds,
      dueAt: p.stage.dueAt,
      link: link(p.id),
    });
    flagged++;
  }
  return flagged;
}

// ---- figures for the inbox, home page and dashboard -----------------------------------

export interface WaitingItem {
  proposal: Proposal;
  dueAt: string;
  overdue: boolean;
  stageRole: string;
}

/** Proposals waiting for this user's decision, oldest due first. */
export function waitingFor(user: Pick<User, "id">): WaitingItem[] {
  const at = now();
  return listProposals({ waitingFor: user.id })
    .map((p) => ({ proposal: p, dueAt: p.stage!.dueAt, overdue: isOverdue(p, at), stageRole: p.stage!.role }))
    .sort((a, b) => a.dueAt.localeCompare(b.dueAt));
}

/** Every overdue approval in the portal (for admins). */
export function overdueApprovals(): WaitingItem[] {
  const at = now();
  return listProposals({ status: "in-review" })
    .filter((p) => isOverdue(p, at))
    .map((p) => ({ proposal: p, dueAt: p.stage!.dueAt, overdue: true, stageRole: p.stage!.role }))
    .sort((a, b) => a.dueAt.localeCompare(b.dueAt));
}

export interface ApprovalTime {
  proposalId: string;
  number: string;
  stageRole: string;
  decision: DecisionKind;
  startedAt: string;
  decidedAt: string;
  dueAt: string;
  hours: number;
  withinServiceLevel: boolean;
}

export interface ProposalStats {
  total: number;
  byStatus: Record<ProposalStatus, number>;
  byChange: Record<ProposalChange, number>;
  open: number;
  waiting: number;
  overdue: number;
  /** Every stage decision (approve, reject, request changes) with how long it waited. */
  approvalTimes: ApprovalTime[];
  /** Share of stage decisions made within the service level (null when none yet). */
  withinServiceLevelRate: number | null;
  medianDecisionHours: number | null;
  serviceLevelWorkingDays: number;
}

/** Figures about proposals and approval times (the compliance dashboard reads these). */
export function proposalStats(filter: { since?: string; department?: string } = {}): ProposalStats {
  const at = now();
  const proposals = collection<Proposal>(COLLECTION).filter(
    (p) => (!filter.since || p.createdAt >= filter.since) && (!filter.department || owningDepartment(p) === filter.department)
  );
  const byStatus = Object.fromEntries(
    ["draft", "in-review", "changes-requested", "rejected", "needs-update", "scheduled", "published", "withdrawn"].map((s) => [s, 0])
  ) as Record<ProposalStatus, number>;
  const byChange = { minor: 0, major: 0, new: 0, retire: 0, restore: 0 } as Record<ProposalChange, number>;
  const approvalTimes: ApprovalTime[] = [];
  let overdue = 0;
  for (const p of proposals) {
    byStatus[p.status]++;
    byChange[p.change]++;
    if (isOverdue(p, at)) overdue++;
    for (const d of p.decisions) {
      if (!d.stageStartedAt || !d.dueAt || !["approved", "rejected", "changes-requested"].includes(d.decision)) continue;
      approvalTimes.push({
        proposalId: p.id,
        number: p.number,
        stageRole: d.stageRole ?? "approval",
        decision: d.decision,
        startedAt: d.stageStartedAt,
        decidedAt: d.at,
        dueAt: d.dueAt,
        hours: Math.round(((Date.parse(d.at) - Date.parse(d.stageStartedAt)) / 3_600_000) * 10) / 10,
        withinServiceLevel: d.at <= d.dueAt,
      });
    }
  }
  const hours = approvalTimes.map((a) => a.hours).sort((a, b) => a - b);
  const median = hours.length ? (hours.length % 2 ? hours[(hours.length - 1) / 2] : (hours[hours.length / 2 - 1] + hours[hours.length / 2]) / 2) : null;
  return {
    total: proposals.length,
    byStatus,
    byChange,
    open: proposals.filter((p) => OPEN_STATUSES.includes(p.status)).length,
    waiting: byStatus["in-review"],
    overdue,
    approvalTimes,
    withinServiceLevelRate: approvalTimes.length ? approvalTimes.filter((a) => a.withinServiceLevel).length / approvalTimes.length : null,
    medianDecisionHours: median,
    serviceLevelWorkingDays: getConfig().approval.serviceLevelWorkingDays,
  };
}
