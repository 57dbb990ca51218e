/**
 * Emergency access: a reader takes immediate access to a whole document with
 * a written justification. It is logged, the deciders are alerted at once,
 * and it must be ratified within 7 days; otherwise access ends when the 7 days
 * pass (the grant simply expires) and it stays on the admin report as
 * unratified. Ratifying turns it into an ordinary grant for the approver's period.
 */
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { withoutInvisible } from "~/utils/visible-text";
import { collection, mutableCollection } from "~/data/db.server";
import type { User } from "~/data/schema";
import { now, nowIso } from "~/utils/clock.server";
import { emit } from "~/documents/events.server";
import { msg, NotFoundError } from "~/utils/errors.server";
import { decidersFor } from "./delegates.server";
import { COLLECTION as GRANTS, DAY_MS, insertGrant, type GrantRecord } from "./grants.server";
import { decideRead } from "./policy.server";
import { accessError, recorded } from "./refusals.server";
import { MAX_DAYS, MIN_DAYS, RATIFY_DAYS } from "./limits";
import {
  REQUESTS,
  assertMayDecide,
  getRequest,
  parseAccessInput,
  requestableDocument,
  viewOf,
  type AccessRequest,
  type DecisionInput,
  type RequestView,
} from "./requests.server";
import { auditedChange } from "./steps.server";
import { getUserById } from "~/org/users.server";

export { RATIFY_DAYS };

export const EmergencyInputSchema = z.object({
  number: withoutInvisible(z.string().trim().min(1, "required").max(40)),
  justification: z
    .string()
    .trim()
    .min(20, "write why you cannot wait for an ordinary request (at least 20 characters)")
    .max(2000, "at most 2000 characters"),
  history: z.union([z.boolean(), z.enum(["current", "history"])]).default("current").transform((v) => v === true || v === "history"),
  /** Period wanted if it is ratified. */
  days: z.coerce.number().int().min(MIN_DAYS, `at least ${MIN_DAYS} day`).max(MAX_DAYS, `at most ${MAX_DAYS} days`).default(7),
  confirm: z
    .union([z.literal("yes"), z.literal("on"), z.literal(true)], { errorMap: () => ({ message: "confirm that this access will be reviewed" }) }),
});

export type EmergencyInput = z.input<typeof EmergencyInputSchema>;

/** Takes emergency access now: a grant valid for 7 days unless ratified, and an alert to the deciders. */
export async function takeEmergencyAccess(
  user: Pick<User, "id" | "username" | "roles" | "departmentId">,
  raw: EmergencyInput,
): Promise<{ request: AccessRequest; grant: GrantRecord }> {
  return recorded(user.username, "access.emergency", String(raw.number ?? "").slice(0, 40), async () => {
    const input = parseAccessInput(EmergencyInputSchema, raw);
    const record = requestableDocument(input.number);
    if (decideRead(user, record.meta, { history: input.history }).allowed) {
      throw accessError("conflict", "access.err.alreadyCan", `You can already read ${record.number}`, { vars: { number: record.number } });
    }
    const at = now();
    const deadline = new Date(at.getTime() + RATIFY_DAYS * DAY_MS).toISOString();
    const deciders = decidersFor(record.meta.ownerDepartment).filter((u) => u.id !== user.id);
    // The grant, the record and the audit entry are one step; the deciders are alerted only after.
    const result = await auditedChange(
      [REQUESTS, GRANTS],
      (data) => {
        const list = mutableCollection<AccessRequest>(data, REQUESTS);
        if (list.some((r) => r.kind === "emergency" && r.requesterId === user.id && r.number === record.number && r.status === "emergency" && r.dueAt > at.toISOString())) {
          return null;
        }
        const request: AccessRequest = {
          id: randomUUID(),
          kind: "emergency",
          number: record.number,
          title: record.meta.title,
          ownerDepartment: record.meta.ownerDepartment,
          requesterId: user.id,
          purpose: input.justification,
          scope: "all",
          sectionNames: [],
          history: input.history,
          days: input.days,
          status: "emergency",
          createdAt: at.toISOString(),
          dueAt: deadline,
          approverIds: deciders.map((u) => u.id),
        };
        const grant = insertGrant(data, {
          userId: user.id,
          number: record.number,
          sections: "all",
          history: input.history,
          kind: "emergency",
          requestId: request.id,
          expiresAt: deadline,
        });
        request.grantId = grant.id;
        list.push(request);
        return { request: { ...request }, grant: { ...grant } };
      },
      (done) => [
        {
          actor: user.username,
          action: "access.emergency",
          object: record.number,
          details: {
            request: done.request.id,
            grant: done.grant.id,
            justification: input.justification.slice(0, 1000),
            history: input.history,
            ratifyBy: deadline,
          },
        },
      ],
    );
    if (!result) {
      throw accessError("conflict", "access.err.emergencyExists", `You already hold emergency access to ${record.number}`, { vars: { number: record.number } });
    }
    await emit("approval.waiting", {
      kind: "emergency-access",
      id: result.request.id,
      number: record.number,
      title: record.meta.title,
      approverIds: result.request.approverIds,
      dueAt: deadline,
      link: `/access/requests/${result.request.id}`,
    });
    return result;
  });
}

/**
 * Ratifies emergency access (access continues for `days` from now, at most
 * the period asked for) or rejects it (access ends at once).
 */
export async function decideEmergency(
  user: Pick<User, "id" | "username" | "roles">,
  id: string,
  input: DecisionInput,
): Promise<{ request: AccessRequest; grant?: GrantRecord }> {
  return recorded(user.username, "access.ratify", `request:${id.slice(0, 40)}`, async () => {
    const request = getRequest(id);
    if (!request) throw new NotFoundError(msg("access.err.noRequest"));
    if (request.kind !== "emergency") throw accessError("bad_request", "access.err.notEmergency", "This is an ordinary request; approve or reject it");
    assertMayDecide(user, request);
    const at = now();
    if (request.status === "lapsed" || (request.status === "emergency" && request.dueAt <= at.toISOString())) {
      throw accessError("conflict", "access.err.lapsed", "The 7 days have passed: this emergency access has ended and can no longer be ratified");
    }
    if (request.status !== "emergency") throw accessError("conflict", "access.err.notPending", "This request is no longer waiting for a decision");
    if (input.decision === "approve" && input.days > request.days) {
      throw accessError("bad_request", "access.err.longerThanAsked", `You can approve ${request.days} days or fewer (the period asked for)`, {
        vars: { days: request.days },
        fieldErrors: { days: `at most ${request.days}` },
      });
    }
    const iso = at.toISOString();
    const requester = getUserById(request.requesterId)?.username ?? request.requesterId;
    // The decision, the grant's change and the audit entries are one step; the requester is told only after.
    const result = await auditedChange(
      [REQUESTS, GRANTS],
      (data) => {
        const r = mutableCollection<AccessRequest>(data, REQUESTS).find((x) => x.id === id);
        const g = mutableCollection<GrantRecord>(data, GRANTS).find((x) => x.id === r?.grantId);
        if (!r || r.status !== "emergency" || !g) return null;
        r.decidedAt = iso;
        r.decidedBy = user.id;
        if (input.decision === "approve") {
          r.status = "ratified";
          r.grantedDays = input.days;
          r.grantedSections = "all";
          r.reason = input.note || undefined;
          g.ratifiedAt = iso;
          g.ratifiedBy = user.id;
          g.grantedBy = user.id;
          if (!g.revokedAt) g.expiresAt = new Date(at.getTime() + input.days * DAY_MS).toISOString();
        } else {
          r.status = "rejected";
          r.reason = input.reason;
          if (!g.revokedAt && g.expiresAt > iso) {
            g.revokedAt = iso;
            g.revokedBy = user.id;
            g.revokeReason = input.reason;
          }
        }
        return { request: { ...r }, grant: { ...g } };
      },
      (done) =>
        input.decision === "approve"
          ? [
              {
                actor: user.username,
                action: "access.ratify",
                object: done.request.number,
                details: { request: id, grant: done.grant.id, requester, days: input.days, expiresAt: done.grant.expiresAt },
              },
            ]
          : [
              {
                actor: user.username,
                action: "access.emergency.reject",
                object: done.request.number,
                details: { request: id, requester, reason: input.reason },
              },
              {
                actor: user.username,
                action: "access.revoke",
                object: done.request.number,
                details: { grant: done.grant.id, user: requester, kind: "emergency", reason: input.reason },
              },
            ],
    );
    if (!result) throw accessError("conflict", "access.err.notPending", "This request is no longer waiting for a decision");
    await emit("access.decided", {
      requestId: id,
      number: result.request.number,
      requesterId: result.request.requesterId,
      decision: input.decision === "approve" ? "ratified" : "rejected",
      byUserId: user.id,
      reason: input.decision === "reject" ? input.reason : undefined,
      expiresAt: input.decision === "approve" ? result.grant.expiresAt : undefined,
    });
    return result;
  });
}

/** Scheduled: marks emergency accesses not ratified within 7 days as lapsed (their grants have ended). */
export async function lapseUnratified(at: Date = now()): Promise<number> {
  const iso = at.toISOString();
  // Marked and audited together: when the entries cannot be written nothing is marked, and the next run tries again.
  const lapsed = await auditedChange(
    [REQUESTS],
    (data) => {
      const out: AccessRequest[] = [];
      for (const r of mutableCollection<AccessRequest>(data, REQUESTS)) {
        if (r.kind === "emergency" && r.status === "emergency" && r.dueAt <= iso) {
          r.status = "lapsed";
          out.push({ ...r });
        }
      }
      return out.length ? out : null;
    },
    (list) =>
      list.map((r) => ({
        actor: "system",
        action: "access.emergency.lapse",
        object: r.number,
        details: { request: r.id, grant: r.grantId, user: getUserById(r.requesterId)?.username ?? r.requesterId, deadline: r.dueAt },
      })),
  );
  return lapsed?.length ?? 0;
}

export interface EmergencyAwaiting extends RequestView {
  /** Ratification deadline passed: access has ended, still unratified. */
  lapsed: boolean;
  hoursLeft: number;
}

/** Emergency accesses never ratified (waiting, or lapsed after 7 days), oldest first — the admin report. */
export function listEmergencyAwaitingRatification(at: Date = now()): EmergencyAwaiting[] {
  const iso = at.toISOString();
  return collection<AccessRequest>(REQUESTS)
    .filter((r) => r.kind === "emergency" && (r.status === "emergency" || r.status === "lapsed"))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    .map((r) => ({
      ...viewOf(r, at),
      lapsed: r.status === "lapsed" || r.dueAt <= iso,
      hoursLeft: Math.max(0, Math.round((Date.parse(r.dueAt) - at.getTime()) / 3_600_000)),
    }));
}

/** Every emergency access (newest first), for the admin report's history part. */
export function listEmergencyAccess(limit = 200): RequestView[] {
  return collection<AccessRequest>(REQUESTS)
    .filter((r) => r.kind === "emergency")
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    .slice(0, limit)
    .map((r) => viewOf(r));
}
