/**
 * Demo accounts never reach a real installation (decision 091): with
 * PUBLIC_URL at an outside address, HOST not loopback, or a company sign-in
 * setting (LDAP_URL) the portal creates no demo accounts, disables those that
 * still have the demo password (log line, admin warning) and refuses that
 * password at sign-in for every account. Each trigger starts a real portal.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "../helpers/client";
import { createWorld, useWorldInProcess, type World } from "../helpers/world";
import { scaled } from "../helpers/time";

const STRONG = "Harbour-lights-2026";
const PUBLIC = "https://regula.example.com";
const worlds: World[] = [];
afterAll(async () => {
  for (const w of worlds) await w.cleanup();
});

function users(dataDir: string): { username: string; active: boolean }[] {
  return JSON.parse(fs.readFileSync(path.join(dataDir, "db.json"), "utf8")).users;
}

async function tryLogin(c: Client, username: string, password: string) {
  await c.get("/login");
  return c.post("/login", { username, password, redirectTo: "/" });
}

describe("PUBLIC_URL at an outside address, on an installation that has the demo accounts", () => {
  let world: World;
  let url = "";
  let output: () => string;

  beforeAll(async () => {
    world = await createWorld();
    worlds.push(world);
    await useWorldInProcess(world);
    const { createUser } = await import("~/org/users.server");
    await createUser({ username: "chief", name: "陈主任", email: "chief@regula.example", departmentId: "docctl", roles: ["admin"], password: STRONG });
    await createUser({ username: "carol", name: "Carol Reyes", email: "carol@regula.example", departmentId: "ops", roles: ["staff"], password: "demo1234" });
    const server = await world.server({ PUBLIC_URL: PUBLIC });
    url = server.url;
    output = server.output;
  }, scaled(120_000));

  it("disables the demo accounts with the demo password at start, with a clear log line", () => {
    expect(output()).toMatch(/configured for real use \(PUBLIC_URL is https:\/\/regula\.example\.com\): disabled demo accounts with the published demo password: .*\badmin\b/);
    const all = users(world.dataDir);
    for (const name of ["admin", "editor", "approver", "staff"]) expect(all.find((u) => u.username === name)?.active, name).toBe(false);
    expect(all.find((u) => u.username === "chief")?.active).toBe(true);
    // carol is not a demo account: she stays enabled, but cannot sign in with that password (below).
    expect(all.find((u) => u.username === "carol")?.active).toBe(true);
  });

  it("refuses the demo password at sign-in for every account, in the reader's language", async () => {
    for (const name of ["staff", "carol"]) {
      const c = new Client(url, { origin: PUBLIC });
      c.cookies.set("regula_lang", "en");
      const res = await tryLogin(c, name, "demo1234");
      expect(res.status, name).not.toBe(302);
      expect(res.text_).toContain("The demo password cannot be used on this installation");
    }
    const zh = new Client(url, { origin: PUBLIC });
    zh.cookies.set("regula_lang", "zh-CN");
    expect((await tryLogin(zh, "carol", "demo1234")).text_).toContain("本系统不允许使用演示密码登录");
  });

  it("warns on the admin page, naming the setting and the accounts", async () => {
    const c = new Client(url, { origin: PUBLIC });
    c.cookies.set("regula_lang", "en");
    const res = await tryLogin(c, "chief", STRONG);
    expect(res.status).toBe(302);
    const admin = (await c.get("/admin")).text_;
    const banner = admin.match(/<section id="demo-accounts"[\s\S]*?<\/section>/)?.[0] ?? "";
    expect(banner).toContain("Demo accounts are disabled on this installation");
    expect(banner).toContain("PUBLIC_URL is https://regula.example.com");
    expect(banner).toMatch(/Disabled because they still had the demo password: .*\bapprover\b.*\bstaff\b/);
    c.cookies.set("regula_lang", "zh-CN");
    expect((await c.get("/admin")).text_).toContain("本系统已停用演示账号");
  });
});

describe.each([
  ["HOST not loopback", { HOST: "0.0.0.0" }, "HOST is 0.0.0.0"],
  ["LDAP configured", { LDAP_URL: "ldap://127.0.0.1:9", LDAP_USER_BASE: "ou=people,dc=example,dc=com" }, "LDAP_URL is set"],
])("%s, on a new installation", (_name, env, said) => {
  let world: World;
  let url = "";
  let output: () => string;
  beforeAll(async () => {
    world = await createWorld({ empty: true });
    worlds.push(world);
    const server = await world.server(env);
    url = server.url;
    output = server.output;
  }, scaled(120_000));

  it("creates no demo accounts and says why", async () => {
    expect(output()).toContain(`configured for real use (${said}): no demo accounts are created and the demo password is refused at sign-in`);
    expect(users(world.dataDir)).toEqual([]);
    const c = new Client(url);
    c.cookies.set("regula_lang", "en");
    const res = await tryLogin(c, "admin", "demo1234");
    expect(res.status).not.toBe(302);
    expect(res.text_).toContain("The demo password cannot be used on this installation");
  });
});
