/**
 * Who approves what, from configuration (content/config.json "approval"):
 * each change kind lists its stages as routing tokens.
 *   owner-head      approvers of the owning department (its head first)
 *   category-final  the category's finalReviewer: "admin" = any admin, or a username
 *   admin           any admin
 *   user:<name>     one named account
 * The proposal's author is never an approver, and nobody approves two stages
 * of the same round. When a stage would have nobody left, it falls to the admins.
 */
import { departmentApprovers, getUserByUsername } from "~/access/users.server";
import type { User } from "~/data/schema";
import { readDb } from "~/data/db.server";
import { getCategory, getConfig } from "~/documents/config.server";
import { addWorkingDays } from "~/utils/clock.server";
import { DomainError, msg } from "~/utils/errors.server";
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
  alreadyApproved: string[] = []
): User[] {
  const excluded = new Set([proposal.author.id, ...alreadyApproved]);
  const named = resolveToken(token, proposal, ownerDepartment).filter((u) => !excluded.has(u.id));
  if (named.length) return named;
  return activeAdmins().filter((u) => !excluded.has(u.id));
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
