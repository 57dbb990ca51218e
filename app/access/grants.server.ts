/**
 * Grants: the records the read policy checks (policy.server.ts → activeGrant).
 * A grant comes from an approved access request or from emergency access; it
 * ends by itself at `expiresAt`, or earlier when revoked. Because the policy
 * compares `expiresAt` with the clock on every request, an ended grant stops
 * access at once everywhere; the expiry job only records and announces it.
 */
import { randomUUID } from "node:crypto";
import { collection, mutableCollection } from "~/data/db.server";
import type { Data, User } from "~/data/schema";
import { latestVersion } from "~/documents/version-index.server";
import { now, nowIso } from "~/utils/clock.server";
import { emit } from "~/documents/events.server";
import { msg, NotFoundError } from "~/utils/errors.server";
import type { Grant } from "./policy.server";
import { accessError, recorded } from "./refusals.server";
import { mayDecideFor } from "./delegates.server";
import { auditedChange } from "./steps.server";
import { getUserById } from "~/org/users.server";

/** A grant as stored: the policy's fields plus who ended it and when that was announced. */
export interface GrantRecord extends Grant {
  revokedBy?: string;
  revokeReason?: string;
  ratifiedBy?: string;
  /** When the expiry job recorded that the grant ran out. */
  endedRecordedAt?: string;
}

export type GrantState = "active" | "expired" | "revoked";

export const DAY_MS = 86_400_000;
export const COLLECTION = "grants";

/** State of a grant at `at`. */
export function grantState(g: Grant, at: Date = now()): GrantState {
  if (g.revokedAt) return "revoked";
  return g.expiresAt > at.toISOString() ? "active" : "expired";
}

/** Adds a grant inside a database mutation (requests and emergency access call this). */
export function insertGrant(data: Data, fields: Omit<GrantRecord, "id" | "createdAt">): GrantRecord {
  const grant: GrantRecord = { id: randomUUID(), createdAt: nowIso(), ...fields };
  mutableCollection<GrantRecord>(data, COLLECTION).push(grant);
  return grant;
}

export function getGrant(id: string): GrantRecord | undefined {
  return collection<GrantRecord>(COLLECTION).find((g) => g.id === id);
}

/** A user's grants, newest first. */
export function grantsOf(userId: string): GrantRecord[] {
  return collection<GrantRecord>(COLLECTION)
    .filter((g) => g.userId === userId)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

export interface GrantInForce extends GrantRecord {
  username: string;
  name: string;
  departmentId: string;
  title: string;
  ownerDepartment: string;
  grantedByName?: string;
}

/** Grants in force now (optionally for one document or one user), soonest-ending first. */
export function grantsInForce(filter: { number?: string; userId?: string } = {}, at: Date = now()): GrantInForce[] {
  return collection<GrantRecord>(COLLECTION)
    .filter((g) => grantState(g, at) === "active")
    .filter((g) => !filter.number || g.number === filter.number)
    .filter((g) => !filter.userId || g.userId === filter.userId)
    .sort((a, b) => a.expiresAt.localeCompare(b.expiresAt))
    .map((g) => {
      const user = getUserById(g.userId);
      const doc = latestVersion(g.number);
      return {
        ...g,
        username: user?.username ?? "?",
        name: user?.name ?? "?",
        departmentId: user?.departmentId ?? "",
        title: doc?.meta.title ?? "",
        ownerDepartment: doc?.meta.ownerDepartment ?? "",
        grantedByName: g.grantedBy ? getUserById(g.grantedBy)?.name : undefined,
      };
    });
}

/**
 * Revokes a grant now. Admins may revoke any grant; approvers and delegates
 * of the owning department may revoke grants for their documents.
 */
export async function revokeGrant(actor: Pick<User, "id" | "username" | "roles">, id: string, reason: string): Promise<GrantRecord> {
  return recorded(actor.username, "access.revoke", `grant:${id.slice(0, 40)}`, async () => {
    const grant = getGrant(id);
    if (!grant) throw new NotFoundError(msg("access.err.noGrant"));
    const doc = latestVersion(grant.number);
    if (!mayDecideFor(actor, doc?.meta.ownerDepartment ?? "")) {
      throw accessError("forbidden", "access.err.notDecider", "Only admins and the owning department's approvers or delegates may revoke this grant");
    }
    const text = reason.trim();
    if (text.length < 3) {
      throw accessError("bad_request", "access.err.reasonRequired", "Give a reason (at least 3 characters)", { fieldErrors: { reason: "required" } });
    }
    const at = nowIso();
    // The revocation and its audit entry are one step; the holder is told only after both.
    const updated = await auditedChange(
      [COLLECTION],
      (data) => {
        const g = mutableCollection<GrantRecord>(data, COLLECTION).find((x) => x.id === id);
        if (!g || grantState(g) !== "active") return null;
        g.revokedAt = at;
        g.revokedBy = actor.id;
        g.revokeReason = text.slice(0, 500);
        return { ...g };
      },
      (u) => [
        {
          actor: actor.username,
          action: "access.revoke",
          object: u.number,
          details: { grant: u.id, user: getUserById(u.userId)?.username ?? u.userId, kind: u.kind, reason: u.revokeReason },
        },
      ],
    );
    if (!updated) throw accessError("conflict", "access.err.grantNotActive", "This grant has already ended");
    await emit("access.decided", {
      requestId: updated.requestId ?? updated.id,
      number: updated.number,
      requesterId: updated.userId,
      decision: "revoked",
      byUserId: actor.id,
      reason: updated.revokeReason,
    });
    return updated;
  });
}

/**
 * Scheduled: records grants that ran out since the last run (audit entry and
 * an "expired" decision event, so the holder is told). Access itself already
 * ended at `expiresAt`.
 */
export async function recordExpiredGrants(at: Date = now()): Promise<number> {
  const iso = at.toISOString();
  // Marked and audited together (the next run tries again when the entries cannot be written); holders are told after.
  const ended =
    (await auditedChange(
      [COLLECTION],
      (data) => {
        const out: GrantRecord[] = [];
        for (const g of mutableCollection<GrantRecord>(data, COLLECTION)) {
          if (!g.revokedAt && !g.endedRecordedAt && g.expiresAt <= iso) {
            g.endedRecordedAt = iso;
            out.push({ ...g });
          }
        }
        return out.length ? out : null;
      },
      (list) =>
        list.map((g) => ({
          actor: "system",
          action: "access.expire",
          object: g.number,
          details: { grant: g.id, user: getUserById(g.userId)?.username ?? g.userId, kind: g.kind, expiresAt: g.expiresAt },
        })),
    )) ?? [];
  for (const g of ended) {
    await emit("access.decided", { requestId: g.requestId ?? g.id, number: g.number, requesterId: g.userId, decision: "expired", expiresAt: g.expiresAt });
  }
  return ended.length;
}
