/**
 * Access requests: a reader without access asks for a document (purpose,
 * scope, period); the owning department's approvers or a named delegate
 * approve — possibly for a shorter period — or reject with a reason. An
 * approval creates a grant (grants.server.ts). Emergency access uses the same
 * record with kind "emergency" (emergency.server.ts).
 */
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { withoutInvisible } from "~/utils/visible-text";
import { collection, mutableCollection } from "~/data/db.server";
import type { User } from "~/data/schema";
import { readVersionContent, requireDocument, summarize, type DocumentSummary } from "~/documents/documents.server";
import { normaliseNumberQuery } from "~/documents/numbering.server";
import { latestVersion, type VersionRecord } from "~/documents/version-index.server";
import { addWorkingDays, now, nowIso } from "~/utils/clock.server";
import { emit } from "~/documents/events.server";
import { msg, NotFoundError } from "~/utils/errors.server";
import { decidersFor, mayDecideFor } from "./delegates.server";
import { COLLECTION as GRANTS, DAY_MS, grantState, insertGrant, type GrantRecord } from "./grants.server";
import { activeGrant, decideRead, type Grant } from "./policy.server";
import { accessError, recorded } from "./refusals.server";
import { DECISION_WORKING_DAYS, MAX_DAYS, MIN_DAYS } from "./limits";
import { sectionsOf, type Section } from "./sections.server";
import { auditedChange } from "./steps.server";
import { getDepartment, getUserById, isAdmin } from "~/org/users.server";

export type RequestKind = "request" | "emergency";
export type RequestStatus =
  /** waiting for a decision */
  | "pending"
  | "approved"
  | "rejected"
  | "withdrawn"
  /** emergency access taken, waiting for ratification */
  | "emergency"
  | "ratified"
  /** emergency access that was not ratified within 7 days */
  | "lapsed";

export interface AccessRequest {
  id: string;
  kind: RequestKind;
  number: string;
  /** Title and owner when asked (both visible to every signed-in user). */
  title: string;
  ownerDepartment: string;
  requesterId: string;
  /** The purpose (a request) or the written justification (emergency access). */
  purpose: string;
  scope: "all" | "sections";
  /** Sections as the requester named them (they cannot see the headings). */
  sectionNames: string[];
  history: boolean;
  /** Period wanted, in days. */
  days: number;
  status: RequestStatus;
  createdAt: string;
  /** Decision due (3 working days), or for emergency access the ratification deadline (7 days). */
  dueAt: string;
  approverIds: string[];
  decidedAt?: string;
  decidedBy?: string;
  reason?: string;
  grantedDays?: number;
  grantedSections?: "all" | string[];
  grantId?: string;
}

export const REQUESTS = "accessRequests";
export { MIN_DAYS, MAX_DAYS, DECISION_WORKING_DAYS };

const days = z.coerce
  .number({ invalid_type_error: "a number of days" })
  .int("whole days")
  .min(MIN_DAYS, `at least ${MIN_DAYS} day`)
  .max(MAX_DAYS, `at most ${MAX_DAYS} days`);

/** The request form (page and API share it). */
export const RequestInputSchema = z
  .object({
    number: withoutInvisible(z.string().trim().min(1, "required").max(40)),
    purpose: z.string().trim().min(10, "say what you need it for (at least 10 characters)").max(2000, "at most 2000 characters"),
    scope: z.enum(["all", "sections"]).default("all"),
    /** One section per line (or an array from the API). */
    sections: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .transform((v) =>
        (Array.isArray(v) ? v : (v ?? "").split(/\r?\n/))
          .map((s) => s.trim())
          .filter(Boolean)
          .slice(0, 50),
      ),
    history: z.union([z.boolean(), z.enum(["current", "history"])]).default("current").transform((v) => v === true || v === "history"),
    days: days.default(7),
  })
  .superRefine((v, ctx) => {
    if (v.scope === "sections" && v.sections.length === 0) {
      ctx.addIssue({ code: "custom", path: ["sections"], message: "name at least one section" });
    }
    if (v.scope === "sections" && v.sections.some((s) => s.length > 120)) {
      ctx.addIssue({ code: "custom", path: ["sections"], message: "each section name is at most 120 characters" });
    }
    if (v.scope === "sections" && v.history) {
      ctx.addIssue({ code: "custom", path: ["history"], message: "named sections are granted for the current version only" });
    }
  });

export type RequestInput = z.input<typeof RequestInputSchema>;

/** The decision form: approve (possibly shorter, possibly fewer sections) or reject with a reason. */
export const DecisionSchema = z.discriminatedUnion("decision", [
  z.object({
    decision: z.literal("approve"),
    days,
    sections: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .transform((v) => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).map((s) => s.trim()).filter(Boolean))),
    note: z.string().trim().max(1000).optional(),
  }),
  z.object({
    decision: z.literal("reject"),
    reason: z.string().trim().min(3, "give a reason (at least 3 characters)").max(1000, "at most 1000 characters"),
  }),
]);

export type DecisionInput = z.infer<typeof DecisionSchema>;

// ---- reading ------------------------------------------------------------------

export function getRequest(id: string): AccessRequest | undefined {
  return collection<AccessRequest>(REQUESTS).find((r) => r.id === id);
}

/** Resolves what a person typed as a document number; NotFoundError when there is no such document. */
export function resolveDocument(text: string): VersionRecord {
  const number = normaliseNumberQuery(text) ?? text.trim();
  return requireDocument(number);
}

/** An access form's input, parsed; a refusal names every field to correct. */
export function parseAccessInput<S extends z.ZodTypeAny>(schema: S, raw: unknown): z.infer<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const fieldErrors: Record<string, string> = {};
  for (const issue of parsed.error.issues) fieldErrors[issue.path.join(".") || "form"] ??= issue.message;
  throw accessError("bad_request", "access.err.invalid", "Please correct the highlighted fields", { fieldErrors });
}

/** The document a request names; one open to all staff needs no request and is refused. */
export function requestableDocument(text: string): VersionRecord {
  const record = resolveDocument(text);
  if (record.meta.confidentiality === "internal") {
    throw accessError("bad_request", "access.err.internal", `${record.number} is open to every signed-in staff member; no request is needed`, {
      vars: { number: record.number },
    });
  }
  return record;
}

/** Whether the user may already read what the request would give. */
function alreadyCovered(user: Pick<User, "id" | "roles" | "departmentId">, record: VersionRecord, input: { scope: "all" | "sections"; history: boolean }) {
  return decideRead(user, record.meta, { history: input.history }).allowed;
}

export interface AccessState {
  summary: DocumentSummary;
  /** Whether a request makes sense at all. */
  requestable: boolean;
  canRead: boolean;
  canReadHistory: boolean;
  /** A sections-only grant the user holds. */
  partialGrant?: Pick<Grant, "id" | "expiresAt" | "sections">;
  grant?: Pick<Grant, "id" | "expiresAt" | "kind" | "history" | "ratifiedAt">;
  pending?: AccessRequest;
  /** Whether emergency access may be taken now. */
  emergencyAllowed: boolean;
}

/** What the request page shows about a document: number, title, owner, and the user's access to it. */
export function accessState(user: Pick<User, "id" | "roles" | "departmentId">, record: VersionRecord): AccessState {
  const read = decideRead(user, record.meta);
  const history = decideRead(user, record.meta, { history: true });
  const partial = activeGrant(user.id, record.number, now(), { partial: true });
  const pending = collection<AccessRequest>(REQUESTS).find((r) => r.requesterId === user.id && r.number === record.number && r.status === "pending");
  const grant = read.allowed && read.via === "grant" ? read.grant : undefined;
  return {
    summary: summarize(record),
    requestable: record.meta.confidentiality !== "internal" && !history.allowed,
    canRead: read.allowed,
    canReadHistory: history.allowed,
    partialGrant: partial && partial.sections !== "all" ? { id: partial.id, expiresAt: partial.expiresAt, sections: partial.sections } : undefined,
    grant: grant ? { id: grant.id, expiresAt: grant.expiresAt, kind: grant.kind, history: grant.history, ratifiedAt: grant.ratifiedAt } : undefined,
    pending,
    emergencyAllowed: record.meta.confidentiality !== "internal" && !read.allowed,
  };
}

/** The request form's context for a number; unknown numbers are refused and recorded. */
export async function requestContext(user: Pick<User, "id" | "username" | "roles" | "departmentId">, number: string): Promise<AccessState> {
  return recorded(user.username, "access.request", number.slice(0, 40), () => accessState(user, resolveDocument(number)), { stage: "form" });
}

// ---- requesting ---------------------------------------------------------------

/** Submits an access request; the deciders are told at once ("approval.waiting"). */
export async function submitAccessRequest(
  user: Pick<User, "id" | "username" | "roles" | "departmentId" | "name">,
  raw: RequestInput,
): Promise<AccessRequest> {
  return recorded(user.username, "access.request", String(raw.number ?? "").slice(0, 40), async () => {
    const input = parseAccessInput(RequestInputSchema, raw);
    const record = requestableDocument(input.number);
    if (alreadyCovered(user, record, input)) {
      throw accessError("conflict", "access.err.alreadyCan", `You can already read ${record.number}${input.history ? " and its history" : ""}`, {
        vars: { number: record.number },
      });
    }
    const deciders = decidersFor(record.meta.ownerDepartment).filter((u) => u.id !== user.id);
    const request: AccessRequest = {
      id: randomUUID(),
      kind: "request",
      number: record.number,
      title: record.meta.title,
      ownerDepartment: record.meta.ownerDepartment,
      requesterId: user.id,
      purpose: input.purpose,
      scope: input.scope,
      sectionNames: input.scope === "sections" ? input.sections : [],
      history: input.history,
      days: input.days,
      status: "pending",
      createdAt: nowIso(),
      dueAt: addWorkingDays(now(), DECISION_WORKING_DAYS).toISOString(),
      approverIds: deciders.map((u) => u.id),
    };
    // The request and its audit entry are one step; the deciders are told only after both.
    const saved = await auditedChange(
      [REQUESTS],
      (data) => {
        const list = mutableCollection<AccessRequest>(data, REQUESTS);
        if (list.some((r) => r.requesterId === user.id && r.number === record.number && r.status === "pending")) return null;
        list.push(request);
        return request;
      },
      () => [
        {
          actor: user.username,
          action: "access.request",
          object: record.number,
          details: {
            request: request.id,
            purpose: request.purpose.slice(0, 500),
            scope: request.scope,
            ...(request.scope === "sections" ? { sections: request.sectionNames } : {}),
            history: request.history,
            days: request.days,
          },
        },
      ],
    );
    if (!saved) {
      throw accessError("conflict", "access.err.pendingExists", `You already have a request for ${record.number} waiting for a decision`, {
        vars: { number: record.number },
      });
    }
    await emit("approval.waiting", {
      kind: "access-request",
      id: request.id,
      number: request.number,
      title: request.title,
      approverIds: request.approverIds,
      dueAt: request.dueAt,
      link: `/access/requests/${request.id}`,
    });
    return request;
  });
}

/** The requester withdraws a request still waiting for a decision. */
export async function withdrawRequest(user: Pick<User, "id" | "username">, id: string): Promise<AccessRequest> {
  return recorded(user.username, "access.withdraw", `request:${id.slice(0, 40)}`, async () => {
    const existing = getRequest(id);
    if (!existing || existing.requesterId !== user.id) throw new NotFoundError(msg("access.err.noOwnRequest"));
    const updated = await auditedChange(
      [REQUESTS],
      (data) => {
        const r = mutableCollection<AccessRequest>(data, REQUESTS).find((x) => x.id === id);
        if (!r || r.status !== "pending") return null;
        r.status = "withdrawn";
        r.decidedAt = nowIso();
        r.decidedBy = user.id;
        return { ...r };
      },
      (u) => [{ actor: user.username, action: "access.withdraw", object: u.number, details: { request: id } }],
    );
    if (!updated) throw accessError("conflict", "access.err.notPending", "This request is no longer waiting for a decision");
    return updated;
  });
}

// ---- deciding -----------------------------------------------------------------

/** Refuses a decision by someone who may not make it (recorded by the caller's `recorded`). */
export function assertMayDecide(user: Pick<User, "id" | "roles">, request: AccessRequest) {
  if (request.requesterId === user.id) {
    throw accessError("forbidden", "access.err.ownRequest", "You cannot decide your own access request");
  }
  const owner = latestVersion(request.number)?.meta.ownerDepartment ?? request.ownerDepartment;
  if (!mayDecideFor(user, owner)) {
    throw accessError("forbidden", "access.err.notDecider", `Only the approvers of the owning department (${owner}), a delegate named by an admin, or an admin may decide this`, {
      vars: { department: getDepartment(owner)?.name ?? owner },
    });
  }
}

/** The headings an approver can grant for a sections request (from the current version). */
export async function grantableSections(number: string): Promise<Section[]> {
  const record = latestVersion(number);
  if (!record) return [];
  const { body } = await readVersionContent(record);
  return sectionsOf(body);
}

/** Section ids that match what the requester named (by id or by heading text). */
export function matchSectionNames(names: string[], sections: Section[]): string[] {
  const wanted = names.map((n) => n.trim().toLowerCase().replace(/^#+\s*/, ""));
  return sections
    .filter((s) => wanted.some((w) => w === s.id.toLowerCase() || w === s.title.trim().toLowerCase()))
    .map((s) => s.id);
}

/** Approves or rejects a pending access request (not emergency access: see emergency.server.ts). */
export async function decideRequest(
  user: Pick<User, "id" | "username" | "roles">,
  id: string,
  input: DecisionInput,
): Promise<{ request: AccessRequest; grant?: GrantRecord }> {
  return recorded(user.username, "access.decide", `request:${id.slice(0, 40)}`, async () => {
    const request = getRequest(id);
    if (!request) throw new NotFoundError(msg("access.err.noRequest"));
    if (request.kind !== "request") throw accessError("bad_request", "access.err.notARequest", "This is emergency access; ratify or reject it");
    assertMayDecide(user, request);
    if (request.status !== "pending") {
      throw accessError("conflict", "access.err.notPending", "This request is no longer waiting for a decision");
    }
    const at = now();
    if (input.decision === "reject") {
      // The decision and its audit entry are one step; the requester is told only after both.
      const updated = await auditedChange(
        [REQUESTS],
        (data) => {
          const r = mutableCollection<AccessRequest>(data, REQUESTS).find((x) => x.id === id);
          if (!r || r.status !== "pending") return null;
          Object.assign(r, { status: "rejected", decidedAt: at.toISOString(), decidedBy: user.id, reason: input.reason } satisfies Partial<AccessRequest>);
          return { ...r };
        },
        (u) => [
          {
            actor: user.username,
            action: "access.reject",
            object: u.number,
            details: { request: id, requester: getUserById(u.requesterId)?.username ?? u.requesterId, reason: input.reason },
          },
        ],
      );
      if (!updated) throw accessError("conflict", "access.err.notPending", "This request is no longer waiting for a decision");
      await emit("access.decided", {
        requestId: id,
        number: updated.number,
        requesterId: updated.requesterId,
        decision: "rejected",
        byUserId: user.id,
        reason: input.reason,
      });
      return { request: updated };
    }
    if (input.days > request.days) {
      throw accessError("bad_request", "access.err.longerThanAsked", `You can approve ${request.days} days or fewer (the period asked for)`, {
        vars: { days: request.days },
        fieldErrors: { days: `at most ${request.days}` },
      });
    }
    let sections: "all" | string[] = "all";
    if (request.scope === "sections") {
      const available = await grantableSections(request.number);
      const chosen = input.sections ?? matchSectionNames(request.sectionNames, available);
      const unknown = chosen.filter((s) => !available.some((a) => a.id === s));
      if (unknown.length) {
        throw accessError("bad_request", "access.err.unknownSection", `Not a section of the current version: ${unknown.join(", ").slice(0, 200)}`, {
          fieldErrors: { sections: "unknown section" },
        });
      }
      if (chosen.length === 0) {
        throw accessError("bad_request", "access.err.chooseSections", "Choose the sections to grant", { fieldErrors: { sections: "required" } });
      }
      sections = [...new Set(chosen)];
    }
    // The grant, the request's decision and both audit entries are one step: when the
    // entries cannot be written the grant is removed and the request is pending again.
    const requester = getUserById(request.requesterId)?.username ?? request.requesterId;
    const result = await auditedChange(
      [REQUESTS, GRANTS],
      (data) => {
        const r = mutableCollection<AccessRequest>(data, REQUESTS).find((x) => x.id === id);
        if (!r || r.status !== "pending") return null;
        const grant = insertGrant(data, {
          userId: r.requesterId,
          number: r.number,
          sections,
          history: sections === "all" ? r.history : false,
          kind: "request",
          requestId: r.id,
          grantedBy: user.id,
          expiresAt: new Date(at.getTime() + input.days * DAY_MS).toISOString(),
        });
        Object.assign(r, {
          status: "approved",
          decidedAt: at.toISOString(),
          decidedBy: user.id,
          reason: input.note || undefined,
          grantedDays: input.days,
          grantedSections: sections,
          grantId: grant.id,
        } satisfies Partial<AccessRequest>);
        return { request: { ...r }, grant: { ...grant } };
      },
      (done) => [
        {
          actor: user.username,
          action: "access.approve",
          object: done.request.number,
          details: { request: id, requester, days: input.days, asked: request.days, ...(input.note ? { note: input.note } : {}) },
        },
        {
          actor: user.username,
          action: "access.grant",
          object: done.request.number,
          details: {
            grant: done.grant.id,
            user: requester,
            sections: done.grant.sections,
            history: done.grant.history,
            expiresAt: done.grant.expiresAt,
          },
        },
      ],
    );
    if (!result) throw accessError("conflict", "access.err.notPending", "This request is no longer waiting for a decision");
    await emit("access.decided", {
      requestId: id,
      number: result.request.number,
      requesterId: result.request.requesterId,
      decision: "approved",
      byUserId: user.id,
      expiresAt: result.grant.expiresAt,
    });
    return result;
  });
}

// ---- lists for pages ---------------------------------------------------------

export interface RequestView extends AccessRequest {
  requesterName: string;
  requesterUsername: string;
  requesterDepartment: string;
  decidedByName?: string;
  overdue: boolean;
  grant?: { id: string; expiresAt: string; state: ReturnType<typeof grantState>; sections: "all" | string[]; history: boolean; revokeReason?: string; ratifiedAt?: string };
}

/** Adds names, the grant's state and the overdue flag to a request. */
export function viewOf(r: AccessRequest, at: Date = now()): RequestView {
  const requester = getUserById(r.requesterId);
  const grant = r.grantId ? collection<GrantRecord>("grants").find((g) => g.id === r.grantId) : undefined;
  const waiting = r.status === "pending" || r.status === "emergency";
  return {
    ...r,
    requesterName: requester?.name ?? "?",
    requesterUsername: requester?.username ?? "?",
    requesterDepartment: requester?.departmentId ?? "",
    decidedByName: r.decidedBy ? getUserById(r.decidedBy)?.name : undefined,
    overdue: waiting && r.dueAt <= at.toISOString(),
    grant: grant
      ? {
          id: grant.id,
          expiresAt: grant.expiresAt,
          state: grantState(grant, at),
          sections: grant.sections,
          history: grant.history,
          revokeReason: grant.revokeReason,
          ratifiedAt: grant.ratifiedAt,
        }
      : undefined,
  };
}

/** A user's own requests and emergency accesses, newest first. */
export function myRequests(userId: string): RequestView[] {
  return collection<AccessRequest>(REQUESTS)
    .filter((r) => r.requesterId === userId)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    .map((r) => viewOf(r));
}

/** Whether the user may see a request: its requester, whoever may decide it, admins. */
export function maySee(user: Pick<User, "id" | "roles">, r: AccessRequest): boolean {
  return r.requesterId === user.id || isAdmin(user) || mayDecideFor(user, latestVersion(r.number)?.meta.ownerDepartment ?? r.ownerDepartment);
}

/** One request for a page or the API (404 for those who may not see it). */
export async function requestFor(user: Pick<User, "id" | "username" | "roles">, id: string): Promise<RequestView> {
  return recorded(user.username, "access.request.view", `request:${id.slice(0, 40)}`, () => {
    const r = getRequest(id);
    if (!r || !maySee(user, r)) throw new NotFoundError(msg("access.err.noRequest"));
    return viewOf(r);
  });
}

export interface QueueItem extends RequestView {
  /** Headings the approver can choose from (sections requests only). */
  sectionChoices?: (Section & { suggested: boolean })[];
}

/** Requests and emergency accesses waiting for this user's decision, oldest first. */
export async function approverQueue(user: Pick<User, "id" | "roles">): Promise<QueueItem[]> {
  const items = collection<AccessRequest>(REQUESTS)
    .filter((r) => (r.status === "pending" || r.status === "emergency") && r.requesterId !== user.id)
    .filter((r) => mayDecideFor(user, latestVersion(r.number)?.meta.ownerDepartment ?? r.ownerDepartment))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const out: QueueItem[] = [];
  for (const r of items) {
    const view: QueueItem = viewOf(r);
    if (r.kind === "request" && r.scope === "sections") {
      const available = await grantableSections(r.number);
      const suggested = new Set(matchSectionNames(r.sectionNames, available));
      view.sectionChoices = available.map((s) => ({ ...s, suggested: suggested.has(s.id) }));
    }
    out.push(view);
  }
  return out;
}

/** How many requests wait for the user (for the home panel and the header). */
export function waitingCount(user: Pick<User, "id" | "roles">): number {
  return collection<AccessRequest>(REQUESTS).filter(
    (r) =>
      (r.status === "pending" || r.status === "emergency") &&
      r.requesterId !== user.id &&
      mayDecideFor(user, latestVersion(r.number)?.meta.ownerDepartment ?? r.ownerDepartment),
  ).length;
}

// ---- figures for the compliance dashboard -------------------------------------

export interface AccessRequestStats {
  /** Requests (not emergency access) created in the period. */
  submitted: number;
  pending: number;
  /** Pending past their 3-working-day decision date. */
  overdue: number;
  approved: number;
  rejected: number;
  withdrawn: number;
  /** Hours from request to decision (approved or rejected). */
  turnaroundHours: { median: number | null; p90: number | null; max: number | null };
  /** Decided within the 3-working-day service level. */
  decidedOnTime: number;
  emergency: { taken: number; awaitingRatification: number; ratified: number; rejected: number; lapsed: number };
  grantsInForce: number;
}

function quantile(sorted: number[], q: number): number | null {
  if (!sorted.length) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return Math.round(sorted[i] * 10) / 10;
}

/** Access-request figures for a period (default: everything), for the compliance dashboard. */
export function accessRequestStats(options: { from?: string; to?: string } = {}): AccessRequestStats {
  const at = now();
  const inPeriod = collection<AccessRequest>(REQUESTS).filter(
    (r) => (!options.from || r.createdAt >= options.from) && (!options.to || r.createdAt < options.to),
  );
  const requests = inPeriod.filter((r) => r.kind === "request");
  const emergencies = inPeriod.filter((r) => r.kind === "emergency");
  const decided = requests.filter((r) => (r.status === "approved" || r.status === "rejected") && r.decidedAt);
  const hours = decided.map((r) => (Date.parse(r.decidedAt!) - Date.parse(r.createdAt)) / 3_600_000).sort((a, b) => a - b);
  const iso = at.toISOString();
  return {
    submitted: requests.length,
    pending: requests.filter((r) => r.status === "pending").length,
    overdue: requests.filter((r) => r.status === "pending" && r.dueAt <= iso).length,
    approved: requests.filter((r) => r.status === "approved").length,
    rejected: requests.filter((r) => r.status === "rejected").length,
    withdrawn: requests.filter((r) => r.status === "withdrawn").length,
    turnaroundHours: { median: quantile(hours, 0.5), p90: quantile(hours, 0.9), max: hours.length ? Math.round(hours[hours.length - 1] * 10) / 10 : null },
    decidedOnTime: decided.filter((r) => r.decidedAt! <= r.dueAt).length,
    emergency: {
      taken: emergencies.length,
      awaitingRatification: emergencies.filter((r) => r.status === "emergency" || r.status === "lapsed").length,
      ratified: emergencies.filter((r) => r.status === "ratified").length,
      rejected: emergencies.filter((r) => r.status === "rejected").length,
      lapsed: emergencies.filter((r) => r.status === "lapsed" || (r.status === "emergency" && r.dueAt <= iso)).length,
    },
    grantsInForce: collection<GrantRecord>("grants").filter((g) => grantState(g, at) === "active").length,
  };
}
