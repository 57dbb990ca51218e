/**
 * Delegates: people an admin names to decide a department's access requests
 * (for example while its head is away), optionally until a date. They decide
 * requests; they do not gain read access to the department's documents.
 */
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { collection, mutableCollection } from "~/data/db.server";
import type { User } from "~/data/schema";
import { now, nowIso } from "~/utils/clock.server";
import { msg, NotFoundError } from "~/utils/errors.server";
import { accessError, recorded } from "./refusals.server";
import { auditedChange } from "./steps.server";
import { departmentApprovers, getDepartment, getUserById, isAdmin } from "~/org/users.server";

export interface Delegate {
  id: string;
  departmentId: string;
  userId: string;
  /** Last day (YYYY-MM-DD, inclusive, company time) the delegation holds; none = until removed. */
  until?: string;
  note?: string;
  createdBy: string;
  createdAt: string;
  removedAt?: string;
  removedBy?: string;
}

const COLLECTION = "accessDelegates";

function endOfDay(day: string): string {
  return new Date(new Date(`${day}T00:00:00+08:00`).getTime() + 86_400_000).toISOString();
}

/** Whether a delegation holds at `at`. */
export function delegationActive(d: Delegate, at: Date = now()): boolean {
  return !d.removedAt && (!d.until || at.toISOString() < endOfDay(d.until));
}

/** Every delegation, newest first. */
export function listDelegates(): Delegate[] {
  return [...collection<Delegate>(COLLECTION)].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/** Delegates currently deciding for a department. */
export function activeDelegatesFor(departmentId: string, at: Date = now()): User[] {
  const ids = new Set(collection<Delegate>(COLLECTION).filter((d) => d.departmentId === departmentId && delegationActive(d, at)).map((d) => d.userId));
  return [...ids].map((id) => getUserById(id)).filter((u): u is User => !!u && u.active);
}

/** Departments a user currently decides for as a delegate. */
export function delegatedDepartments(userId: string, at: Date = now()): string[] {
  return [...new Set(collection<Delegate>(COLLECTION).filter((d) => d.userId === userId && delegationActive(d, at)).map((d) => d.departmentId))];
}

/**
 * Who decides a department's access requests: its approvers (head first) and
 * its delegates; admins when the department has neither.
 */
export function decidersFor(departmentId: string): User[] {
  const list = [...departmentApprovers(departmentId), ...activeDelegatesFor(departmentId)];
  const unique = [...new Map(list.map((u) => [u.id, u])).values()];
  if (unique.length) return unique;
  return collection<User>("users").filter((u) => u.active && isAdmin(u));
}

/** Whether the user may decide access requests for the department (admins always may). */
export function mayDecideFor(user: Pick<User, "id" | "roles">, departmentId: string): boolean {
  if (isAdmin(user)) return true;
  if (departmentApprovers(departmentId).some((a) => a.id === user.id)) return true;
  return activeDelegatesFor(departmentId).some((d) => d.id === user.id);
}

export const DelegateSchema = z.object({
  departmentId: z.string().trim().min(1, "choose a department"),
  userId: z.string().trim().min(1, "choose a person"),
  until: z
    .string()
    .trim()
    .regex(/^\d{4}-\d{2}-\d{2}$/, "use YYYY-MM-DD")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  note: z.string().trim().max(200).optional(),
});

/** Names a delegate (admins only). */
export async function addDelegate(admin: Pick<User, "id" | "username" | "roles">, input: z.infer<typeof DelegateSchema>): Promise<Delegate> {
  return recorded(admin.username, "access.delegate.add", `department:${input.departmentId}`, async () => {
    if (!isAdmin(admin)) throw accessError("forbidden", "access.err.adminOnly", "Only admins name delegates");
    if (!getDepartment(input.departmentId)) {
      throw accessError("bad_request", "access.err.unknownDepartment", "Unknown department", { fieldErrors: { departmentId: "unknown department" } });
    }
    const user = getUserById(input.userId);
    if (!user || !user.active) throw accessError("bad_request", "access.err.unknownUser", "Unknown or inactive user", { fieldErrors: { userId: "unknown user" } });
    if (input.until && endOfDay(input.until) <= nowIso()) {
      throw accessError("bad_request", "access.err.untilPast", "The end date has already passed", { fieldErrors: { until: "in the past" } });
    }
    if (activeDelegatesFor(input.departmentId).some((d) => d.id === user.id)) {
      throw accessError("conflict", "access.err.delegateExists", `${user.username} is already a delegate for ${input.departmentId}`);
    }
    const delegate: Delegate = {
      id: randomUUID(),
      departmentId: input.departmentId,
      userId: user.id,
      until: input.until || undefined,
      note: input.note || undefined,
      createdBy: admin.id,
      createdAt: nowIso(),
    };
    // The delegation and its audit entry are one step (decision 070).
    await auditedChange(
      [COLLECTION],
      (data) => {
        mutableCollection<Delegate>(data, COLLECTION).push(delegate);
        return delegate;
      },
      () => [
        {
          actor: admin.username,
          action: "access.delegate.add",
          object: `department:${input.departmentId}`,
          details: { delegate: user.username, until: delegate.until ?? null },
        },
      ],
    );
    return delegate;
  });
}

/** Ends a delegation (admins only). */
export async function removeDelegate(admin: Pick<User, "id" | "username" | "roles">, id: string): Promise<void> {
  await recorded(admin.username, "access.delegate.remove", `delegate:${id.slice(0, 40)}`, async () => {
    if (!isAdmin(admin)) throw accessError("forbidden", "access.err.adminOnly", "Only admins name delegates");
    const found = await auditedChange(
      [COLLECTION],
      (data) => {
        const d = mutableCollection<Delegate>(data, COLLECTION).find((x) => x.id === id);
        if (!d || d.removedAt) return null;
        d.removedAt = nowIso();
        d.removedBy = admin.id;
        return { ...d };
      },
      (d) => [
        {
          actor: admin.username,
          action: "access.delegate.remove",
          object: `department:${d.departmentId}`,
          details: { delegate: getUserById(d.userId)?.username ?? d.userId },
        },
      ],
    );
    if (!found) throw new NotFoundError(msg("access.err.noDelegation"));
  });
}
