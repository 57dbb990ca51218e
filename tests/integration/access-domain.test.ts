/**
 * The access domain in-process (no HTTP): every publication reaches the audit
 * trail, the figures the compliance dashboard reads, the emergency list, the
 * expiry job's records and events, and sections cut from real markdown.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DomainEvents } from "~/documents/events.server";
import { createWorld, type World } from "../helpers/world";
import { DAY, HEAD_OF, MARKER, ensureRestrictedDoc, type RestrictedDoc } from "./access-helpers";

let world: World;
let doc: RestrictedDoc;

beforeAll(async () => {
  world = await createWorld();
  doc = await ensureRestrictedDoc(world); // points this process at the world
  await import("~/access/boot.server");
});
afterAll(async () => {
  const { setClockOffset } = await import("~/utils/clock.server");
  setClockOffset(0);
  await world?.cleanup();
});

async function user(username: string) {
  const { getUserByUsername } = await import("~/org/users.server");
  return getUserByUsername(username)!;
}

describe("the audit trail", () => {
  it("records every publication, whoever publishes", async () => {
    const { publishVersion, readVersionContent } = await import("~/documents/documents.server");
    const { latestVersion } = await import("~/documents/version-index.server");
    const { readAuditEntries, verifyAuditChain } = await import("~/audit/audit.server");
    const current = latestVersion(doc.internalNumber)!;
    const { meta, body } = await readVersionContent(current);
    await publishVersion({
      number: doc.internalNumber,
      meta: { ...meta, effectiveDate: undefined, nextReviewDate: undefined },
      body: body + "\nOne more line.\n",
      author: { username: "editor", name: "王编辑", email: "editor@regula.example" },
      change: "minor",
      summary: "Typo",
      approvedBy: ["approver"],
      expectedVersion: current.version,
    });
    const last = readAuditEntries().at(-1)!;
    expect(last).toMatchObject({ actor: "editor", action: "document.publish", object: doc.internalNumber, outcome: "ok" });
    expect(last.details).toMatchObject({ version: current.version + 1, change: "minor", previous: current.version });
    expect(verifyAuditChain().ok).toBe(true);
  });
});

describe("figures and lists for the dashboard", () => {
  it("counts requests, decisions, turnaround and emergency accesses", async () => {
    const { submitAccessRequest, accessRequestStats } = await import("~/access/requests.server");
    const { decideAccess } = await import("~/access/decisions.server");
    const { takeEmergencyAccess, listEmergencyAwaitingRatification } = await import("~/access/emergency.server");
    const { setClockOffset, clockOffset } = await import("~/utils/clock.server");
    const before = accessRequestStats();
    const head = await user(HEAD_OF[doc.ownerDepartment]);
    const a = await submitAccessRequest(await user("itstaff"), { number: doc.number, purpose: "Dashboard figure one", days: 5 });
    const b = await submitAccessRequest(await user("staff"), { number: doc.number, purpose: "Dashboard figure two", days: 5 });
    setClockOffset(clockOffset() + 2 * 3_600_000);
    await decideAccess(head, a.id, { decision: "approve", days: 5 });
    await decideAccess(head, b.id, { decision: "reject", reason: "Not needed for that task" });
    await takeEmergencyAccess(await user("newhire"), { number: doc.number, justification: "Night shift incident needs the escalation path", confirm: true });
    const after = accessRequestStats();
    expect(after.submitted - before.submitted).toBe(2);
    expect(after.approved - before.approved).toBe(1);
    expect(after.rejected - before.rejected).toBe(1);
    expect(after.turnaroundHours.median).toBeGreaterThanOrEqual(2);
    expect(after.emergency.awaitingRatification - before.emergency.awaitingRatification).toBe(1);
    expect(after.grantsInForce - before.grantsInForce).toBe(2);
    const waiting = listEmergencyAwaitingRatification();
    expect(waiting.at(-1)).toMatchObject({ number: doc.number, requesterUsername: "newhire", lapsed: false });
  });

  it("records expiries once and tells the holder", async () => {
    const { on } = await import("~/documents/events.server");
    const { recordExpiredGrants } = await import("~/access/grants.server");
    const { lapseUnratified, listEmergencyAwaitingRatification } = await import("~/access/emergency.server");
    const { setClockOffset, clockOffset } = await import("~/utils/clock.server");
    const told: DomainEvents["access.decided"][] = [];
    on("access.decided", "test-listener", (e) => void told.push(e));
    setClockOffset(clockOffset() + 8 * DAY);
    const ended = await recordExpiredGrants();
    expect(ended).toBeGreaterThanOrEqual(2);
    expect(told.filter((e) => e.decision === "expired").length).toBe(ended);
    // A run that finds nothing due leaves the data file alone (it is rewritten whole on every change).
    const dataFile = path.join(world.dataDir, "db.json");
    const written = () => {
      const s = fs.statSync(dataFile);
      return `${s.ino}:${s.mtimeMs}:${s.size}`;
    };
    const beforeNothing = written();
    expect(await recordExpiredGrants()).toBe(0); // once only
    expect(written()).toBe(beforeNothing);
    expect(await lapseUnratified()).toBe(1);
    const afterLapse = written();
    expect(afterLapse).not.toBe(beforeNothing);
    expect(await lapseUnratified()).toBe(0);
    expect(written()).toBe(afterLapse);
    expect(listEmergencyAwaitingRatification().at(-1)?.lapsed).toBe(true);
  });
});

describe("sections", () => {
  it("are cut from the document's own markdown by heading", async () => {
    const { latestVersion } = await import("~/documents/version-index.server");
    const { readVersionContent } = await import("~/documents/documents.server");
    const { sectionsOf, extractSections } = await import("~/access/sections.server");
    const { body } = await readVersionContent(latestVersion(doc.number)!);
    const ids = sectionsOf(body).map((s) => s.id);
    expect(ids).toContain(doc.cleanSection);
    expect(ids).toContain(doc.markerSection);
    expect(extractSections(body, [doc.cleanSection!])).not.toContain(MARKER);
    expect(extractSections(body, [doc.markerSection!])).toContain(MARKER);
    expect(extractSections(body, ["no-such-section"])).toBe("");
  });
});
