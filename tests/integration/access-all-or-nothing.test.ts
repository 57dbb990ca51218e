/**
 * Access decisions, emergency access and revocation are all or nothing: when
 * the audit entries of a step cannot be written, nothing of the step remains
 * (no grant, no decision, no audit entry, no event or notification), and the
 * same step then succeeds once the log can be written again.
 */
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DomainEvents } from "~/documents/events.server";
import { createWorld, type World } from "../helpers/world";
import { HEAD_OF, ensureRestrictedDoc, type RestrictedDoc } from "./access-helpers";

let world: World;
let doc: RestrictedDoc;
const waiting: DomainEvents["approval.waiting"][] = [];
const decided: DomainEvents["access.decided"][] = [];

beforeAll(async () => {
  world = await createWorld();
  doc = await ensureRestrictedDoc(world); // points this process at the world
  delete process.env.SMTP_URL;
  await import("~/access/boot.server");
  const { startNotifications } = await import("~/notifications/service.server");
  await startNotifications();
  const { on } = await import("~/documents/events.server");
  on("approval.waiting", "aon-test", (e) => void waiting.push(e));
  on("access.decided", "aon-test", (e) => void decided.push(e));
});
afterAll(async () => {
  const { stopOutbox } = await import("~/notifications/outbox.server");
  stopOutbox();
  await world?.cleanup();
});

async function user(username: string) {
  const { getUserByUsername } = await import("~/org/users.server");
  return getUserByUsername(username)!;
}

/** A demo user who cannot read the document and has nothing waiting for it. */
async function outsider() {
  const { decideRead } = await import("~/access/policy.server");
  const { latestVersion } = await import("~/documents/version-index.server");
  const { collection } = await import("~/data/db.server");
  const { REQUESTS } = await import("~/access/requests.server");
  const meta = latestVersion(doc.number)!.meta;
  const open = collection<{ requesterId: string; number: string; status: string }>(REQUESTS).filter(
    (r) => r.number === doc.number && (r.status === "pending" || r.status === "emergency"),
  );
  for (const name of ["staff", "newhire", "itstaff", "finhead", "hrhead", "qahead", "approver", "editor"]) {
    const u = await user(name);
    if (u && !decideRead(u, meta, { history: true }).allowed && !decideRead(u, meta).allowed && !open.some((r) => r.requesterId === u.id)) return u;
  }
  throw new Error("no demo user left without access");
}

/** Runs `fn` while the audit log cannot be written (its file is a directory). */
async function withBrokenAuditLog<T>(fn: () => Promise<T>): Promise<T> {
  const { auditFile, resetAuditForTests } = await import("~/audit/audit.server");
  const file = auditFile();
  fs.renameSync(file, `${file}.aside`);
  fs.mkdirSync(file);
  try {
    return await fn();
  } finally {
    fs.rmdirSync(file);
    fs.renameSync(`${file}.aside`, file);
    resetAuditForTests();
  }
}

/**
 * Runs `fn` while the log can be appended to but its signed head cannot be
 * written (the head's temporary file is in the way as a folder).
 */
async function withBrokenAuditHead<T>(fn: () => Promise<T>): Promise<T> {
  const { auditHeadFile } = await import("~/audit/audit.server");
  const blocker = `${auditHeadFile()}.${process.pid}.tmp`;
  fs.mkdirSync(blocker);
  try {
    return await fn();
  } finally {
    fs.rmdirSync(blocker);
  }
}

async function snapshot() {
  const { readDb } = await import("~/data/db.server");
  const { auditFile, verifyAuditChain } = await import("~/audit/audit.server");
  const data = readDb() as unknown as Record<string, unknown>;
  return {
    requests: structuredClone(data.accessRequests ?? []),
    grants: structuredClone(data.grants ?? []),
    audit: fs.readFileSync(auditFile(), "utf8"),
    chain: verifyAuditChain().ok,
    events: waiting.length + decided.length,
  };
}

async function notificationCount(username: string) {
  const { listNotifications } = await import("~/notifications/notifications.server");
  return listNotifications((await user(username)).id, { limit: 1000 }).total;
}

async function auditFor(key: string, id: string) {
  const { readAuditEntries } = await import("~/audit/audit.server");
  return readAuditEntries()
    .filter((e) => (e.details as Record<string, unknown> | undefined)?.[key] === id)
    .map((e) => `${e.action}:${e.outcome}`);
}

describe("access requests", () => {
  it("an approval whose audit entries cannot be written leaves no grant, decision, audit entry or notification; a retry succeeds", async () => {
    const { submitAccessRequest, getRequest } = await import("~/access/requests.server");
    const { decideAccess } = await import("~/access/decisions.server");
    const head = await user(HEAD_OF[doc.ownerDepartment]);
    const requester = await outsider();
    const request = await submitAccessRequest(requester, { number: doc.number, purpose: "Supplier audit next week", days: 5 });
    const notified = await notificationCount(requester.username);
    const before = await snapshot();

    await expect(withBrokenAuditLog(() => decideAccess(head, request.id, { decision: "approve", days: 3 }))).rejects.toThrow();
    expect(await snapshot()).toEqual(before);
    expect(getRequest(request.id)?.status).toBe("pending");

    // The entries reach the log but the head cannot be signed: the log is cut back too.
    await expect(withBrokenAuditHead(() => decideAccess(head, request.id, { decision: "approve", days: 3 }))).rejects.toThrow();
    expect(await snapshot()).toEqual(before);
    expect(await notificationCount(requester.username)).toBe(notified);

    const done = await decideAccess(head, request.id, { decision: "approve", days: 3 });
    expect(done.request.status).toBe("approved");
    expect(done.grant?.userId).toBe(requester.id);
    expect(await auditFor("request", request.id)).toEqual(["access.request:ok", "access.approve:ok"]);
    expect(await auditFor("grant", done.grant!.id)).toEqual(["access.grant:ok"]);
    expect(decided.filter((e) => e.requestId === request.id).map((e) => e.decision)).toEqual(["approved"]);
    expect(await notificationCount(requester.username)).toBeGreaterThan(notified);
    const { verifyAuditChain } = await import("~/audit/audit.server");
    expect(verifyAuditChain().ok).toBe(true);
  });

  it("a rejection whose audit entry cannot be written leaves the request pending and tells nobody", async () => {
    const { submitAccessRequest, getRequest } = await import("~/access/requests.server");
    const { decideAccess } = await import("~/access/decisions.server");
    const head = await user(HEAD_OF[doc.ownerDepartment]);
    const request = await submitAccessRequest(await outsider(), { number: doc.number, purpose: "Quarterly rebate review", days: 5 });
    const before = await snapshot();
    await expect(withBrokenAuditLog(() => decideAccess(head, request.id, { decision: "reject", reason: "Ask your manager first" }))).rejects.toThrow();
    expect(await snapshot()).toEqual(before);
    expect(getRequest(request.id)?.status).toBe("pending");
    const done = await decideAccess(head, request.id, { decision: "reject", reason: "Ask your manager first" });
    expect(done.request.status).toBe("rejected");
    expect(await auditFor("request", request.id)).toEqual(["access.request:ok", "access.reject:ok"]);
  });

  it("a request whose audit entry cannot be written is not saved and the deciders are not told", async () => {
    const { submitAccessRequest, accessState } = await import("~/access/requests.server");
    const { latestVersion } = await import("~/documents/version-index.server");
    const requester = await outsider();
    const before = await snapshot();
    await expect(withBrokenAuditLog(() => submitAccessRequest(requester, { number: doc.number, purpose: "Onboarding reading list", days: 5 }))).rejects.toThrow();
    expect(await snapshot()).toEqual(before);
    expect(accessState(requester, latestVersion(doc.number)!).pending).toBeUndefined();
    const request = await submitAccessRequest(requester, { number: doc.number, purpose: "Onboarding reading list", days: 5 });
    expect(waiting.filter((e) => e.id === request.id)).toHaveLength(1);
  });
});

describe("emergency access", () => {
  it("taking it when the audit entry cannot be written leaves no grant, record, entry or alert; a retry succeeds", async () => {
    const { takeEmergencyAccess } = await import("~/access/emergency.server");
    const { activeGrant } = await import("~/access/policy.server");
    const taker = await outsider();
    const input = { number: doc.number, justification: "Supplier dispute escalated tonight, need the contacts", confirm: true as const };
    const before = await snapshot();
    await expect(withBrokenAuditLog(() => takeEmergencyAccess(taker, input))).rejects.toThrow();
    expect(await snapshot()).toEqual(before);
    expect(activeGrant(taker.id, doc.number)).toBeFalsy();

    const taken = await takeEmergencyAccess(taker, input);
    expect(taken.request.status).toBe("emergency");
    expect(await auditFor("request", taken.request.id)).toEqual(["access.emergency:ok"]);
    expect(waiting.filter((e) => e.id === taken.request.id)).toHaveLength(1);
  });

  it("ratifying or refusing it after the fact is all or nothing", async () => {
    const { takeEmergencyAccess } = await import("~/access/emergency.server");
    const { decideAccess } = await import("~/access/decisions.server");
    const { getGrant } = await import("~/access/grants.server");
    const head = await user(HEAD_OF[doc.ownerDepartment]);
    const justification = "Night shift incident needs the escalation path";
    const a = await takeEmergencyAccess(await outsider(), { number: doc.number, justification, confirm: true });
    const b = await takeEmergencyAccess(await outsider(), { number: doc.number, justification, confirm: true });
    const before = await snapshot();
    await expect(withBrokenAuditLog(() => decideAccess(head, a.request.id, { decision: "approve", days: 3 }))).rejects.toThrow();
    await expect(withBrokenAuditHead(() => decideAccess(head, b.request.id, { decision: "reject", reason: "Not an emergency" }))).rejects.toThrow();
    expect(await snapshot()).toEqual(before);
    expect(getGrant(b.grant.id)?.revokedAt).toBeUndefined();

    expect((await decideAccess(head, a.request.id, { decision: "approve", days: 3 })).request.status).toBe("ratified");
    expect((await decideAccess(head, b.request.id, { decision: "reject", reason: "Not an emergency" })).request.status).toBe("rejected");
    expect(getGrant(a.grant.id)?.ratifiedAt).toBeTruthy();
    expect(getGrant(b.grant.id)?.revokedAt).toBeTruthy();
    expect(await auditFor("request", b.request.id)).toEqual(["access.emergency:ok", "access.emergency.reject:ok"]);
    expect(await auditFor("grant", b.grant.id)).toEqual(["access.emergency:ok", "access.revoke:ok"]);
    expect(decided.filter((e) => e.requestId === a.request.id || e.requestId === b.request.id).map((e) => e.decision)).toEqual(["ratified", "rejected"]);
  });
});

describe("revocation", () => {
  it("a revocation whose audit entry cannot be written leaves the grant in force and tells nobody; a retry succeeds", async () => {
    const { submitAccessRequest } = await import("~/access/requests.server");
    const { decideAccess } = await import("~/access/decisions.server");
    const { revokeGrant, getGrant, grantState } = await import("~/access/grants.server");
    const head = await user(HEAD_OF[doc.ownerDepartment]);
    const requester = await outsider();
    const request = await submitAccessRequest(requester, { number: doc.number, purpose: "Contract renewal figures", days: 5 });
    const { grant } = await decideAccess(head, request.id, { decision: "approve", days: 5 });
    const before = await snapshot();
    await expect(withBrokenAuditLog(() => revokeGrant(head, grant!.id, "Renewal cancelled"))).rejects.toThrow();
    expect(await snapshot()).toEqual(before);
    expect(grantState(getGrant(grant!.id)!)).toBe("active");
    const revoked = await revokeGrant(head, grant!.id, "Renewal cancelled");
    expect(revoked.revokedAt).toBeTruthy();
    expect(await auditFor("grant", grant!.id)).toEqual(["access.grant:ok", "access.revoke:ok"]);
    expect(decided.filter((e) => e.requestId === request.id).map((e) => e.decision)).toEqual(["approved", "revoked"]);
  });
});

describe("delegates", () => {
  it("naming or ending a delegation whose audit entry cannot be written changes nothing; a retry succeeds", async () => {
    const { addDelegate, removeDelegate, listDelegates, mayDecideFor } = await import("~/access/delegates.server");
    const admin = await user("admin");
    const staff = await user("staff");
    const input = { departmentId: "fin", userId: staff.id, note: "Covers the holidays" };
    const before = listDelegates().length;
    await expect(withBrokenAuditLog(() => addDelegate(admin, input))).rejects.toThrow();
    expect(listDelegates()).toHaveLength(before);
    expect(mayDecideFor(staff, "fin")).toBe(false);
    const named = await addDelegate(admin, input);
    expect(mayDecideFor(staff, "fin")).toBe(true);
    await expect(withBrokenAuditLog(() => removeDelegate(admin, named.id))).rejects.toThrow();
    expect(mayDecideFor(staff, "fin")).toBe(true);
    await removeDelegate(admin, named.id);
    expect(mayDecideFor(staff, "fin")).toBe(false);
    expect((await auditFor("delegate", "staff")).filter((a) => a.startsWith("access.delegate"))).toEqual(["access.delegate.add:ok", "access.delegate.remove:ok"]);
  });
});
