/**
 * Proposed revisions: an editor drafts (text on the proposal's git branch,
 * workflow in the lowdb collection "proposals"), submits, approvers decide
 * stage by stage, and the final approval publishes on the main line through
 * publishVersion — at once, or on a future effective date.
 *
 * This module is the proposals' record and what is asked of it (lists, who
 * may see one, who waits, the figures). Each action is a file of its own in
 * commands/ (create, update a draft, submit, recall, withdraw, decide, publish
 * what is due, reconcile with the main line, re-route, flag overdue); the
 * steps they share are in steps.server.ts. Every state change is checked and
 * made inside the "revisions" lock; every decision is recorded on the
 * proposal, in the audit log, and announced as a domain event.
 */
import { decideRead } from "~/access/policy.server";
import { hasRole, isAdmin } from "~/org/users.server";
import { appendAudit } from "~/audit/audit.server";
import { collection, readDb } from "~/data/db.server";
import type { User } from "~/data/schema";
import { getConfig } from "~/documents/config.server";
import type { DocumentMeta } from "~/documents/front-matter";
import { latestVersion } from "~/documents/version-index.server";
import { now, today } from "~/utils/clock.server";
import { getEnv } from "~/utils/env.server";
import { msg, NotFoundError, type Said } from "~/utils/errors.server";
import { readDraft } from "./drafts.server";
import { approversFor, routeGap, type RouteGap } from "./routing.server";
import { OPEN_STATUSES, type DecisionKind, type PersonRef, type Proposal, type ProposalChange, type ProposalStatus } from "./types";

export const COLLECTION = "proposals";
export const LOCK = "revisions";
export const SYSTEM: PersonRef = { id: "system", username: "system", name: "Regula" };

export type Actor = Pick<User, "id" | "username" | "name" | "roles" | "departmentId" | "passwordHash">;

export function personRef(user: Pick<User, "id" | "username" | "name">): PersonRef {
  return { id: user.id, username: user.username, name: user.name };
}

export function link(id: string) {
  return `/proposals/${id}`;
}

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

export function approvedThisRound(p: Proposal): string[] {
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

export function currentApproverIds(p: Proposal): string[] {
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

export type Viewer = Pick<User, "id" | "roles" | "departmentId">;

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
