/**
 * The access-request workflow through real HTTP against the built portal:
 * a reader without access sees only number, title and owner; asks; the
 * owning department's head approves for a shorter period; the reader reads;
 * the grant runs out (server clock moved) and access ends everywhere;
 * rejections carry a reason; revocation ends access at once.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { RunningServer } from "../helpers/server";
import type { World } from "../helpers/world";
import { DAY, MARKER, advanceClock, requestIdFrom, signedIn, restrictedSuite, type RestrictedDoc } from "./access-helpers";

let world: World, server: RunningServer, doc: RestrictedDoc, head: string;
restrictedSuite((suite) => ({ world, server, doc, head } = suite));

function auditEntries(): { actor: string; action: string; object: string; outcome: string; details?: Record<string, unknown> }[] {
  const file = path.join(world.dataDir, "audit", "audit.log");
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

describe("a reader without access", () => {
  it("sees the number, title and owner only, and a request-access button", async () => {
    const c = await signedIn(server, "itstaff");
    const res = await c.get(`/docs/${doc.number}`);
    expect(res.status).toBe(200);
    expect(res.text_).toContain(doc.number);
    expect(res.text_).toContain(doc.title);
    expect(res.text_).toContain(`/access/request?number=${doc.number}`);
    expect(res.text_).not.toContain(MARKER);
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    const api = await c.json(`/api/v1/documents/${doc.number}`);
    expect(api.status).toBe(403);
    expect(JSON.stringify(api.body)).not.toContain(MARKER);
    expect(api.headers.get("cache-control")).toBe("private, no-store");
  });

  it("gets a request form that shows nothing of the body", async () => {
    const c = await signedIn(server, "itstaff");
    const form = await c.get(`/access/request?number=${doc.number}`);
    expect(form.status).toBe(200);
    expect(form.text_).toContain(doc.title);
    expect(form.text_).toContain('name="purpose"');
    expect(form.text_).toContain('value="emergency"');
    expect(form.text_).not.toContain(MARKER);
    expect(form.headers.get("cache-control")).toBe("private, no-store");
  });
});

describe("request, approval for a shorter period, expiry", () => {
  let requestId = "";

  it("sends a request to the owning department's approvers", async () => {
    const c = await signedIn(server, "itstaff");
    await c.get(`/access/request?number=${doc.number}`);
    const res = await c.post(`/access/request?number=${doc.number}`, {
      intent: "request",
      number: doc.number,
      purpose: "Preparing the supplier audit for the IT hardware contracts",
      scope: "all",
      history: "history",
      days: "7",
    });
    expect(res.status).toBe(302);
    requestId = requestIdFrom(res.headers.get("location"));
    const page = await c.get(`/access/requests/${requestId}?sent=1`);
    expect(page.status).toBe(200);
    expect(page.text_).toContain("Preparing the supplier audit");
    expect(page.text_).not.toContain(MARKER);
    // The request is recorded.
    expect(auditEntries().some((e) => e.action === "access.request" && e.object === doc.number && e.actor === "itstaff" && e.outcome === "ok")).toBe(true);
    // Asking again while one waits is refused.
    const again = await c.post(`/access/request?number=${doc.number}`, {
      intent: "request",
      number: doc.number,
      purpose: "Preparing the supplier audit again",
      scope: "all",
      history: "current",
      days: "7",
    });
    expect(again.status).toBe(409);
  });

  it("appears in the approver's queue and on their home page, not in others'", async () => {
    const approver = await signedIn(server, head);
    const queue = await approver.get("/access/queue");
    expect(queue.status).toBe(200);
    expect(queue.text_).toContain(doc.number);
    expect(queue.text_).toContain("Preparing the supplier audit");
    expect(queue.text_).toContain("Alex Kim");
    const home = await approver.get("/");
    expect(home.text_).toContain("/access/queue");
    const other = await signedIn(server, head === "finhead" ? "hrhead" : "finhead");
    const otherQueue = await other.get("/access/queue");
    expect(otherQueue.text_).not.toContain("Preparing the supplier audit");
  });

  it("cannot be approved for longer than asked, but for fewer days", async () => {
    const approver = await signedIn(server, head);
    await approver.get("/access/queue");
    const tooLong = await approver.post("/access/queue", { intent: "approve", id: requestId, days: "30" });
    expect(tooLong.status).toBe(400);
    const ok = await approver.post("/access/queue", { intent: "approve", id: requestId, days: "3" });
    expect(ok.status).toBe(302);
    expect(ok.headers.get("location")).toBe("/access/queue?done=approve");
    const entries = auditEntries();
    expect(entries.some((e) => e.action === "access.approve" && e.actor === head && e.object === doc.number)).toBe(true);
    const grant = entries.find((e) => e.action === "access.grant" && e.object === doc.number);
    expect(grant?.details?.user).toBe("itstaff");
    // A decided request cannot be decided again.
    const twice = await approver.post("/access/queue", { intent: "reject", id: requestId, reason: "changed my mind" });
    expect(twice.status).toBe(409);
  });

  it("lets the requester read the document, its history and diffs, under a logged grant", async () => {
    const c = await signedIn(server, "itstaff");
    const page = await c.get(`/docs/${doc.number}`);
    expect(page.status).toBe(200);
    expect(page.text_).toContain(MARKER);
    expect(page.headers.get("cache-control")).toBe("private, no-store");
    expect(page.text_).toMatch(/access grant that ends/);
    const history = await c.get(`/docs/${doc.number}/history`);
    expect(history.status).toBe(200);
    const raw = await c.get(`/docs/${doc.number}/raw`);
    expect(raw.text_).toContain(MARKER);
    const api = await c.json<{ body: string }>(`/api/v1/documents/${doc.number}`);
    expect(api.body.body).toContain(MARKER);
    const mine = await c.get("/access");
    expect(mine.text_).toContain(doc.number);
    const views = auditEntries().filter((e) => e.action === "document.view" && e.actor === "itstaff" && e.object === doc.number);
    expect(views.length).toBeGreaterThanOrEqual(3);
    expect(views.every((v) => typeof v.details?.grant === "string")).toBe(true);
  });

  it("ends access by itself when the period is over, on every channel", async () => {
    await advanceClock(server, 3 * DAY + 60_000);
    const c = await signedIn(server, "itstaff");
    const page = await c.get(`/docs/${doc.number}`);
    expect(page.status).toBe(200);
    expect(page.text_).not.toContain(MARKER);
    expect(page.text_).toContain(`/access/request?number=${doc.number}`);
    expect((await c.get(`/docs/${doc.number}/raw`)).status).toBe(403);
    expect((await c.get(`/docs/${doc.number}/history`)).status).toBe(403);
    expect((await c.json(`/api/v1/documents/${doc.number}`)).status).toBe(403);
    const mine = await c.get("/access");
    expect(mine.text_).toMatch(/Expired|已到期/);
  });
});

describe("rejection and revocation", () => {
  it("rejects only with a reason, and the requester sees it", async () => {
    const c = await signedIn(server, "itstaff");
    await c.get(`/access/request?number=${doc.number}`);
    const sent = await c.post(`/access/request?number=${doc.number}`, {
      intent: "request",
      number: doc.number,
      purpose: "Comparing rebate terms for the budget",
      scope: "all",
      history: "current",
      days: "14",
    });
    expect(sent.status).toBe(302);
    const id = requestIdFrom(sent.headers.get("location"));
    const approver = await signedIn(server, head);
    await approver.get(`/access/requests/${id}`);
    const noReason = await approver.post(`/access/requests/${id}`, { intent: "reject", id, reason: "" });
    expect(noReason.status).toBe(400);
    const rejected = await approver.post(`/access/requests/${id}`, { intent: "reject", id, reason: "Budget figures are published separately" });
    expect(rejected.status).toBe(302);
    const mine = await c.get(`/access/requests/${id}`);
    expect(mine.text_).toContain("Budget figures are published separately");
    expect(mine.text_).toMatch(/Rejected|已驳回/);
    expect((await c.get(`/docs/${doc.number}`)).text_).not.toContain(MARKER);
  });

  it("revokes a grant at once (admin)", async () => {
    const c = await signedIn(server, "staff");
    await c.get(`/access/request?number=${doc.number}`);
    const sent = await c.post(`/access/request?number=${doc.number}`, {
      intent: "request",
      number: doc.number,
      purpose: "Checking the escalation contacts for a complaint",
      scope: "all",
      history: "current",
      days: "30",
    });
    const id = requestIdFrom(sent.headers.get("location"));
    const approver = await signedIn(server, head);
    await approver.get("/access/queue");
    expect((await approver.post("/access/queue", { intent: "approve", id, days: "30" })).status).toBe(302);
    expect((await c.get(`/docs/${doc.number}`)).text_).toContain(MARKER);
    const admin = await signedIn(server, "admin");
    const grants = await admin.get(`/admin/access?number=${doc.number}`);
    expect(grants.status).toBe(200);
    expect(grants.text_).toContain("张员工");
    const grantId = /name="id" value="([0-9a-f-]{36})"/.exec(grants.text_)?.[1];
    expect(grantId).toBeTruthy();
    const noReason = await admin.post("/admin/access", { intent: "revoke", id: grantId!, reason: "" });
    expect(noReason.status).toBe(400);
    const revoked = await admin.post("/admin/access", { intent: "revoke", id: grantId!, reason: "Complaint closed" });
    expect(revoked.status).toBe(302);
    expect((await c.get(`/docs/${doc.number}`)).text_).not.toContain(MARKER);
    expect(auditEntries().some((e) => e.action === "access.revoke" && e.actor === "admin" && e.details?.grant === grantId)).toBe(true);
    const after = await c.get(`/access/requests/${id}`);
    expect(after.text_).toContain("Complaint closed");
  });
});
