/**
 * Signing in with directory credentials against a real OpenLDAP (slapd started
 * by the test), over HTTP: search-then-bind with a service account, binding as
 * the user through a DN template over StartTLS, LDAPS, filter injection
 * attempts, a local account with the same name as a directory entry, and a
 * directory that is down (clear message; local accounts still sign in).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "../helpers/client";
import type { RunningServer } from "../helpers/server";
import { BASE_DN, PEOPLE_PASSWORD, startSlapd, type Slapd } from "../helpers/slapd";
import { createWorld, type World } from "../helpers/world";
import { runJobs } from "./access-helpers";
import { giveLocalPasswords, LOCAL_PASSWORD } from "../helpers/local-passwords";

let slapd: Slapd;
let world: World;
let server: RunningServer;

beforeAll(async () => {
  slapd = await startSlapd();
  await slapd.add(
    [`dn: uid=staff,ou=people,${BASE_DN}`, "objectClass: inetOrgPerson", "uid: staff", "cn: 目录 staff", "sn: S", "departmentNumber: ldap-qa", `userPassword: ${PEOPLE_PASSWORD}`, ""].join("\n") +
      "\n" +
      [`dn: uid=long.cn,ou=people,${BASE_DN}`, "objectClass: inetOrgPerson", "uid: long.cn", `cn: ${"长".repeat(1500)}`, "sn: L", "departmentNumber: ldap-qa", `userPassword: ${PEOPLE_PASSWORD}`, ""].join("\n"),
  );
  world = await createWorld();
  await giveLocalPasswords(world.dataDir);
  server = await world.server({ REGULA_NO_SCHEDULER: "1", BACKUP_INTERVAL_HOURS: "0", ...slapd.env() });
});

afterAll(async () => {
  await world?.cleanup();
  await slapd?.stop();
});

async function attempt(username: string, password: string, base = server.url) {
  const c = new Client(base);
  c.cookies.set("regula_lang", "en");
  await c.get("/login");
  const res = await c.post("/login", { username, password, redirectTo: "/" });
  return { status: res.status, text: res.text_, client: c };
}

async function me(c: Client) {
  const res = await c.get("/profile");
  return res.text_;
}

async function users(): Promise<{ username: string; name: string; departmentId: string; roles: string[]; identity?: unknown; active: boolean }[]> {
  // The server owns db.json; reading the file is enough to see what it wrote.
  const fs = await import("node:fs");
  const path = await import("node:path");
  return JSON.parse(fs.readFileSync(path.join(world.dataDir, "db.json"), "utf8")).users;
}

describe("LDAP sign-in (search-then-bind)", () => {
  it("a directory person signs in with the directory password; the first sign-in creates the account", async () => {
    const ok = await attempt("wang.fang", PEOPLE_PASSWORD);
    expect(ok.status).toBe(302);
    expect(await me(ok.client)).toContain("王芳");
    const wang = (await users()).find((u) => u.username === "wang.fang")!;
    expect(wang).toMatchObject({ name: "王芳", departmentId: "ldap-rd", roles: ["staff", "editor"], active: true });
    expect(wang.identity).toEqual({ source: "ldap", provider: "ldap", subject: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    // The password is the directory's: it is not changed here.
    const change = await ok.client.post("/profile", { intent: "password", current: PEOPLE_PASSWORD, next: "another-password-1" });
    expect(change.status).toBe(400);
    expect(change.text_).toContain("kept by the company directory");
    // A head (named by the head group) signs in as an approver.
    expect((await attempt("chen.jing", PEOPLE_PASSWORD)).status).toBe(302);
    expect((await users()).find((u) => u.username === "chen.jing")!.roles).toContain("approver");
  });

  it("a wrong or empty password is refused", async () => {
    const wrong = await attempt("wang.fang", "not-the-password");
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain("Wrong username or password");
    expect((await attempt("zhou.min", "")).status).toBe(400);
    expect((await users()).some((u) => u.username === "zhou.min")).toBe(false);
  });

  it("filter injection attempts never match another person", async () => {
    for (const username of ["*", "wang*", "*.fang", "*)(uid=*", "zhou.min)(|(uid=*", "zhou.min\u0000", "zhou\\2a", "z*"]) {
      const r = await attempt(username, PEOPLE_PASSWORD);
      expect(r.status, username).toBe(401);
    }
    expect((await users()).some((u) => u.username.startsWith("zhou") || u.username.includes("*"))).toBe(false);
  });

  it("an entry with an oversized attribute is refused with the reason, not cut short", async () => {
    const r = await attempt("long.cn", PEOPLE_PASSWORD);
    expect(r.status).toBe(403);
    expect(r.text).toContain("Your directory entry cannot be used here (too-long:cn)");
    expect((await users()).some((u) => u.username === "long.cn")).toBe(false);
  });

  it("a local account keeps its own sign-in when the directory has the same name", async () => {
    expect((await attempt("staff", PEOPLE_PASSWORD)).status).toBe(401);
    expect((await attempt("staff", LOCAL_PASSWORD)).status).toBe(302);
    const staff = (await users()).filter((u) => u.username === "staff");
    expect(staff).toHaveLength(1);
    expect(staff[0].identity).toBeUndefined();
  });

  it("a directory that is down gets a clear message; the local admin still signs in", async () => {
    await slapd.kill();
    try {
      const down = await attempt("wang.fang", PEOPLE_PASSWORD);
      expect(down.status).toBe(503);
      expect(down.text).toContain("The company directory cannot be reached");
      expect((await attempt("admin", LOCAL_PASSWORD)).status).toBe(302);
    } finally {
      await slapd.restart();
    }
  });
});

describe("the directory admin page without JavaScript", () => {
  it("a dry run is listed (writing nothing) and applied with plain form posts", async () => {
    const { client: admin } = await attempt("admin", LOCAL_PASSWORD);
    const waitDone = async (location: string) => {
      for (let i = 0; i < 200; i++) {
        const page = await admin.get(location);
        if (!page.text_.includes("This page refreshes itself")) return page.text_;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error("the sync did not finish");
    };
    expect((await admin.get("/admin/directory")).text_).toContain("Company directory");
    const dry = await admin.post("/admin/directory", { intent: "dry-run" });
    expect(dry.status).toBe(302);
    const location = dry.headers.get("location")!;
    const listed = await waitDone(location);
    expect(listed).toContain("New account zhou.min (周敏) in ldap-qa");
    expect(listed).toContain("Skipped staff: a local account has this name");
    expect(listed).toContain("Skipped long.cn: attribute cn is too long");
    expect((await users()).some((u) => u.username === "zhou.min")).toBe(false);
    const runId = new URL(location, server.url).searchParams.get("run")!;
    const applied = await admin.post("/admin/directory", { intent: "apply", run: runId });
    expect(applied.status).toBe(302);
    expect(await waitDone(applied.headers.get("location")!)).toContain("Everything is in the audit log");
    expect((await users()).find((u) => u.username === "zhou.min")?.active).toBe(true);
    // The same dry run cannot be applied twice.
    const again = await admin.post("/admin/directory", { intent: "apply", run: runId });
    expect(again.status).toBe(409);
  });
});

describe("LDAP sign-in (bind as the user through a DN template, StartTLS)", () => {
  it("binds as the person over StartTLS with the directory's CA; escaping keeps a crafted name out of the DN", async () => {
    await server.stop();
    server = await world.server({
      REGULA_NO_SCHEDULER: "1",
      BACKUP_INTERVAL_HOURS: "0",
      ...slapd.env({ LDAP_USER_DN_TEMPLATE: `uid={username},ou=people,${BASE_DN}`, LDAP_STARTTLS: "1", LDAP_TLS_CA_FILE: slapd.caFile }),
    });
    const ok = await attempt("he.xin", PEOPLE_PASSWORD);
    expect(ok.status).toBe(302);
    expect(await me(ok.client)).toContain("何欣");
    expect((await attempt("he.xin,ou=people", PEOPLE_PASSWORD)).status).toBe(401);
    expect((await attempt("he.xin", "wrong-password")).status).toBe(401);
  });

  it("LDAPS with an unknown certificate is refused as unreachable, not signed in", async () => {
    await server.stop();
    server = await world.server({ REGULA_NO_SCHEDULER: "1", BACKUP_INTERVAL_HOURS: "0", ...slapd.env({ LDAP_URL: slapd.ldapsUrl }) });
    const r = await attempt("he.xin", PEOPLE_PASSWORD);
    expect(r.status).toBe(503);
    await server.stop();
    server = await world.server({ REGULA_NO_SCHEDULER: "1", BACKUP_INTERVAL_HOURS: "0", ...slapd.env({ LDAP_URL: slapd.ldapsUrl, LDAP_TLS_CA_FILE: slapd.caFile }) });
    expect((await attempt("he.xin", PEOPLE_PASSWORD)).status).toBe(302);
  });

  it("the scheduled sync brings in everyone the directory holds", async () => {
    await server.stop();
    server = await world.server({ REGULA_NO_SCHEDULER: "1", BACKUP_INTERVAL_HOURS: "0", ...slapd.env({ LDAP_SYNC_INTERVAL_MINUTES: "60" }) });
    await slapd.add([`dn: uid=zhao.lei,ou=people,${BASE_DN}`, "objectClass: inetOrgPerson", "uid: zhao.lei", "cn: 赵磊", "sn: Z", "departmentNumber: ldap-rd", `userPassword: ${PEOPLE_PASSWORD}`, ""].join("\n"));
    expect((await users()).some((u) => u.username === "zhao.lei")).toBe(false);
    await runJobs(server, "directory-sync");
    const after = await users();
    expect(after.find((u) => u.username === "zhao.lei")).toMatchObject({ active: true, roles: ["staff"], departmentId: "ldap-rd" });
    expect(after.find((u) => u.username === "zhou.min")).toMatchObject({ active: true, roles: ["staff", "approver"] });
    expect(after.filter((u) => u.username === "staff")).toHaveLength(1);
  });

  it("a bad setting stops the start with the setting named", async () => {
    await server.stop();
    await expect(world.server({ ...slapd.env({ LDAP_URL: "http://not-ldap" }) })).rejects.toThrow(/LDAP_URL/);
  });
});
