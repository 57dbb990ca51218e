/**
 * The page cache's early path (decision 127): a reader's repeat visit to a
 * page, while nothing has changed, is answered before any routing and without
 * the page's loaders. Each reader gets only their own values and a nonce of
 * their own, exactly what a fresh render gives; a restricted page never comes
 * from it (every view is written to the audit log); a publish, a sign-out, an
 * access request, a grant and its revocation all end it at once; HEAD and
 * conditional requests are answered as the framework answers them.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, signIn } from "../helpers/client";
import type { RunningServer } from "../helpers/server";
import { createWorld, type World } from "../helpers/world";
import { createReaders, nonceOf, parts } from "../helpers/rendered";
import { apiPost } from "./access-helpers";

let world: World;
let server: RunningServer;

const READERS = [
  { username: "earlyone", name: `Early <One> & "一" </script>`, email: "earlyone@regula.example" },
  { username: "earlytwo", name: `Early 'Two' \\ 二`, email: "earlytwo@regula.example" },
];
const PASSWORD = "early-path-password";
const FRESH = { "x-regula-page-cache": "off" };
const PAGES = ["/docs/ACC-001", "/", "/categories/ACC", "/docs/ACC-001/history"];

beforeAll(async () => {
  world = await createWorld();
  server = await world.server();
  await createReaders(server, READERS, PASSWORD);
});
afterAll(async () => {
  await world?.cleanup();
});

const early = (page: { headers: Headers }) => page.headers.get("x-regula-page-early") === "1";

/** Visits until the early path answers (the first visit records "opened" and renders; the next is kept). */
async function untilEarly(c: Client, p: string) {
  for (let i = 0; i < 4; i++) {
    const page = await c.get(p);
    expect(page.status, p).toBe(200);
    if (early(page)) return page;
  }
  throw new Error(`${p} was never answered early`);
}

function auditViews(number: string): number {
  const file = path.join(world.dataDir, "audit", "audit.log");
  if (!fs.existsSync(file)) return 0;
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.includes(`"object":"${number}"`) && /"action":"document\.view/.test(l)).length;
}

describe("the early path", () => {
  it("answers each reader's repeat visit with their own values only, as a fresh render would", async () => {
    const [one, two] = [await signIn(server.url, READERS[0].username, { password: PASSWORD }), await signIn(server.url, READERS[1].username, { password: PASSWORD })];
    for (const p of PAGES) {
      const nonces = new Set<string>();
      for (const [i, c] of [one, two].entries()) {
        const me = READERS[i];
        const them = READERS[1 - i];
        const page = await untilEarly(c, p);
        const fresh = await c.get(p, FRESH);
        expect(early(fresh)).toBe(false);
        expect(page.headers.get("cache-control")).toBe(fresh.headers.get("cache-control"));
        expect(page.headers.get("content-type")).toBe(fresh.headers.get("content-type"));
        expect(page.headers.get("set-cookie")).toBeNull();
        const got = await parts(page.text_);
        const want = await parts(fresh.text_);
        expect(got.markup, p).toBe(want.markup);
        expect(got.data, p).toEqual(want.data);
        expect(page.text_).not.toContain(them.username);
        expect(page.text_).not.toContain(them.email);
        expect(page.text_).not.toContain(me.name);
        const tokens = new Set([...page.text_.matchAll(/name="_csrf" value="([^"]+)"/g)].map((m) => m[1]));
        expect([...tokens]).toEqual([c.csrf]);
        const nonce = nonceOf(page)!;
        expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
        expect(new Set([...page.text_.matchAll(/<script[^>]* nonce="([^"]+)"/g)].map((m) => m[1]))).toEqual(new Set([nonce]));
        nonces.add(nonce);
        // Another early answer to the same reader has a nonce of its own (an entry lives five seconds,
        // which a loaded machine may spend on the fresh render above: then the next visit makes a new one).
        const again = await untilEarly(c, p);
        nonces.add(nonceOf(again)!);
      }
      expect(nonces.size).toBe(4);
    }
    // Another cookie (here: another language) is another key: never the page made for the first one.
    const zh = new Client(server.url);
    zh.cookies = new Map(one.cookies);
    zh.cookies.set("regula_lang", "zh-CN");
    const first = await zh.get("/docs/ACC-001");
    expect(early(first)).toBe(false);
    expect(first.text_).toContain('<html lang="zh-CN"');
  });

  it("never answers a restricted page early: every view is written to the audit log", async () => {
    // The owning department's head reads it; a member of another department is refused. Both are logged each time.
    for (const username of ["hrhead", "staff"]) {
      const c = await signIn(server.url, username);
      const before = auditViews("EXE-005");
      for (let i = 0; i < 3; i++) {
        const page = await c.get("/docs/EXE-005");
        expect(page.status).toBe(200);
        expect(early(page), username).toBe(false);
        expect(page.headers.get("cache-control")).toContain("no-store");
      }
      expect(auditViews("EXE-005") - before, username).toBe(3);
    }
  });

  it("stops at once after a publish, a sign-out, an access request, its grant and the revocation", async () => {
    const reader = await signIn(server.url, "staff");
    await untilEarly(reader, "/docs/ACC-001");
    const marker = `Early path publish ${Date.now()}`;
    const res = await fetch(`${server.url}/api/test-hooks/publish`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ actor: "editor", change: "minor", summary: "Early check", document: { number: "ACC-001", body: `# ${marker}\n\nNew text.\n` } }),
    });
    expect(res.status).toBe(200);
    const after = await reader.get("/docs/ACC-001");
    expect(early(after)).toBe(false);
    expect(after.text_).toContain(marker);

    // The restricted document's title shows on the home page's list of the reader's requests once asked for.
    const home = await untilEarly(reader, "/");
    expect(home.text_).not.toContain("EXE-005");
    const asked = await apiPost(reader, "/api/v1/access/requests", { number: "EXE-005", purpose: "Checking the early path stops", scope: "all", history: false, days: 3 });
    expect(asked.status).toBe(201);
    const id = (asked.body as { request: { id: string } }).request.id;
    const pending = await reader.get("/");
    expect(early(pending)).toBe(false);
    expect(pending.text_).toContain("EXE-005");
    const denied = await untilEarly(reader, "/docs/ACC-001");
    expect(denied.status).toBe(200);

    const approver = await signIn(server.url, "hrhead");
    const approved = await apiPost(approver, `/api/v1/access/requests/${id}`, { decision: "approve", days: 2 });
    expect(approved.status).toBe(200);
    const grantId = (approved.body as { grant: { id: string } }).grant.id;
    expect(early(await reader.get("/docs/ACC-001"))).toBe(false);
    const granted = await reader.get("/docs/EXE-005");
    expect(granted.text_).toContain('data-article="EXE-005@');
    expect(early(granted)).toBe(false);
    await untilEarly(reader, "/");
    const revoked = await apiPost(approver, `/api/v1/access/grants/${grantId}`, { reason: "Early path check done" }, "DELETE");
    expect(revoked.status).toBe(200);
    expect(early(await reader.get("/"))).toBe(false);
    const refused = await reader.get("/docs/EXE-005");
    expect(early(refused)).toBe(false);
    expect(refused.text_).not.toContain('data-article="EXE-005@');

    // Signed out: the same cookie no longer finds the page.
    await untilEarly(reader, "/categories/ACC");
    const cookie = reader.cookieHeader();
    const out = await reader.post("/logout", {});
    expect(out.status).toBe(302);
    const stale = await fetch(`${server.url}/categories/ACC`, { headers: { Cookie: cookie }, redirect: "manual" });
    expect(stale.status).toBe(302);
    expect(stale.headers.get("location")).toContain("/login");
    expect(stale.headers.get("x-regula-page-early")).toBeNull();
  });

  it("answers HEAD and conditional requests as the framework does", async () => {
    const c = await signIn(server.url, READERS[0].username, { password: PASSWORD });
    const p = "/docs/ACC-001";
    const page = await untilEarly(c, p);
    // An entry lives five seconds; on a loaded machine a request may come later: the next visit makes a new one.
    let head = await fetch(server.url + p, { method: "HEAD", headers: { Cookie: c.cookieHeader() } });
    for (let i = 0; i < 3 && !early(head); i++) {
      await untilEarly(c, p);
      head = await fetch(server.url + p, { method: "HEAD", headers: { Cookie: c.cookieHeader() } });
    }
    const headFresh = await fetch(server.url + p, { method: "HEAD", headers: { Cookie: c.cookieHeader(), ...FRESH } });
    expect(early(head)).toBe(true);
    expect(early(headFresh)).toBe(false);
    expect(head.status).toBe(headFresh.status);
    expect(await head.text()).toBe("");
    for (const name of ["content-type", "cache-control", "x-frame-options", "referrer-policy", "etag", "last-modified"]) {
      expect(head.headers.get(name), name).toBe(headFresh.headers.get(name));
    }
    expect(nonceOf(head)).not.toBe(nonceOf(headFresh));
    // No validators are given, so a conditional request gets the whole page, with a nonce of its own.
    expect(page.headers.get("etag")).toBeNull();
    const conditionals: Record<string, string>[] = [{ "If-None-Match": '"anything"' }, { "If-Modified-Since": new Date().toUTCString() }];
    for (const conditional of conditionals) {
      let res = await c.get(p, conditional);
      for (let i = 0; i < 3 && !early(res); i++) res = await c.get(p, conditional);
      expect(res.status).toBe(200);
      expect(early(res)).toBe(true);
      expect((await parts(res.text_)).markup).toBe((await parts(page.text_)).markup);
      expect(nonceOf(res)).not.toBe(nonceOf(page));
    }
  });
});
