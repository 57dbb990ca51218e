/**
 * Emergency access: immediate access with a written justification, logged;
 * the approvers see it at once; unratified it ends after 7 days and stays on
 * the admin report; ratified it continues for the approver's period; rejected
 * it ends at once.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { RunningServer } from "../helpers/server";
import type { World } from "../helpers/world";
import { DAY, MARKER, advanceClock, apiPost, runJobs, signedIn, restrictedSuite, type RestrictedDoc } from "./access-helpers";

let world: World, server: RunningServer, doc: RestrictedDoc, head: string;
restrictedSuite((suite) => ({ world, server, doc, head } = suite));

function entries(): { actor: string; action: string; object: string; outcome: string; details?: Record<string, unknown> }[] {
  return fs
    .readFileSync(path.join(world.dataDir, "audit", "audit.log"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

const justification = "Customer complaint escalated by the CEO's office; the supplier call starts in 20 minutes";

async function takeEmergency(username: string, extra: Record<string, string> = {}) {
  const c = await signedIn(server, username);
  await c.get(`/access/request?number=${doc.number}`);
  const res = await c.post(`/access/request?number=${doc.number}`, {
    intent: "emergency",
    number: doc.number,
    justification,
    history: "current",
    days: "5",
    confirm: "yes",
    ...extra,
  });
  return { c, res };
}

describe("emergency access", () => {
  it("needs a justification and the confirmation", async () => {
    const short = await takeEmergency("itstaff", { justification: "urgent" });
    expect(short.res.status).toBe(400);
    const unconfirmed = await takeEmergency("itstaff", { confirm: "" });
    expect(unconfirmed.res.status).toBe(400);
    expect((await short.c.get(`/docs/${doc.number}`)).text_).not.toContain(MARKER);
  });

  it("opens the document at once, is logged, and waits in the approver's queue", async () => {
    const { c, res } = await takeEmergency("itstaff");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`/docs/${doc.number}`);
    const page = await c.get(`/docs/${doc.number}`);
    expect(page.text_).toContain(MARKER);
    expect(page.text_).toMatch(/Emergency access: it ends/);
    const logged = entries().find((e) => e.action === "access.emergency" && e.outcome === "ok");
    expect(logged).toMatchObject({ actor: "itstaff", object: doc.number });
    expect(logged?.details?.justification).toBe(justification);
    const approver = await signedIn(server, head);
    const queue = await approver.get("/access/queue");
    expect(queue.text_).toContain(justification);
    expect(queue.text_).toMatch(/Ratify|追认/);
    // A second one while the first holds is refused.
    const again = await takeEmergency("itstaff");
    expect(again.res.status).toBe(409);
  });

  it("is listed on the admin report until ratified, and ends when the 7 days pass", async () => {
    const admin = await signedIn(server, "admin");
    const report = await admin.get("/admin/access/emergency");
    expect(report.status).toBe(200);
    expect(report.text_).toContain("Alex Kim");
    expect(report.text_).toMatch(/h left|剩余/);
    await advanceClock(server, 6 * DAY);
    const reader = await signedIn(server, "itstaff");
    expect((await reader.get(`/docs/${doc.number}`)).text_).toContain(MARKER);
    await advanceClock(server, DAY + 60_000);
    expect((await reader.get(`/docs/${doc.number}`)).text_).not.toContain(MARKER);
    await runJobs(server, "access-expiry");
    const after = await admin.get("/admin/access/emergency");
    expect(after.text_).toMatch(/7 days passed|已满 7 天/);
    expect(entries().some((e) => e.action === "access.emergency.lapse" && e.actor === "system")).toBe(true);
    // Too late to ratify.
    const approver = await signedIn(server, head);
    const queue = await approver.json<{ queue: { id: string; kind: string }[] }>("/api/v1/access/queue");
    expect(queue.body.queue.filter((q) => q.kind === "emergency")).toEqual([]);
    const id = (await reader.json<{ requests: { id: string; kind: string; status: string }[] }>("/api/v1/access/requests")).body.requests.find(
      (r) => r.kind === "emergency",
    )!;
    expect(id.status).toBe("lapsed");
    const late = await apiPost(approver, `/api/v1/access/requests/${id.id}`, { decision: "approve", days: 3 });
    expect(late.status).toBe(409);
  });

  it("continues after ratification for the approver's period", async () => {
    const { c, res } = await takeEmergency("staff", { days: "30" });
    expect(res.status).toBe(302);
    const approver = await signedIn(server, head);
    const queue = await approver.json<{ queue: { id: string; kind: string; requesterUsername: string }[] }>("/api/v1/access/queue");
    const item = queue.body.queue.find((q) => q.kind === "emergency" && q.requesterUsername === "staff")!;
    await approver.get("/access/queue");
    const tooLong = await approver.post("/access/queue", { intent: "approve", id: item.id, days: "45" });
    expect(tooLong.status).toBe(400);
    expect((await approver.post("/access/queue", { intent: "approve", id: item.id, days: "20" })).status).toBe(302);
    expect(entries().some((e) => e.action === "access.ratify" && e.actor === head)).toBe(true);
    await advanceClock(server, 10 * DAY);
    expect((await c.get(`/docs/${doc.number}`)).text_).toContain(MARKER);
    const admin = await signedIn(server, "admin");
    const report = await admin.get("/admin/access/emergency");
    expect(report.text_).toMatch(/Ratified|已追认/);
    await advanceClock(server, 11 * DAY);
    expect((await c.get(`/docs/${doc.number}`)).text_).not.toContain(MARKER);
  });

  it("ends at once when the approver rejects it", async () => {
    const { c, res } = await takeEmergency("newhire");
    expect(res.status).toBe(302);
    expect((await c.get(`/docs/${doc.number}`)).text_).toContain(MARKER);
    const approver = await signedIn(server, head);
    const queue = await approver.json<{ queue: { id: string; requesterUsername: string }[] }>("/api/v1/access/queue");
    const item = queue.body.queue.find((q) => q.requesterUsername === "newhire")!;
    const rejected = await apiPost(approver, `/api/v1/access/requests/${item.id}`, { decision: "reject", reason: "No complaint on record" });
    expect(rejected.status).toBe(200);
    expect(rejected.body.request.status).toBe("rejected");
    expect((await c.get(`/docs/${doc.number}`)).text_).not.toContain(MARKER);
    const mine = await c.get(`/access/requests/${item.id}`);
    expect(mine.text_).toContain("No complaint on record");
  });

  it("can be taken through the API", async () => {
    const c = await signedIn(server, "finhead");
    const missing = await apiPost(c, "/api/v1/access/emergency", { number: doc.number, justification });
    expect(missing.status).toBe(400);
    expect(missing.body.error.fieldErrors.confirm).toBeTruthy();
    const taken = await apiPost(c, "/api/v1/access/emergency", { number: doc.number, justification, confirm: true });
    expect(taken.status).toBe(201);
    expect(taken.body.grant.kind).toBe("emergency");
    const doc_ = await c.json<{ body: string }>(`/api/v1/documents/${doc.number}`);
    expect(doc_.body.body).toContain(MARKER);
  });
});
