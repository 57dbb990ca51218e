/**
 * The same-origin check and forwarded headers: X-Forwarded-Host (and the other
 * X-Forwarded-* headers) are anyone's say unless TRUST_PROXY=1, and with
 * PUBLIC_URL set the portal's origin is that URL. A form post naming another
 * site is refused (403) whatever forwarded headers come with it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "../helpers/client";
import type { RunningServer } from "../helpers/server";
import { createWorld, type World } from "../helpers/world";

const worlds: World[] = [];
afterAll(async () => {
  for (const w of worlds) await w.cleanup();
});

async function portal(env: Record<string, string> = {}): Promise<RunningServer> {
  const world = await createWorld();
  worlds.push(world);
  return world.server({ REGULA_NO_SCHEDULER: "1", BACKUP_INTERVAL_HOURS: "0", ...env });
}

/** A sign-in form post with a valid CSRF token, from `origin`, with extra headers. */
async function signInFrom(server: RunningServer, origin: string, headers: Record<string, string> = {}) {
  const c = new Client(server.url);
  await c.get("/login");
  const res = await c.post("/login", { username: "staff", password: "demo1234", redirectTo: "/" }, { origin, headers });
  return { status: res.status, signedIn: res.status === 302 && (await c.get("/profile")).status === 200 };
}

/** A cookie-authenticated JSON call to the API (CSRF header included), from `origin`. */
async function apiFrom(server: RunningServer, origin: string, headers: Record<string, string> = {}, signInOrigin = server.url) {
  const c = new Client(server.url, { origin: signInOrigin });
  await c.login("staff");
  const res = await fetch(`${server.url}/api/v1/access/requests`, {
    method: "POST",
    headers: { Cookie: c.cookieHeader(), "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": c.csrf, Origin: origin, ...headers },
    body: JSON.stringify({ number: "EXE-005", purpose: "季度审计需要查阅该文件 (quarterly audit)", days: 7 }),
  });
  return res.status;
}

describe("without TRUST_PROXY (the default)", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await portal();
  });

  it("refuses a form post from another site even when X-Forwarded-Host names that site", async () => {
    const evil = "http://evil.example";
    expect(await signInFrom(server, evil, { "X-Forwarded-Host": "evil.example" })).toEqual({ status: 403, signedIn: false });
    expect(await signInFrom(server, evil, { "X-Forwarded-Host": "evil.example, 127.0.0.1" })).toEqual({ status: 403, signedIn: false });
    // The same post from the portal's own page is accepted, forwarded headers or not.
    expect((await signInFrom(server, server.url, { "X-Forwarded-Host": "evil.example" })).signedIn).toBe(true);
    expect((await signInFrom(server, server.url)).signedIn).toBe(true);
  });

  it("refuses the JSON API from another site even when X-Forwarded-Host names that site", async () => {
    expect(await apiFrom(server, "http://evil.example", { "X-Forwarded-Host": "evil.example" })).toBe(403);
  });
});

describe("with TRUST_PROXY=1", () => {
  it("compares the Origin with the host the proxy forwarded", async () => {
    const server = await portal({ TRUST_PROXY: "1" });
    const viaProxy = { "X-Forwarded-Host": "regula.example.com", "X-Forwarded-For": "198.51.100.20" };
    expect((await signInFrom(server, "http://regula.example.com", viaProxy)).signedIn).toBe(true);
    expect(await signInFrom(server, "http://evil.example", viaProxy)).toEqual({ status: 403, signedIn: false });
  });
});

describe("with PUBLIC_URL", () => {
  it("accepts posts from pages at PUBLIC_URL only, whatever Host or X-Forwarded-Host say", async () => {
    const server = await portal({ PUBLIC_URL: "http://portal.example.test" });
    expect((await signInFrom(server, "http://portal.example.test")).signedIn).toBe(true);
    // The address it happens to be reached at, another port or scheme, and a forged forwarded host are not the portal.
    expect((await signInFrom(server, server.url)).status).toBe(403);
    expect((await signInFrom(server, "http://portal.example.test:8080")).status).toBe(403);
    expect((await signInFrom(server, "https://portal.example.test")).status).toBe(403);
    expect((await signInFrom(server, "http://evil.example", { "X-Forwarded-Host": "evil.example" })).status).toBe(403);
    expect(await apiFrom(server, "http://evil.example", { "X-Forwarded-Host": "evil.example" }, "http://portal.example.test")).toBe(403);
  });
});
