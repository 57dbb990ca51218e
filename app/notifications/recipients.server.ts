/**
 * Who is told. A document's change reaches the members of its owner and
 * audience departments and everyone watching the document or its category,
 * each person once. Tasks go to the people they wait for.
 */
import { departmentApprovers, departmentMembers, getUserById, getUserByUsername } from "~/org/users.server";
import { readDb } from "~/data/db.server";
import type { User } from "~/data/schema";
import type { DocumentMeta } from "~/documents/front-matter";
import { watchersOf } from "./watches.server";

/** Active people affected by a change to a document, de-duplicated, without the person who made it. */
export function documentAudience(meta: Pick<DocumentMeta, "number" | "category" | "ownerDepartment" | "audienceDepartments">, actorUsername?: string): User[] {
  const byId = new Map<string, User>();
  for (const dept of new Set([meta.ownerDepartment, ...meta.audienceDepartments])) {
    for (const u of departmentMembers(dept)) byId.set(u.id, u);
  }
  for (const id of watchersOf(meta.number, meta.category)) {
    const u = getUserById(id);
    if (u && u.active) byId.set(u.id, u);
  }
  const actor = actorUsername ? getUserByUsername(actorUsername) : undefined;
  if (actor) byId.delete(actor.id);
  return [...byId.values()];
}

/** Active users for a list of ids (unknown and deactivated ones dropped). */
export function activeUsers(ids: string[]): User[] {
  const out: User[] = [];
  for (const id of new Set(ids)) {
    const u = getUserById(id);
    if (u && u.active) out.push(u);
  }
  return out;
}

/** The people who act for a department's documents: its approvers, or the admins when it has none. */
export function departmentOwners(departmentId: string): User[] {
  const approvers = departmentApprovers(departmentId);
  if (approvers.length) return approvers;
  return readDb().users.filter((u) => u.active && u.roles.includes("admin"));
}

/** Editors of a department (who triage suggestions), else its approvers. */
export function departmentEditors(departmentId: string): User[] {
  const editors = departmentMembers(departmentId).filter((u) => u.roles.includes("editor"));
  return editors.length ? editors : departmentOwners(departmentId);
}
