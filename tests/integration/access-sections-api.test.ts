/**
 * Sections-only grants (the reader sees only the granted headings of the
 * current version, on the page, the raw view and the API; never history) and
 * the JSON API of the workflow: request, queue, decision, grants, revocation.
 */
import { describe, expect, it } from "vitest";
import type { RunningServer } from "../helpers/server";
import type { World } from "../helpers/world";
import { MARKER, apiPost, requestIdFrom, signedIn, restrictedSuite, type RestrictedDoc } from "./access-helpers";

let world: World, server: RunningServer, doc: RestrictedDoc, head: string;
restrictedSuite((suite) => ({ world, server, doc, head } = suite));

describe("a grant for named sections", () => {
  it("shows only those sections of the current version, everywhere", async () => {
    expect(doc.cleanSection, "the restricted document needs a section without the marker").toBeTruthy();
    const reader = await signedIn(server, "itstaff");
    await reader.get(`/access/request?number=${doc.number}`);
    const sent = await reader.post(`/access/request?number=${doc.number}`, {
      intent: "request",
      number: doc.number,
      purpose: "Only the scope is needed for the hardware tender",
      scope: "sections",
      sections: doc.cleanSection!,
      history: "current",
      days: "5",
    });
    expect(sent.status).toBe(302);
    const id = requestIdFrom(sent.headers.get("location"));

    // The approver sees the headings to choose from, the named one ticked.
    const approver = await signedIn(server, head);
    const queue = await approver.get("/access/queue");
    const boxes = [...queue.text_.matchAll(/<input type="checkbox" name="sections"([^>]*)\/>/g)].map((m) => m[1]);
    expect(boxes.find((b) => b.includes(`value="${doc.cleanSection}"`))).toContain("checked");
    expect(boxes.filter((b) => b.includes("checked")).length).toBe(1);
    // Ticking nothing is refused.
    const none = await approver.post("/access/queue", { intent: "approve", id, days: "5", sectionsShown: "1" });
    expect(none.status).toBe(400);
    const unknown = await approver.post("/access/queue", { intent: "approve", id, days: "5", sectionsShown: "1", sections: "no-such-heading" });
    expect(unknown.status).toBe(400);
    expect((await approver.post("/access/queue", { intent: "approve", id, days: "5", sectionsShown: "1", sections: doc.cleanSection! })).status).toBe(302);

    const page = await reader.get(`/docs/${doc.number}`);
    expect(page.status).toBe(200);
    expect(page.text_).not.toContain(MARKER);
    expect(page.text_).toContain(`id="${doc.cleanSection}"`);
    expect(page.text_).toMatch(/only those are shown/);
    const raw = await reader.get(`/docs/${doc.number}/raw`);
    expect(raw.status).toBe(200);
    expect(raw.text_).not.toContain(MARKER);
    const api = await reader.json<{ body: string; html: string }>(`/api/v1/documents/${doc.number}`);
    expect(api.status).toBe(200);
    expect(api.body.body).not.toContain(MARKER);
    expect(api.body.html).not.toContain(MARKER);
    // Never the history, old versions or diffs.
    expect((await reader.get(`/docs/${doc.number}/history`)).status).toBe(403);
    if (doc.versions > 1) {
      expect((await reader.get(`/docs/${doc.number}/v/1`)).text_).not.toContain(MARKER);
      expect((await reader.get(`/docs/${doc.number}/diff?from=1&to=${doc.versions}`)).status).toBe(403);
      expect((await reader.json(`/api/v1/documents/${doc.number}/versions/1`)).status).toBe(403);
    }
    // Searching the marker's words finds no snippet from the other sections.
    const search = await reader.get(`/search?q=7Q4Z`);
    expect(search.text_).not.toContain(MARKER);
  });
});

describe("the access API", () => {
  it("requests, lists the queue, approves, lists grants and revokes", async () => {
    const requester = await signedIn(server, "staff");
    const bad = await apiPost(requester, "/api/v1/access/requests", { number: doc.number, purpose: "short", days: 200 });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.fieldErrors).sort()).toEqual(["days", "purpose"]);
    const created = await apiPost(requester, "/api/v1/access/requests", {
      number: doc.number.toLowerCase(),
      purpose: "Reconciling the rebate ladder with invoices",
      scope: "all",
      history: true,
      days: 10,
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("cache-control")).toBe("private, no-store");
    const id = created.body.request.id as string;
    expect(created.body.request).toMatchObject({ number: doc.number, status: "pending", days: 10, history: true });

    const mine = await requester.json<{ requests: { id: string }[] }>("/api/v1/access/requests");
    expect(mine.body.requests.map((r) => r.id)).toContain(id);

    const approver = await signedIn(server, head);
    const queue = await approver.json<{ queue: { id: string; purpose: string }[] }>("/api/v1/access/queue");
    expect(queue.body.queue.find((q) => q.id === id)?.purpose).toBe("Reconciling the rebate ladder with invoices");
    // Someone else's queue does not have it, and they cannot read it.
    const other = await signedIn(server, head === "hrhead" ? "finhead" : "hrhead");
    expect((await other.json<{ queue: { id: string }[] }>("/api/v1/access/queue")).body.queue.some((q) => q.id === id)).toBe(false);
    expect((await other.json(`/api/v1/access/requests/${id}`)).status).toBe(404);

    const invalid = await apiPost(approver, `/api/v1/access/requests/${id}`, { decision: "maybe" });
    expect(invalid.status).toBe(400);
    const approved = await apiPost(approver, `/api/v1/access/requests/${id}`, { decision: "approve", days: 4 });
    expect(approved.status).toBe(200);
    expect(approved.body.grant).toMatchObject({ number: doc.number, sections: "all", history: true, kind: "request" });
    const grantId = approved.body.grant.id as string;

    const grants = await requester.json<{ grants: { id: string; state: string }[] }>("/api/v1/access/grants");
    expect(grants.body.grants.find((g) => g.id === grantId)?.state).toBe("active");
    expect((await requester.json(`/api/v1/access/grants?all=1`)).status).toBe(403);
    const admin = await signedIn(server, "admin");
    const all = await admin.json<{ grants: { id: string; username: string }[] }>(`/api/v1/access/grants?all=1&number=${doc.number}`);
    expect(all.body.grants.find((g) => g.id === grantId)?.username).toBe("staff");
    expect((await requester.json<{ body: string }>(`/api/v1/documents/${doc.number}`)).body.body).toContain(MARKER);

    // The holder cannot revoke (or re-grant) for themselves; the owning department's head can revoke.
    const selfRevoke = await apiPost(requester, `/api/v1/access/grants/${grantId}`, { reason: "done" }, "DELETE");
    expect(selfRevoke.status).toBe(403);
    const revoked = await apiPost(approver, `/api/v1/access/grants/${grantId}`, { reason: "Reconciliation finished" }, "DELETE");
    expect(revoked.status).toBe(200);
    expect(revoked.body.grant.state).toBe("revoked");
    expect((await requester.json(`/api/v1/documents/${doc.number}`)).status).toBe(403);
    const twice = await apiPost(approver, `/api/v1/access/grants/${grantId}`, { reason: "again" });
    expect(twice.status).toBe(409);
  });

  it("refuses a token-less JSON post and non-JSON bodies", async () => {
    const c = await signedIn(server, "staff");
    const res = await fetch(`${server.url}/api/v1/access/requests`, {
      method: "POST",
      headers: { Cookie: c.cookieHeader(), "Content-Type": "application/json" },
      body: JSON.stringify({ number: doc.number, purpose: "no token here at all", days: 3 }),
    });
    expect(res.status).toBe(403);
    const notJson = await fetch(`${server.url}/api/v1/access/requests`, {
      method: "POST",
      headers: {
        Cookie: c.cookieHeader(),
        "X-CSRF-Token": c.csrf,
        Origin: server.url,
        "Content-Type": "application/json",
      },
      body: "number=EXE-001",
    });
    expect(notJson.status).toBe(400);
  });
});
