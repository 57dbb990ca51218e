/**
 * The foundation through real HTTP against the built portal: sign-in, reading,
 * history, superseded versions, diffs, the JSON API, admin pages, language,
 * and the protections (CSRF, rate limit, headers, path tricks).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, signIn } from "../helpers/client";
import { createWorld, type World } from "../helpers/world";
import { healthDetails, type RunningServer } from "../helpers/server";
import { TEST_ENV } from "../helpers/paths";

let world: World;
let server: RunningServer;

beforeAll(async () => {
  world = await createWorld();
  server = await world.server();
});
afterAll(async () => world?.cleanup());

function signedIn(username = "staff") {
  return signIn(server.url, username, { lang: null });
}

/** A document with at least three versions, found through the API. */
async function documentWithHistory(c: Client) {
  const list = await c.json<{ documents: { number: string; version: number; confidentiality: string }[] }>("/api/v1/documents");
  const doc = list.body.documents.find((d) => d.version >= 3 && d.confidentiality === "internal");
  if (!doc) throw new Error("sample content has no internal document with 3+ versions");
  return doc;
}

describe("signing in", () => {
  it("redirects anonymous readers to the login page and keeps where they were going", async () => {
    const c = new Client(server.url);
    const res = await c.get("/docs/EXE-001");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/login?redirectTo=%2Fdocs%2FEXE-001");
  });

  it("signs in with the demo password and out again", async () => {
    const c = await signedIn("staff");
    const home = await c.get("/");
    expect(home.status).toBe(200);
    expect(home.text_).toContain("张员工");
    const out = await c.post("/logout", {});
    expect(out.status).toBe(302);
    expect((await c.get("/")).status).toBe(302);
  });

  it("refuses a wrong password with 401 and rate-limits repeated failures", async () => {
    const c = new Client(server.url);
    await c.get("/login");
    const first = await c.post("/login", { username: "approver", password: "wrong-password" });
    expect(first.status).toBe(401);
    for (let i = 0; i < 5; i++) await c.post("/login", { username: "approver", password: "wrong-password" });
    const limited = await c.post("/login", { username: "approver", password: "demo1234" });
    expect(limited.status).toBe(429);
  });

  it("refuses cross-site and token-less form posts", async () => {
    const c = await signedIn("admin");
    const forged = await c.post("/admin/departments", { intent: "create", id: "forged", nameZh: "偽造", nameEn: "Forged" }, { origin: "https://evil.example" });
    expect(forged.status).toBe(403);
    expect(forged.text_).toContain("此表单来自其他网站");
    const forgedJson = await c.post("/admin/departments", { intent: "create", id: "forged", nameZh: "偽造", nameEn: "Forged" }, { origin: "null", headers: { Accept: "application/json" } });
    expect(forgedJson.status).toBe(403);
    expect(JSON.parse(forgedJson.text_).error.code).toBe("forbidden");
    const noToken = await c.post("/admin/departments", { intent: "create", id: "forged", nameZh: "偽造", nameEn: "Forged" }, { csrf: false });
    expect(noToken.status).toBe(403);
    const page = await c.get("/admin/departments");
    expect(page.text_).not.toContain("forged");
  });

  it("rejects a tampered session cookie", async () => {
    const c = await signedIn("admin");
    const value = c.cookies.get("__regula")!;
    c.cookies.set("__regula", value.slice(0, -4) + (value.endsWith("AAAA") ? "BBBB" : "AAAA"));
    expect((await c.get("/admin")).status).toBe(302);
  });

  it("sets security headers on pages", async () => {
    const c = await signedIn();
    const res = await c.get("/");
    expect(res.headers.get("content-security-policy")).toMatch(/script-src 'self' 'nonce-/);
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  });
});

describe("reading", () => {
  it("home shows the five categories with counts and recent changes", async () => {
    const c = await signedIn();
    const home = await c.get("/");
    for (const code of ["INI", "APR", "EXE", "MON", "ACC"]) expect(home.text_).toContain(`/categories/${code}`);
    expect(home.text_).toMatch(/现行 \d+ 份|\d+ current/);
  });

  it("shows a document's current version with number, version, owner and table of contents", async () => {
    const c = await signedIn();
    const doc = await documentWithHistory(c);
    const res = await c.get(`/docs/${doc.number}`);
    expect(res.status).toBe(200);
    expect(res.text_).toContain(doc.number);
    expect(res.text_).toContain(`v${doc.version}`);
    expect(res.text_).toContain('class="doc-toc"');
    expect(res.text_).toContain('class="markdown"');
  });

  it("lists every version in history and marks old versions superseded with a link to the current one", async () => {
    const c = await signedIn();
    const doc = await documentWithHistory(c);
    const history = await c.get(`/docs/${doc.number}/history`);
    for (let v = 1; v <= doc.version; v++) expect(history.text_).toContain(`>v${v}<`);
    const old = await c.get(`/docs/${doc.number}/v/1`);
    expect(old.status).toBe(200);
    expect(old.text_).toMatch(new RegExp(`(Superseded — current is v${doc.version}|已替代 — 现行版本为 v${doc.version})`));
    expect(old.text_).toContain(`href="/docs/${doc.number}"`);
  });

  it("compares two versions side by side and inline with word marks", async () => {
    const c = await signedIn();
    const doc = await documentWithHistory(c);
    // The formatted diff is the default view; the source diff is one link away.
    const formatted = await c.get(`/docs/${doc.number}/diff?from=1&to=${doc.version}`);
    expect(formatted.status).toBe(200);
    expect(formatted.text_).toMatch(/class="fd-b fd-(add|del|changed|movedTo)"/);
    const split = await c.get(`/docs/${doc.number}/diff?from=1&to=${doc.version}&view=split`);
    expect(split.status).toBe(200);
    expect(split.text_).toMatch(/diff-(add|del|change)/);
    const inline = await c.get(`/docs/${doc.number}/diff?from=1&to=${doc.version}&view=inline`);
    expect(inline.status).toBe(200);
    expect(inline.text_).toMatch(/diff-(add|del|change)/);
    const bad = await c.get(`/docs/${doc.number}/diff?from=abc&to=2`);
    expect(bad.status).toBe(400);
  });

  it("answers 404 for unknown numbers and path tricks", async () => {
    const c = await signedIn();
    for (const p of ["/docs/EXE-999", "/docs/..%2F..%2Fetc%2Fpasswd", "/docs/EXE-001%2F..%2F..%2Fdb.json", "/docs/.git", "/docs/EXE-001/v/..%2F1", "/docs/EXE-001/raw?version=../1"]) {
      const res = await c.get(p);
      expect([400, 404], p).toContain(res.status);
      expect(res.text_).not.toContain("passwordHash");
    }
  });

  it("serves the markdown source of the current version", async () => {
    const c = await signedIn();
    const res = await c.get("/docs/EXE-001/raw");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/markdown");
    expect(res.text_).toMatch(/^---\nnumber: EXE-001/);
  });
});

describe("JSON API", () => {
  it("lists documents by category, returns one with body and html, versions and a diff", async () => {
    const c = await signedIn();
    const list = await c.json<{ documents: { number: string; category: string }[] }>("/api/v1/documents?category=EXE");
    expect(list.status).toBe(200);
    expect(list.body.documents.length).toBeGreaterThan(0);
    expect(list.body.documents.every((d) => d.category === "EXE")).toBe(true);
    const doc = await documentWithHistory(c);
    const one = await c.json<{ number: string; body: string; html: string; version: number }>(`/api/v1/documents/${doc.number}`);
    expect(one.body.number).toBe(doc.number);
    expect(one.body.body.length).toBeGreaterThan(50);
    expect(one.body.html).toContain("<h");
    const versions = await c.json<{ versions: { version: number; current: boolean }[] }>(`/api/v1/documents/${doc.number}/versions`);
    expect(versions.body.versions.map((v) => v.version)).toEqual(Array.from({ length: doc.version }, (_, i) => doc.version - i));
    const v1 = await c.json<{ version: number; superseded: boolean }>(`/api/v1/documents/${doc.number}/versions/1`);
    expect(v1.body).toMatchObject({ version: 1, superseded: true });
    const diff = await c.json<{ diff: { tooLarge: boolean } }>(`/api/v1/documents/${doc.number}/diff?from=1&to=2`);
    expect(diff.status).toBe(200);
    expect(diff.body.diff.tooLarge).toBe(false);
  });

  it("answers errors as JSON with the right status", async () => {
    const anon = new Client(server.url);
    expect((await anon.json("/api/v1/documents")).status).toBe(401);
    const c = await signedIn();
    const missing = await c.json<{ error: { code: string } }>("/api/v1/documents/EXE-999");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("not_found");
    const bad = await c.json<{ error: { code: string } }>("/api/v1/documents/EXE-001/diff?from=x");
    expect(bad.status).toBe(400);
    const cat = await c.json("/api/v1/documents?category=NOPE");
    expect(cat.status).toBe(400);
  });

  it("accepts a personal API token created on the profile page, until it is revoked", async () => {
    const c = await signedIn("editor");
    const created = await c.post("/profile", { intent: "create-token", label: "script" });
    const token = /data-testid="new-token">([^<]+)</.exec(created.text_)?.[1];
    expect(token).toMatch(/^rg_/);
    const anon = new Client(server.url);
    const ok = await anon.json("/api/v1/documents", { Authorization: `Bearer ${token}` });
    expect(ok.status).toBe(200);
    const profile = await c.get("/profile");
    const id = /name="id" value="([0-9a-f]{12})"/.exec(profile.text_)?.[1];
    await c.post("/profile", { intent: "revoke-token", id: id! });
    expect((await anon.json("/api/v1/documents", { Authorization: `Bearer ${token}` })).status).toBe(401);
  });

  it("reports health: status only to anyone, details to admins and the monitoring token", async () => {
    // Anonymous: up or not, and whether search is ready; no commit, counts, times or deliveries.
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    const anonymous = await res.json();
    expect(anonymous).toEqual({ status: "ok", search: "ready" });
    // A wrong token and a signed-in non-admin are anonymous too.
    const wrong = await (await fetch(`${server.url}/healthz`, { headers: { Authorization: "Bearer not-the-health-token-at-all" } })).json();
    expect(wrong).toEqual({ status: "ok", search: "ready" });
    const staff = await signIn(server.url, "staff");
    expect((await staff.json("/healthz")).body).toEqual({ status: "ok", search: "ready" });

    const monitor = await healthDetails(server);
    expect(monitor.status).toBe(200);
    const body = monitor.body as { status: string; checks: Record<string, Record<string, unknown>> };
    expect(body.status).toBe("ok");
    expect(body.checks.repository.ok).toBe(true);
    expect(body.checks.repository.head).toMatch(/^[0-9a-f]{40}$/);
    expect(body.checks.database).toMatchObject({ ok: true, users: expect.any(Number) });
    expect(body.checks).toHaveProperty("search");
    expect(body.checks).toHaveProperty("backup");
    expect(body.checks.notifications).toHaveProperty("deliveries");

    const admin = await signIn(server.url, "admin");
    const asAdmin = await admin.json<{ checks: Record<string, unknown> }>("/healthz");
    expect(asAdmin.body.checks).toHaveProperty("repository");
    expect(TEST_ENV.HEALTH_TOKEN.length).toBeGreaterThanOrEqual(16);
  });
});

describe("administration and language", () => {
  it("lets an admin create a user who can then sign in, and refuses staff", async () => {
    const admin = await signedIn("admin");
    const res = await admin.post("/admin/users", {
      intent: "create",
      username: "lin",
      name: "林新同事",
      email: "lin@regula.example",
      departmentId: "qa",
      roles: ["staff", "editor"],
      password: "a-long-password",
    });
    expect(res.status).toBe(302);
    const lin = new Client(server.url);
    await lin.login("lin", "a-long-password");
    expect((await lin.get("/")).text_).toContain("林新同事");
    const dup = await admin.post("/admin/users", { intent: "create", username: "lin", name: "x", email: "someone.else@regula.example", departmentId: "qa", roles: ["staff"], password: "another-password" });
    expect(dup.status).toBe(409);
    const badForm = await admin.post("/admin/users", { intent: "create", username: "!", name: "", email: "nope", departmentId: "qa", roles: [], password: "1" });
    expect(badForm.status).toBe(400);
    const staff = await signedIn("staff");
    expect((await staff.get("/admin/users")).status).toBe(403);
  });

  it("creates a department in the browser", async () => {
    const admin = await signedIn("admin");
    const res = await admin.post("/admin/departments", { intent: "create", id: "legal", nameZh: "法务部", nameEn: "Legal" });
    expect(res.status).toBe(302);
    expect((await admin.get("/admin/departments")).text_).toContain("法务部");
  });

  it("switches the interface between Chinese and English", async () => {
    const c = await signedIn("staff");
    expect((await c.get("/")).text_).toContain("最近变更");
    await c.post("/lang", { locale: "en", back: "/" });
    expect((await c.get("/")).text_).toContain("Recently changed");
    const fresh = new Client(server.url);
    const login = await fresh.get("/login", { "Accept-Language": "en-US,en;q=0.9" });
    expect(login.text_).toContain("Sign in to Regula");
  });
});
