/**
 * Sign-in limits: besides 5 failures per (address, name), 20 failures from one
 * address across names make that address wait, so one password tried against
 * many names is slowed too. The refusal is in the reader's language. Behind a
 * trusted proxy (TRUST_PROXY=1) the address is the one the proxy forwarded.
 */
import { afterAll, describe, expect, it } from "vitest";
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

const NAMES = Array.from({ length: 20 }, (_, i) => `spray${String(i).padStart(2, "0")}`);

async function attempt(c: Client, username: string, password: string, headers: Record<string, string> = {}) {
  const res = await c.post("/login", { username, password, redirectTo: "/" }, { headers });
  return { status: res.status, text: res.text_ };
}

describe("one password against many names from one address", () => {
  it("is refused after 20 failures, even for a real account with the right password, with a translated message", async () => {
    const server = await portal();
    const c = new Client(server.url);
    c.cookies.set("regula_lang", "en");
    await c.get("/login");
    // Real and unknown names alike, one wrong password each: never more than one failure per name.
    const names = ["approver", "finhead", "qahead", ...NAMES.slice(3)];
    for (const username of names) expect((await attempt(c, username, "Spring2026!")).status).toBe(401);
    const blocked = await attempt(c, "staff", "demo1234");
    expect(blocked.status).toBe(429);
    expect(blocked.text).toMatch(/Too many failed sign-in attempts from your network address\. Try again in 1[45] minute\(s\)\./);
    expect((await c.get("/profile")).status).toBe(302);

    const zh = new Client(server.url);
    zh.cookies.set("regula_lang", "zh-CN");
    await zh.get("/login");
    const blockedZh = await attempt(zh, "editor", "demo1234");
    expect(blockedZh.status).toBe(429);
    expect(blockedZh.text).toMatch(/您所在网络地址的登录失败次数过多，请 1[45] 分钟后再试。/);
  });
});

describe("behind a trusted proxy", () => {
  it("counts per forwarded address: one address is slowed, another is not", async () => {
    const server = await portal({ TRUST_PROXY: "1" });
    const c = new Client(server.url);
    c.cookies.set("regula_lang", "en");
    await c.get("/login");
    // The client's own X-Forwarded-For entries come first; the proxy's (the last one) is the address.
    const fromA = { "X-Forwarded-For": "10.9.9.9, 203.0.113.5" };
    for (const [i, username] of NAMES.entries()) {
      const spoofed = { "X-Forwarded-For": `10.0.0.${i + 1}, 203.0.113.5` };
      expect((await attempt(c, username, "Spring2026!", i % 2 ? spoofed : fromA)).status).toBe(401);
    }
    expect((await attempt(c, "staff", "demo1234", fromA)).status).toBe(429);
    const other = new Client(server.url);
    await other.get("/login");
    expect((await attempt(other, "staff", "demo1234", { "X-Forwarded-For": "198.51.100.9" })).status).toBe(302);
  });
});
