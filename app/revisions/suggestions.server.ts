/**
 * Suggestions: anyone who can read a document may say what is wrong with it;
 * editors of the owning department (and admins) triage each one — turn it
 * into a proposal, or decline it with a reason. The suggester sees the
 * outcome; a report counts how many were acted on. Records live in the lowdb
 * collection "suggestions".
 */
import { decideRead } from "~/access/policy.server";
import type { AuthUser } from "~/access/session.server";
import { hasRole, isAdmin } from "~/org/users.server";
import { appendAudit } from "~/audit/audit.server";
import { collection, mutableCollection, updateDb } from "~/data/db.server";
import type { User } from "~/data/schema";
import { requireDocument } from "~/documents/documents.server";
import { latestVersion } from "~/documents/version-index.server";
import { now, nowIso } from "~/utils/clock.server";
import { emit } from "~/documents/events.server";
import { AccessDeniedError, ConflictError, msg, NotFoundError, ValidationError } from "~/utils/errors.server";
import { withLock } from "~/utils/lock.server";
import { createProposal } from "./commands/create.server";
import { getProposal, personRef } from "./proposals.server";
import type { Proposal, Suggestion, SuggestionStatus } from "./types";

const COLLECTION = "suggestions";
const MAX_TEXT = 4000;

type Viewer = Pick<User, "id" | "roles" | "departmentId">;

function nextId(): string {
  let highest = 0;
  for (const s of collection<Suggestion>(COLLECTION)) highest = Math.max(highest, Number(s.id.slice(2)) || 0);
  return `S-${String(highest + 1).padStart(4, "0")}`;
}

function suggestionLink(s: Pick<Suggestion, "number" | "id">) {
  return `/docs/${s.number}/suggestions#${s.id}`;
}

/** May the user triage suggestions on documents of this department? */
export function mayTriage(user: Viewer, ownerDepartment: string): boolean {
  return isAdmin(user) || (hasRole(user, "editor") && user.departmentId === ownerDepartment);
}

/** May the user triage this suggestion: an editor of the owning department who can also read the document (the text may quote it). */
export function mayTriageSuggestion(user: Viewer, s: Pick<Suggestion, "number" | "ownerDepartment">): boolean {
  if (!mayTriage(user, s.ownerDepartment)) return false;
  const current = latestVersion(s.number);
  return !!current && decideRead(user, current.meta).allowed;
}

/** Leaves a suggestion on a document the user can read. */
export async function createSuggestion(user: AuthUser, number: string, text: string): Promise<Suggestion> {
  const record = requireDocument(number);
  if (!decideRead(user, record.meta).allowed) throw new AccessDeniedError(msg("revisions.err.suggestAccess", { number }));
  if (record.meta.retired) throw new ConflictError(msg("revisions.err.alreadyRetired", { number }));
  const clean = text.replace(/\r\n?/g, "\n").trim();
  if (clean.length < 5) throw new ValidationError(msg("revisions.err.suggestionText"), { text: "too short" });
  if (clean.length > MAX_TEXT) throw new ValidationError(msg("revisions.err.atMost", { n: MAX_TEXT }), { text: "too long" });
  const suggestion = await withLock("suggestions", () =>
    updateDb((data) => {
      const s: Suggestion = {
        id: nextId(),
        number,
        ownerDepartment: record.meta.ownerDepartment,
        version: record.version,
        text: clean,
        by: { ...personRef(user), departmentId: user.departmentId },
        createdAt: nowIso(),
        status: "open",
      };
      mutableCollection<Suggestion>(data, COLLECTION).push(s);
      return structuredClone(s);
    })
  );
  await appendAudit({ actor: user.username, action: "suggestion.create", object: number, details: { suggestion: suggestion.id } });
  await emit("suggestion.created", {
    suggestionId: suggestion.id,
    number,
    byUserId: user.id,
    ownerDepartment: suggestion.ownerDepartment,
    link: suggestionLink(suggestion),
  });
  return suggestion;
}

export interface SuggestionFilter {
  number?: string;
  status?: SuggestionStatus;
  byUserId?: string;
  ownerDepartment?: string;
  since?: string;
}

/** Suggestions matching a filter, newest first (copies). */
export function listSuggestions(filter: SuggestionFilter = {}): Suggestion[] {
  return collection<Suggestion>(COLLECTION)
    .filter((s) => !filter.number || s.number === filter.number)
    .filter((s) => !filter.status || s.status === filter.status)
    .filter((s) => !filter.byUserId || s.by.id === filter.byUserId)
    .filter((s) => !filter.ownerDepartment || s.ownerDepartment === filter.ownerDepartment)
    .filter((s) => !filter.since || s.createdAt >= filter.since)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id))
    .map((s) => structuredClone(s));
}

function getSuggestion(id: string): Suggestion {
  const s = /^S-\d{4,8}$/.test(id) ? collection<Suggestion>(COLLECTION).find((x) => x.id === id) : undefined;
  if (!s) throw new NotFoundError(msg("revisions.err.noSuggestion", { id: String(id).slice(0, 20) }));
  return s;
}

/** Suggestions on a document the user may see: all of them if they can read the document. */
export function suggestionsOn(user: Viewer, number: string): Suggestion[] {
  const record = requireDocument(number);
  if (!decideRead(user, record.meta).allowed) return [];
  return listSuggestions({ number });
}

async function decide(
  user: AuthUser,
  id: string,
  outcome: "accepted" | "declined",
  apply: (s: Suggestion) => { reason?: string; proposalId?: string }
): Promise<Suggestion> {
  const s = getSuggestion(id);
  if (!mayTriageSuggestion(user, s)) throw new AccessDeniedError(msg("revisions.err.triageWho"));
  if (s.status !== "open") throw new ConflictError(msg("revisions.err.suggestionDone", { status: s.status }));
  const { reason, proposalId } = apply(s);
  const updated = await updateDb((data) => {
    const rec = mutableCollection<Suggestion>(data, COLLECTION).find((x) => x.id === id)!;
    if (rec.status !== "open") throw new ConflictError(msg("revisions.err.suggestionDone", { status: rec.status }));
    rec.status = outcome;
    rec.decidedAt = nowIso();
    rec.decidedBy = personRef(user);
    if (reason) rec.reason = reason;
    if (proposalId) rec.proposalId = proposalId;
    return structuredClone(rec);
  });
  await appendAudit({
    actor: user.username,
    action: outcome === "accepted" ? "suggestion.accept" : "suggestion.decline",
    object: s.number,
    details: { suggestion: id, ...(proposalId ? { proposal: proposalId } : {}), ...(reason ? { reason } : {}) },
  });
  await emit("suggestion.decided", { suggestionId: id, number: s.number, suggesterId: s.by.id, outcome, reason, link: suggestionLink(s) });
  return updated;
}

/** Declines a suggestion with a reason the suggester will see. */
export async function declineSuggestion(user: AuthUser, id: string, reason: string): Promise<Suggestion> {
  const clean = reason.trim();
  if (clean.length < 3) throw new ValidationError(msg("revisions.err.suggesterReason"), { reason: "required" });
  return withLock("suggestions", () => decide(user, id, "declined", () => ({ reason: clean.slice(0, 2000) })));
}

/** Turns a suggestion into a draft proposal (minor or major revision) owned by the triaging editor. */
export async function acceptSuggestion(user: AuthUser, id: string, change: "minor" | "major"): Promise<{ suggestion: Suggestion; proposal: Proposal }> {
  return withLock("suggestions", async () => {
    const s = getSuggestion(id);
    if (!mayTriageSuggestion(user, s)) throw new AccessDeniedError(msg("revisions.err.triageWho"));
    if (s.status !== "open") throw new ConflictError(msg("revisions.err.suggestionDone", { status: s.status }));
    const proposal = await createProposal(user, {
      kind: "revision",
      number: s.number,
      change,
      summary: s.text.split("\n")[0].slice(0, 200),
      fromSuggestion: s.id,
    });
    const suggestion = await decide(user, id, "accepted", () => ({ proposalId: proposal.id }));
    return { suggestion, proposal };
  });
}

export interface SuggestionStats {
  total: number;
  open: number;
  accepted: number;
  declined: number;
  /** Accepted suggestions whose proposal has been published. */
  published: number;
  /** Share of decided suggestions that were turned into proposals (null when none decided). */
  actedOnRate: number | null;
  /** Median days from suggestion to triage decision. */
  medianDaysToDecision: number | null;
  openOlderThan30Days: number;
  byDepartment: { department: string; total: number; open: number; accepted: number; declined: number; published: number }[];
}

/** Figures for the suggestions report and the dashboard. */
export function suggestionStats(filter: { since?: string; ownerDepartment?: string } = {}): SuggestionStats {
  const list = listSuggestions(filter);
  const published = (s: Suggestion) => {
    if (!s.proposalId) return false;
    try {
      return getProposal(s.proposalId).status === "published";
    } catch {
      return false;
    }
  };
  const days = list
    .filter((s) => s.decidedAt)
    .map((s) => (Date.parse(s.decidedAt!) - Date.parse(s.createdAt)) / 86_400_000)
    .sort((a, b) => a - b);
  const median = days.length ? days[Math.floor((days.length - 1) / 2)] : null;
  const monthAgo = new Date(now().getTime() - 30 * 86_400_000).toISOString();
  const departments = new Map<string, SuggestionStats["byDepartment"][number]>();
  for (const s of list) {
    const d = departments.get(s.ownerDepartment) ?? { department: s.ownerDepartment, total: 0, open: 0, accepted: 0, declined: 0, published: 0 };
    d.total++;
    d[s.status]++;
    if (published(s)) d.published++;
    departments.set(s.ownerDepartment, d);
  }
  const accepted = list.filter((s) => s.status === "accepted").length;
  const declined = list.filter((s) => s.status === "declined").length;
  return {
    total: list.length,
    open: list.filter((s) => s.status === "open").length,
    accepted,
    declined,
    published: list.filter(published).length,
    actedOnRate: accepted + declined ? accepted / (accepted + declined) : null,
    medianDaysToDecision: median === null ? null : Math.round(median * 10) / 10,
    openOlderThan30Days: list.filter((s) => s.status === "open" && s.createdAt < monthAgo).length,
    byDepartment: [...departments.values()].sort((a, b) => b.total - a.total),
  };
}
