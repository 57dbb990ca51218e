/**
 * Bad input is refused with a clear message and recorded in the audit log:
 * unknown documents, requests where no request is needed or one already has
 * access, periods out of range, decisions by people who may not decide,
 * approving one's own request, forged form posts and API calls.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { RunningServer } from "../helpers/server";
import type { World } from "../helpers/world";
import { apiPost, requestIdFrom, signedIn, restrictedSuite, type RestrictedDoc } from "./access-helpers";

let world: World, server: RunningServer, doc: RestrictedDoc, head: string;
restrictedSuite((suite) => ({ world, server, doc, head } = suite));

interface Entry {
  seq: number;
  actor: string;
  action: string;
  object: string;
  outcome: string;
  details?: Record<string, unknown>;
}

function entries(): Entry[] {
  return fs
    .readFileSync(path.join(world.dataDir, "audit", "audit.log"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

/** Runs `fn` and returns the audit entries it appended (sign-ins left out). */
async function recordedBy(fn: () => Promise<void>): Promise<Entry[]> {
  const before = entries().length;
  await fn();
  return entries()
    .slice(before)
    .filter((e) => !e.action.startsWith("auth."));
}

const purpose = "Reviewing the terms for the annual supplier assessment";

async function request(username: string, fields: Record<string, string>) {
  const c = await signedIn(server, username);
  await c.get("/access");
  return { c, res: await c.post("/access/request", { intent: "request", purpose, scope: "all", history: "current", days: "7", ...fields }) };
}

describe("refused and recorded", () => {
  it("an unknown or malformed document number", async () => {
    const c = await signedIn(server, "itstaff");
    const log = await recordedBy(async () => {
      const page = await c.get("/access/request?number=EXE-9999");
      expect(page.status).toBe(404);
      expect(page.text_).toContain("There is no document EXE-9999");
      const post = await c.post("/access/request", { intent: "request", number: "NOPE-1", purpose, scope: "all", history: "current", days: "7" });
      expect(post.status).toBe(404);
      const api = await apiPost(c, "/api/v1/access/requests", { number: "EXE-9999", purpose, days: 7 });
      expect(api.status).toBe(404);
      expect(api.body.error.code).toBe("not_found");
    });
    expect(log.filter((e) => e.action === "access.request" && e.outcome === "denied" && e.actor === "itstaff").length).toBe(3);
  });

  it("a request for an internal document, and for one the user can already read", async () => {
    const internal = { number: doc.internalNumber };
    const log = await recordedBy(async () => {
      const { res } = await request("itstaff", { number: internal.number });
      expect(res.status).toBe(400);
      expect(res.text_).toMatch(/open to every signed-in staff member|对所有已登录员工公开/);
      // The owning department's head reads restricted documents by role.
      const own = await request(head, { number: doc.number });
      expect(own.res.status).toBe(409);
      expect(own.res.text_).toMatch(/already read|已可以阅读/);
    });
    expect(log.map((e) => [e.actor, e.action, e.outcome])).toEqual([
      ["itstaff", "access.request", "denied"],
      [head, "access.request", "denied"],
    ]);
  });

  it("periods outside 1–90 days and missing fields", async () => {
    const log = await recordedBy(async () => {
      for (const days of ["0", "91", "seven", "2.5"]) {
        const { res } = await request("itstaff", { number: doc.number, days });
        expect(res.status).toBe(400);
      }
      const short = await request("itstaff", { number: doc.number, purpose: "x" });
      expect(short.res.status).toBe(400);
      const sectionsHistory = await request("itstaff", { number: doc.number, scope: "sections", sections: "Scope", history: "history" });
      expect(sectionsHistory.res.status).toBe(400);
      expect(sectionsHistory.res.text_).toMatch(/current version only|仅限现行版本/);
    });
    expect(log.length).toBe(6);
    expect(log.every((e) => e.action === "access.request" && e.outcome === "denied")).toBe(true);
  });

  it("decisions by someone who is not an approver of the owning department, and on one's own request", async () => {
    const { res } = await request("itstaff", { number: doc.number });
    expect(res.status).toBe(302);
    const id = requestIdFrom(res.headers.get("location"));
    const outsider = head === "finhead" ? "hrhead" : "finhead";
    const log = await recordedBy(async () => {
      const o = await signedIn(server, outsider);
      await o.get("/access");
      expect((await o.get(`/access/requests/${id}`)).status).toBe(404); // they may not even see it
      const post = await o.post(`/access/requests/${id}`, { intent: "approve", id, days: "7" });
      expect(post.status).toBe(403);
      const queue = await o.post("/access/queue", { intent: "approve", id, days: "7" });
      expect(queue.status).toBe(403);
      expect(queue.text_).toMatch(/Only the approvers of the owning department|只有归口部门的审批人/);
      const api = await apiPost(o, `/api/v1/access/requests/${id}`, { decision: "approve", days: 7 });
      expect(api.status).toBe(403);
      // Nor may the requester decide it.
      const self = await signedIn(server, "itstaff");
      await self.get("/access");
      const own = await self.post("/access/queue", { intent: "approve", id, days: "7" });
      expect(own.status).toBe(403);
      expect(own.text_).toMatch(/cannot decide your own|不能审批自己/);
    });
    // Every attempt is on record (the page's own re-render after a refused post records its 404 too).
    const decides = log.filter((e) => e.action === "access.decide");
    expect(decides.map((e) => e.actor)).toEqual([outsider, outsider, outsider, "itstaff"]);
    expect(log.filter((e) => e.action === "access.request.view").every((e) => e.actor === outsider)).toBe(true);
    expect(log.every((e) => e.outcome === "denied")).toBe(true);
    // Nothing was granted.
    expect(entries().some((e) => e.action === "access.grant")).toBe(false);
  });

  it("a delegate cannot approve their own request", async () => {
    const admin = await signedIn(server, "admin");
    await admin.get("/admin/access/delegates");
    const users = await admin.get("/admin/access/delegates");
    const staffId = /<option value="([0-9a-f-]{36})">张员工 \(staff\)<\/option>/.exec(users.text_)?.[1];
    expect(staffId).toBeTruthy();
    const named = await admin.post("/admin/access/delegates", { intent: "add", departmentId: doc.ownerDepartment, userId: staffId!, until: "" });
    expect(named.status).toBe(302);
    const { c, res } = await request("staff", { number: doc.number });
    expect(res.status).toBe(302);
    const id = requestIdFrom(res.headers.get("location"));
    const own = await c.post(`/access/requests/${id}`, { intent: "approve", id, days: "7" });
    expect(own.status).toBe(403);
    expect(entries().at(-1)).toMatchObject({ actor: "staff", action: "access.decide", outcome: "denied" });
    // The delegate decides other people's requests for the department.
    const queue = await c.get("/access/queue");
    expect(queue.text_).toContain("Alex Kim");
    expect(queue.text_).not.toContain(`id="req-${id}"`);
  });

  it("forged form posts and cross-site API calls", async () => {
    const c = await signedIn(server, "itstaff");
    const log = await recordedBy(async () => {
      const noToken = await c.post("/access/request", { intent: "request", number: doc.number, purpose, scope: "all", history: "current", days: "7" }, { csrf: false });
      expect(noToken.status).toBe(403);
      expect(noToken.text_).toMatch(/did not come from Regula|expired/);
      // The server refuses a cross-site page post before any action runs, says why, and records it.
      const crossSite = await c.post("/access/request", { intent: "emergency", number: doc.number, justification: "x".repeat(30), confirm: "yes" }, { origin: "https://evil.example" });
      expect(crossSite.status).toBe(403);
      expect(crossSite.text_).toContain("sent from another site");
      const api = await fetch(`${server.url}/api/v1/access/emergency`, {
        method: "POST",
        headers: {
          Cookie: c.cookieHeader(),
          "Content-Type": "application/json",
          Origin: "https://evil.example",
        },
        body: JSON.stringify({ number: doc.number, justification: "y".repeat(30), confirm: true }),
      });
      expect(api.status).toBe(403);
    });
    await new Promise((r) => setTimeout(r, 200)); // the cross-site record is written after the answer
    const forged = entries()
      .slice(-3)
      .map((e) => [e.actor, e.action, e.outcome]);
    expect(forged).toEqual(
      expect.arrayContaining([
        ["itstaff", "access.request", "denied"],
        ["itstaff", "request.cross-site", "denied"],
        ["itstaff", "access.emergency", "denied"],
      ]),
    );
    expect(log.length).toBeGreaterThanOrEqual(2);
    // None of them took effect.
    const mine = await c.json<{ grants: unknown[] }>("/api/v1/access/grants");
    expect(mine.body.grants).toEqual([]);
  });
});
