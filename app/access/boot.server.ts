/**
 * Access requests at start-up: the expiry and ratification jobs, the audit
 * record of every publication, the notices above documents read under a
 * grant, the home panel, admin figures and the audit chain's health.
 */
import { addAdminFigure } from "~/admin.server";
import { appendAudit, readAuditHead, verifyAuditChain } from "~/audit/audit.server";
import { collection } from "~/data/db.server";
import type { DocNotice } from "~/reading/notices.server";
import { addDocNotice } from "~/reading/notices.server";
import { addHealthCheck } from "~/health.server";
import { addHomeExtra } from "~/home.server";
import { minuteOf, now } from "~/utils/clock.server";
import { on } from "~/documents/events.server";
import { registerJob } from "~/utils/scheduler.server";
import { lapseUnratified } from "./emergency.server";
import { grantsInForce, recordExpiredGrants } from "./grants.server";
import { decideRead } from "./policy.server";
import { myRequests, waitingCount, REQUESTS, type AccessRequest } from "./requests.server";
import { mayDecideFor } from "./delegates.server";

registerJob("access-expiry", async () => {
  await recordExpiredGrants();
  await lapseUnratified();
});

// The audit trail records every publication, whatever path published it.
on("document.published", "audit-publication", async ({ record, previous, actor, auditRecorded }) => {
  if (auditRecorded) return;
  await appendAudit({
    actor,
    action: "document.publish",
    object: record.number,
    details: {
      version: record.version,
      change: record.change,
      commit: record.commit,
      ...(previous ? { previous: previous.version } : {}),
      ...(record.proposal ? { proposal: record.proposal } : {}),
      ...(record.approvedBy.length ? { approvedBy: record.approvedBy } : {}),
    },
  });
});

let lastVerification: { at: string; ok: boolean; count?: number; line?: number; reason?: string } | null = null;

/** The most recent scheduled verification of the audit chain. */
export function lastAuditVerification() {
  return lastVerification;
}

registerJob(
  "audit-verify",
  async () => {
    const result = verifyAuditChain();
    lastVerification = result.ok
      ? { at: now().toISOString(), ok: true, count: result.count }
      : { at: now().toISOString(), ok: false, line: result.line, reason: result.reason };
    if (!result.ok) console.warn(`[audit] chain broken at line ${result.line}: ${result.reason}`);
  },
  6 * 3600,
);

addHealthCheck("audit", () => (lastVerification ? { ...lastVerification } : { ok: true, verified: "not yet" }));

addDocNotice("access", (user, current) => {
  const out: DocNotice[] = [];
  const decision = decideRead(user, current.meta, { sections: true });
  if (decision.allowed && decision.via === "grant" && decision.grant) {
    const g = decision.grant;
    if (g.kind === "emergency" && !g.ratifiedAt) {
      out.push({ tone: "warn", key: "access.notice.emergency", vars: { expires: minuteOf(g.expiresAt) } });
    } else {
      out.push({ tone: "info", key: "access.notice.grant", vars: { expires: minuteOf(g.expiresAt) } });
    }
    if (g.sections !== "all") {
      out.push({ tone: "info", key: "access.notice.sections", vars: { count: g.sections.length }, href: `/access/request?number=${current.number}`, linkKey: "access.requestWhole" });
    }
  }
  if (mayDecideFor(user, current.meta.ownerDepartment)) {
    const waiting = collection<AccessRequest>(REQUESTS).filter(
      (r) => r.number === current.number && (r.status === "pending" || r.status === "emergency") && r.requesterId !== user.id,
    ).length;
    if (waiting) out.push({ tone: "warn", key: "access.notice.waiting", vars: { count: waiting }, href: "/access/queue", linkKey: "access.queue.open" });
  }
  return out;
});

addHomeExtra("access", (user) => {
  const mine = myRequests(user.id)
    .filter((r) => r.status === "pending" || r.status === "emergency" || (r.grant && r.grant.state === "active") || (r.decidedAt && Date.parse(r.decidedAt) > now().getTime() - 14 * 86_400_000))
    .slice(0, 5)
    .map((r) => ({ id: r.id, number: r.number, title: r.title, kind: r.kind, status: r.status, expiresAt: r.grant?.state === "active" ? r.grant.expiresAt : undefined }));
  return { waiting: waitingCount(user), mine };
});

addAdminFigure("/admin/access", () => grantsInForce().length);
addAdminFigure("/admin/audit", () => {
  const entries = readAuditHead()?.seq ?? 0;
  return lastVerification && !lastVerification.ok ? `${entries} · ✗ ${lastVerification.line}` : entries;
});
