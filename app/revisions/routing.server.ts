/**
 * Who approves what, from configuration (content/config.json "approval"):
 * each change kind lists its stages as routing tokens.
 *   owner-head      approvers of the owning department (its head first)
 *   category-final  the category's finalReviewer: "admin" = any admin, or a username
 *   admin           any admin
 *   user:<name>     one named account
 * The proposal's author is never an approver, and nobody approves two stages
 * of the same round. When a stage would have nobody left, it falls to the admins.
 * An administrator may re-route one stage of a waiting proposal to a named person
 * (an override); it holds while that person is active and eligible.
 * Submission checks the whole chain first (routeGap): every way of approving the
 * stages in turn must leave someone for each later stage (decision 070).
 */
import { departmentApprovers, getDepartment, getUserById, getUserByUsername } from "~/org/users.server";
import type { User } from "~/data/schema";
import { readDb } from "~/data/db.server";
import { getCategory, getConfig } from "~/documents/config.server";
import { addWorkingDays } from "~/utils/clock.server";
import { DomainError, msg, type Said } from "~/utils/errors.server";
import type { Proposal, ProposalChange, StageRole } from "./types";

/** The routing tokens configured for a change kind. */
export function stagesFor(change: ProposalChange): string[] {
  const approval = getConfig().approval;
  return [...approval[change]];
}

/** The role of stage `index` out of `count`: one stage = "approval"; else pre-review … final. */
export function stageRole(index: number, count: number): StageRole {
  if (count <= 1) return "approval";
  return index === count - 1 ? "final" : "pre-review";
}

/** Words recorded with a signature, e.g. "approved as final review". */
export function approvalMeaning(role: StageRole): string {
  return role === "approval" ? "approved" : role === "final" ? "approved as final review" : "approved as pre-review";
}

function activeAdmins(): User[] {
  return readDb().users.filter((u) => u.active && u.roles.includes("admin"));
}

/** The accounts a routing token names for a proposal (before excluding the author). */
export function resolveToken(token: string, proposal: Pick<Proposal, "meta" | "number">, ownerDepartment: string): User[] {
  if (token === "owner-head") return departmentApprovers(ownerDepartment);
  if (token === "admin") return activeAdmins();
  if (token === "category-final") {
    const reviewer = getCategory(proposal.meta.category)?.finalReviewer ?? "admin";
    if (reviewer === "admin") return activeAdmins();
    const user = getUserByUsername(reviewer);
    return user && user.active ? [user] : [];
  }
  if (token.startsWith("user:")) {
    const user = getUserByUsername(token.slice(5));
    return user && user.active ? [user] : [];
  }
  throw new DomainError("unavailable", msg("revisions.err.unknownStage", { token }));
}

/**
 * The approvers of a stage: the token's accounts minus the author and anyone
 * who already approved an earlier stage of this round; admins if none remain.
 */
export function approversFor(
  proposal: Pick<Proposal, "meta" | "number" | "author">,
  token: string,
  ownerDepartment: string,
  alreadyApproved: string[] = [],
  overrideUserId?: string
): User[] {
  const excluded = new Set([proposal.author.id, ...alreadyApproved]);
  if (overrideUserId) {
    const chosen = getUserById(overrideUserId);
    if (chosen && chosen.active && !excluded.has(chosen.id)) return [chosen];
  }
  const named = resolveToken(token, proposal, ownerDepartment).filter((u) => !excluded.has(u.id));
  if (named.length) return named;
  return activeAdmins().filter((u) => !excluded.has(u.id));
}

/** A stage that some way of approving the earlier stages leaves with nobody to decide it. */
export interface RouteGap {
  /** Stage index (0-based) and its routing token. */
  stage: number;
  token: string;
  role: StageRole;
  /** Usernames of the people who approve the earlier stages on the failing path. */
  earlier: string[];
  /** The message parts (catalogue entries): what is missing, then who can fix it. */
  said: Said[];
  /** The same in English, for logs and the audit trail. */
  message: string;
}

/**
 * Checks a routing chain before a proposal enters it (or for the rest of a
 * waiting one): walks every way of approving the stages in turn (people who
 * cannot matter to a later stage are tried once) and returns the first stage
 * left with nobody, or null when every path reaches a decision.
 */
export function routeGap(
  proposal: Pick<Proposal, "meta" | "number" | "author">,
  stages: string[],
  ownerDepartment: string,
  options: { from?: number; approved?: string[]; overrides?: Record<string, string> } = {}
): RouteGap | null {
  const overrides = options.overrides ?? {};
  const admins = activeAdmins().map((u) => u.id);
  const potential = stages.map((token, i) => {
    const ids = new Set([...resolveToken(token, proposal, ownerDepartment).map((u) => u.id), ...admins]);
    if (overrides[i]) ids.add(overrides[i]);
    return ids;
  });
  const seen = new Set<string>();
  const walk = (i: number, approved: string[]): RouteGap | null => {
    if (i >= stages.length) return null;
    const key = `${i}|${[...approved].sort().join(",")}`;
    if (seen.has(key)) return null;
    seen.add(key);
    const candidates = approversFor(proposal, stages[i], ownerDepartment, approved, overrides[i]);
    if (!candidates.length) return describeGap(proposal, stages, i, approved, ownerDepartment);
    const later = new Set<string>();
    for (let j = i + 1; j < stages.length; j++) for (const id of potential[j]) later.add(id);
    let triedIrrelevant = false;
    for (const c of candidates) {
      if (!later.has(c.id)) {
        if (triedIrrelevant) continue;
        triedIrrelevant = true;
      }
      const gap = walk(i + 1, [...approved, c.id]);
      if (gap) return gap;
    }
    return null;
  };
  return walk(options.from ?? 0, options.approved ?? []);
}

function describeGap(proposal: Pick<Proposal, "meta" | "author">, stages: string[], i: number, approved: string[], ownerDepartment: string): RouteGap {
  const token = stages[i];
  const role = stageRole(i, stages.length);
  const earlier = approved.map((id) => getUserById(id)?.username ?? id);
  const said: Said[] = [];
  const stageVars = { stage: i + 1, role: { key: `revisions.stage.${role}` }, token };
  if (earlier.length) said.push({ key: "revisions.route.gapEarlier", vars: { ...stageVars, people: earlier.join(", ") } });
  else said.push({ key: "revisions.route.gapNobody", vars: { ...stageVars, author: proposal.author.username } });
  let fix: Said;
  if (token === "owner-head") fix = { key: "revisions.route.fixOwnerHead", vars: { department: getDepartment(ownerDepartment)?.name ?? ownerDepartment } };
  else if (token.startsWith("user:")) fix = { key: "revisions.route.fixUser", vars: { user: token.slice(5) } };
  else if (token === "category-final" && (getCategory(proposal.meta.category)?.finalReviewer ?? "admin") !== "admin")
    fix = { key: "revisions.route.fixUser", vars: { user: getCategory(proposal.meta.category)!.finalReviewer } };
  else fix = { key: "revisions.route.fixAdmin", vars: {} };
  said.push(fix);
  const message =
    (earlier.length
      ? `Stage ${i + 1} ("${token}") would have nobody left to decide it once ${earlier.join(", ")} approved the earlier stage(s): the author and earlier approvers cannot approve it.`
      : `Stage ${i + 1} ("${token}") names nobody who can decide it: the routing names no active person other than the author (${proposal.author.username}).`) +
    " An administrator can fix this: name another head or approver for the department, add an administrator, reactivate the named person, or change the routing.";
  return { stage: i, token, role, earlier, said, message };
}

/** When a stage started at `startedAt` becomes overdue (service level in working days). */
export function dueDate(startedAt: Date): Date {
  return addWorkingDays(startedAt, getConfig().approval.serviceLevelWorkingDays);
}

/** True when the user may act on the stage (named approver, never the author). */
export function mayDecide(user: Pick<User, "id" | "roles">, proposal: Pick<Proposal, "author" | "stage">): boolean {
  if (!proposal.stage || user.id === proposal.author.id) return false;
  return proposal.stage.approverIds.includes(user.id);
}
