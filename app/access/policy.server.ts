/**
 * Who may read what. The one check used by every channel (pages, API, search,
 * notifications, guides, feeds):
 *  - internal: every signed-in user;
 *  - department: members of the owning and audience departments, and admins;
 *  - restricted: admins, approvers of the owning department, and holders of an
 *    active grant (approved access request or emergency access within its window).
 */
import { collection } from "~/data/db.server";
import type { User } from "~/data/schema";
import type { DocumentMeta } from "~/documents/front-matter";
import { now as clockNow } from "~/utils/clock.server";

export interface Grant {
  id: string;
  userId: string;
  number: string;
  /** "all" = whole document; otherwise the heading ids of the sections granted (current version only). */
  sections: "all" | string[];
  /** Whether history (old versions, diffs) is included. */
  history: boolean;
  kind: "request" | "emergency";
  requestId?: string;
  grantedBy?: string;
  createdAt: string;
  expiresAt: string;
  revokedAt?: string;
  /** Emergency access: when it was ratified by an approver. */
  ratifiedAt?: string;
}

export type ReadDecision =
  | { allowed: true; via: "open" | "department" | "role" | "grant"; grant?: Grant }
  | { allowed: false; reason: "department" | "restricted" | "history" };

/** How much a grant opens: whole document with history > whole document > named sections. */
function breadth(g: Grant): number {
  return g.sections === "all" ? (g.history ? 3 : 2) : 1;
}

/**
 * Active grant of a user for a document, if any (checked at every request).
 * Grants for named sections only count when the caller can show a part of a
 * document (`partial: true`); every other channel treats them as no access.
 */
export function activeGrant(userId: string, number: string, now: Date = clockNow(), options: { partial?: boolean } = {}): Grant | undefined {
  const iso = now.toISOString();
  let best: Grant | undefined;
  for (const g of collection<Grant>("grants")) {
    if (g.userId !== userId || g.number !== number || g.revokedAt || g.expiresAt <= iso) continue;
    if (g.sections !== "all" && !options.partial) continue;
    if (!best || breadth(g) > breadth(best) || (breadth(g) === breadth(best) && g.expiresAt > best.expiresAt)) best = g;
  }
  return best;
}

export interface ReadOptions {
  /** Older versions, history and diffs are asked for. */
  history?: boolean;
  now?: Date;
  /**
   * The caller shows only the grant's sections when the decision carries a
   * sections-only grant (the document pages do, through openCurrent/openVersion).
   * Without it such grants do not open the document.
   */
  sections?: boolean;
}

/** Decides whether `user` may read the document (and, with `history`, its older versions). */
export function decideRead(
  user: Pick<User, "id" | "roles" | "departmentId">,
  meta: Pick<DocumentMeta, "number" | "confidentiality" | "ownerDepartment" | "audienceDepartments">,
  options: ReadOptions = {},
): ReadDecision {
  const partial = { partial: !!options.sections && !options.history };
  if (user.roles.includes("admin")) return { allowed: true, via: "role" };
  if (meta.confidentiality === "internal") return { allowed: true, via: "open" };
  if (meta.confidentiality === "department") {
    if (user.departmentId === meta.ownerDepartment || meta.audienceDepartments.includes(user.departmentId)) {
      return { allowed: true, via: "department" };
    }
    const grant = activeGrant(user.id, meta.number, options.now, partial);
    if (grant && (!options.history || grant.history)) return { allowed: true, via: "grant", grant };
    return { allowed: false, reason: "department" };
  }
  if (user.roles.includes("approver") && user.departmentId === meta.ownerDepartment) return { allowed: true, via: "role" };
  const grant = activeGrant(user.id, meta.number, options.now, partial);
  if (grant) {
    if (options.history && !grant.history) return { allowed: false, reason: "history" };
    return { allowed: true, via: "grant", grant };
  }
  return { allowed: false, reason: "restricted" };
}

/**
 * A key shared by readers who get the same `decideRead` answer (current
 * version, no sections) for every document at `now`: admins; otherwise the
 * approver role, the department and the documents the reader holds an active
 * whole-document grant for. Search results are kept per key (decision 125).
 */
export function readClassKey(user: Pick<User, "id" | "roles" | "departmentId">, now: Date = clockNow()): string {
  if (user.roles.includes("admin")) return "admin";
  const iso = now.toISOString();
  const granted: string[] = [];
  for (const g of collection<Grant>("grants")) {
    if (g.userId === user.id && !g.revokedAt && g.expiresAt > iso && g.sections === "all") granted.push(g.number);
  }
  const base = `${user.roles.includes("approver") ? "approver" : "reader"}|${user.departmentId}`;
  return granted.length ? `${base}|${[...new Set(granted)].sort().join(",")}` : base;
}

/** Shorthand: may the user read the current body? */
export function canRead(
  user: Pick<User, "id" | "roles" | "departmentId">,
  meta: Pick<DocumentMeta, "number" | "confidentiality" | "ownerDepartment" | "audienceDepartments">,
  options: ReadOptions = {},
): boolean {
  return decideRead(user, meta, options).allowed;
}
