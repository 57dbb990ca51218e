/**
 * The admin side: grants in force, the access review report (who read which
 * restricted document, when, under which grant) and its CSV, the audit log's
 * browse page with filters and paging, its CSV export (escaping and the
 * formula guard), chain verification, and delegates.
 */
import { describe, expect, it } from "vitest";
import type { RunningServer } from "../helpers/server";
import type { World } from "../helpers/world";
import { requestIdFrom, signedIn, restrictedSuite, type RestrictedDoc } from "./access-helpers";

let world: World, server: RunningServer, doc: RestrictedDoc, head: string;
restrictedSuite((suite) => ({ world, server, doc, head } = suite));

/** Parses CSV (RFC 4180) into rows. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  const src = text.replace(/^\uFEFF/, "");
  for (let i = 0; i < src.length; i++) {
    const ch = src[i];
    if (quoted) {
      if (ch === '"' && src[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(cell);
      cell = "";
    } else if (ch === "\r" && src[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else cell += ch;
  }
  if (cell || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

async function grantTo(username: string, days = "7") {
  const c = await signedIn(server, username);
  await c.get(`/access/request?number=${doc.number}`);
  const sent = await c.post(`/access/request?number=${doc.number}`, {
    intent: "request",
    number: doc.number,
    purpose: `Access review test for ${username}`,
    scope: "all",
    history: "current",
    days,
  });
  const id = requestIdFrom(sent.headers.get("location"));
  const approver = await signedIn(server, head);
  await approver.get("/access/queue");
  expect((await approver.post("/access/queue", { intent: "approve", id, days })).status).toBe(302);
  return c;
}

describe("admin pages", () => {
  it("are for admins only", async () => {
    const staff = await signedIn(server, "staff");
    for (const url of ["/admin/access", "/admin/access/emergency", "/admin/access/review", "/admin/access/delegates", "/admin/audit", "/admin/audit.csv", "/admin/access/review.csv"]) {
      const res = await staff.get(url);
      expect(res.status, url).toBe(403);
    }
    const admin = await signedIn(server, "admin");
    const home = await admin.get("/admin");
    expect(home.text_).toContain('href="/admin/access"');
    expect(home.text_).toContain('href="/admin/audit"');
  });

  it("report who read the restricted document, when and under which grant", async () => {
    const reader = await grantTo("itstaff");
    await reader.get(`/docs/${doc.number}`);
    await reader.get(`/docs/${doc.number}/raw`);
    const admin = await signedIn(server, "admin");
    const grants = await admin.get("/admin/access");
    expect(grants.text_).toContain("Alex Kim");
    const review = await admin.get(`/admin/access/review?number=${doc.number}`);
    expect(review.status).toBe(200);
    expect(review.text_).toContain("Alex Kim");
    expect(review.text_).toContain(head);
    const csv = await admin.get(`/admin/access/review.csv?number=${doc.number}&user=itstaff`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toContain("text/csv");
    expect(csv.headers.get("cache-control")).toBe("private, no-store");
    const rows = parseCsv(csv.text_);
    expect(rows[0]).toEqual(["time", "username", "name", "number", "title", "what", "version", "via", "grant", "grant_kind", "granted_by", "grant_expires", "ratified"]);
    const data = rows.slice(1);
    expect(data.length).toBe(2);
    expect(data.every((r) => r[1] === "itstaff" && r[3] === doc.number && r[7] === "grant" && r[9] === "request" && r[10] === head)).toBe(true);
    expect(data.map((r) => r[5]).sort()).toEqual(["page", "raw"]);
    // A period before the views has none.
    const empty = await admin.get(`/admin/access/review.csv?number=${doc.number}&from=2001-01-01&to=2001-12-31`);
    expect(parseCsv(empty.text_).length).toBe(1);
    const badDate = await admin.get("/admin/access/review?from=2024-13-40");
    expect(badDate.status).toBe(400);
  });
});

describe("the audit log", () => {
  it("is browsed with filters and pages", async () => {
    const admin = await signedIn(server, "admin");
    // A refused request with a formula-looking "number" lands in the log.
    const staff = await signedIn(server, "staff");
    expect((await staff.get("/access/request?number=%3D1%2B2")).status).toBe(404);
    const page = await admin.get("/admin/audit?action=access.&outcome=denied");
    expect(page.status).toBe(200);
    expect(page.text_).toContain("=1+2");
    expect(page.text_).not.toMatch(/title="auth\.login"/);
    const logins = await admin.get("/admin/audit?action=auth.login&actor=staff");
    expect(logins.text_).toMatch(/title="auth\.login"/);
    expect(logins.text_).not.toMatch(/title="access\./);
    // Paging: more than one page of entries overall, and page 2 differs from page 1.
    await Promise.all(Array.from({ length: 45 }, () => signedIn(server, "staff")));
    const all = await admin.get("/admin/audit");
    const count = Number(/(\d+) matching entries|共 (\d+) 条/.exec(all.text_)?.slice(1).find(Boolean));
    expect(count).toBeGreaterThan(50);
    const second = await admin.get("/admin/audit?page=2");
    expect(second.text_).toMatch(/Page 2 of|第 2 页/);
    expect((await admin.get("/admin/audit?outcome=maybe")).status).toBe(400);
    expect((await admin.get("/admin/audit?from=2024-05-01&to=2024-04-01")).status).toBe(400);
  });

  it("exports matching entries as CSV with every column, escaped and formula-guarded", async () => {
    const admin = await signedIn(server, "admin");
    const res = await admin.get("/admin/audit.csv?outcome=denied");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toMatch(/attachment; filename="audit-\d{4}-\d{2}-\d{2}\.csv"/);
    const bytes = new Uint8Array(
      await (await fetch(`${server.url}/admin/audit.csv?outcome=denied`, { headers: { Cookie: admin.cookieHeader() } })).arrayBuffer(),
    );
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // UTF-8 BOM, so spreadsheets read Chinese names
    const rows = parseCsv(res.text_);
    expect(rows[0]).toEqual(["seq", "time", "actor", "action", "object", "outcome", "details", "prev", "hash"]);
    const formula = rows.find((r) => r[4].includes("1+2"));
    expect(formula?.[4]).toBe("'=1+2");
    expect(rows.slice(1).every((r) => r[5] === "denied" && /^[0-9a-f]{64}$/.test(r[8]))).toBe(true);
    // Details are JSON in one cell (commas and quotes survive the round trip).
    expect(JSON.parse(formula![6])).toMatchObject({ code: "not_found" });
    // The export itself is on record.
    const after = await admin.get("/admin/audit?action=audit.export");
    expect(after.text_).toMatch(/title="audit\.export"/);
  });

  it("verifies the chain from the browse page", async () => {
    const admin = await signedIn(server, "admin");
    const res = await admin.get("/admin/audit?verify=1");
    expect(res.text_).toMatch(/The chain is intact|链条完整/);
  });
});

describe("delegates", () => {
  it("decide for the department while named, and no longer once removed", async () => {
    const admin = await signedIn(server, "admin");
    const page = await admin.get("/admin/access/delegates");
    // A head of another department, who has no say over this one's documents by role.
    const other = doc.ownerDepartment === "qa" ? { username: "finhead", name: "Morgan Fisher" } : { username: "qahead", name: "周质量" };
    const delegateId = new RegExp(`<option value="([0-9a-f-]{36})">${other.name} \\(${other.username}\\)</option>`).exec(page.text_)?.[1];
    expect(delegateId).toBeTruthy();
    const past = await admin.post("/admin/access/delegates", { intent: "add", departmentId: doc.ownerDepartment, userId: delegateId!, until: "2001-01-01" });
    expect(past.status).toBe(400);
    const named = await admin.post("/admin/access/delegates", { intent: "add", departmentId: doc.ownerDepartment, userId: delegateId!, until: "" });
    expect(named.status).toBe(302);

    const requester = await signedIn(server, "newhire");
    await requester.get(`/access/request?number=${doc.number}`);
    const sent = await requester.post(`/access/request?number=${doc.number}`, {
      intent: "request",
      number: doc.number,
      purpose: "Learning the escalation path in my first week",
      scope: "all",
      history: "current",
      days: "3",
    });
    const id = requestIdFrom(sent.headers.get("location"));
    const delegate = await signedIn(server, other.username);
    const queue = await delegate.get("/access/queue");
    expect(queue.text_).toContain("Learning the escalation path");

    const listed = await admin.get("/admin/access/delegates");
    const delegationId = /name="intent" value="remove"\/><input type="hidden" name="id" value="([0-9a-f-]{36})"/.exec(listed.text_)?.[1];
    expect(delegationId).toBeTruthy();
    expect((await admin.post("/admin/access/delegates", { intent: "remove", id: delegationId! })).status).toBe(302);
    const refused = await delegate.post("/access/queue", { intent: "approve", id, days: "3" });
    expect(refused.status).toBe(403);

    const approver = await signedIn(server, head);
    await approver.get("/access/queue");
    expect((await approver.post("/access/queue", { intent: "approve", id, days: "3" })).status).toBe(302);
  });
});
