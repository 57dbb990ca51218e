/**
 * Company sign-in over HTTP (no JavaScript), against a real OpenID provider
 * (oidc-provider on localhost, PKCE required) and, for what a real provider
 * cannot be made to do, a small hand-made one: accounts made from claims and
 * kept up to date, refusals with a message in the reader's language and an
 * audit entry, single logout, and a provider that is down.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, type RunningServer } from "../helpers/server";
import { createWorld, type World } from "../helpers/world";
import { startRogueProvider, startTestProvider, type RogueProvider, type TestProvider } from "../helpers/oidc-provider";
import { formOf, WebClient, type Page } from "../helpers/web-client";
import { signIn as clientSignIn } from "../helpers/client";
import { giveLocalPasswords, LOCAL_PASSWORD } from "../helpers/local-passwords";

/** Local accounts sign in with their own password: the demo password opens nothing where company sign-in is set up (decision 091). */
const passwordSignIn = (url: string, username: string, options: Parameters<typeof clientSignIn>[2] = {}) => clientSignIn(url, username, { password: LOCAL_PASSWORD, ...options });

let world: World;
let server: RunningServer;
let op: TestProvider;
let rogue: RogueProvider;

const CLIENT_SECRET = "regula-test-client-secret-0123456789";

const people = {
  zhang: {
    login: "zhang.wei",
    password: "op-pass-1",
    sub: "sub-zhang-0001",
    claims: { preferred_username: "zhang.wei", name: "张伟", email: "zhang.wei@corp.example", email_verified: true, department: "运营部", groups: ["regula-editors"] },
  },
  li: {
    login: "li.na",
    password: "op-pass-2",
    sub: "sub-li-0002",
    claims: { preferred_username: "li.na", name: "李娜", email: "li.na@corp.example", email_verified: true, department: "华东销售部", groups: [] },
  },
  // Same username as the local demo account "staff".
  staffTwin: {
    login: "staff",
    password: "op-pass-3",
    sub: "sub-staff-0003",
    claims: { preferred_username: "staff", name: "Sam Staff", email: "sam.staff@corp.example", department: "it", groups: [] },
  },
  // Another person at the provider presenting zhang's email under a new subject.
  impostor: {
    login: "zhang.wei2",
    password: "op-pass-4",
    sub: "sub-other-0004",
    claims: { preferred_username: "zhang.wei2", name: "张伟", email: "zhang.wei@corp.example", department: "ops", groups: ["regula-admins"] },
  },
  outsider: {
    login: "guest",
    password: "op-pass-5",
    sub: "sub-guest-0005",
    claims: { preferred_username: "guest", name: "Guest", email: "guest@elsewhere.example", department: "ops" },
  },
  longName: {
    login: "long",
    password: "op-pass-6",
    sub: "sub-long-0006",
    claims: { preferred_username: "王小明（华东区）", name: `${"很长的名字".repeat(40)}\u202e`, email: "xiaoming@corp.example", department: "ops", groups: ["regula-approvers", ...Array.from({ length: 500 }, (_, i) => `g${i}`), "regula-admins"] },
  },
};

beforeAll(async () => {
  world = await createWorld();
  await giveLocalPasswords(world.dataDir);
  const opPort = await freePort();
  const downPort = await freePort();
  rogue = await startRogueProvider({ clientId: "regula-rogue", claims: { name: "Rogue Person", email: "rogue@rogue.example", preferred_username: "rogue.person" } });
  const providers = [
    {
      id: "corp",
      name: { "zh-CN": "集团统一登录", en: "Corporate sign-in" },
      issuer: `http://127.0.0.1:${opPort}`,
      clientId: "regula",
      clientSecret: CLIENT_SECRET,
      scopes: "openid profile email org",
      roles: { "regula-editors": ["editor"], "regula-approvers": ["approver"], "regula-admins": "admin" },
      allowedDomains: ["corp.example"],
    },
    { id: "rogue", name: "Rogue IdP", issuer: rogue.issuer, clientId: "regula-rogue", clientSecret: "rogue-secret", defaultDepartment: "it" },
    { id: "offline", name: "Offline IdP", issuer: `http://127.0.0.1:${downPort}`, clientId: "regula", clientSecret: "x" },
  ];
  server = await world.server({ REGULA_NO_SCHEDULER: "1", BACKUP_INTERVAL_HOURS: "0", OIDC_PROVIDERS: JSON.stringify(providers) });
  op = await startTestProvider({
    port: opPort,
    clients: [
      {
        client_id: "regula",
        client_secret: CLIENT_SECRET,
        redirect_uris: [`${server.url}/auth/oidc/corp/callback`],
        post_logout_redirect_uris: [`${server.url}/login?signedOut=provider`],
      },
    ],
    people: Object.values(people),
  });
});

afterAll(async () => {
  await op?.stop();
  await rogue?.stop();
  await world?.cleanup();
});

function browser(lang: "en" | "zh-CN" = "en"): WebClient {
  const c = new WebClient();
  c.setCookie(server.url, "regula_lang", lang);
  return c;
}

/** Clicks "Sign in with …" and, at the provider's form, signs in as `person`. */
async function ssoSignIn(c: WebClient, person: { login: string; password: string } | null, provider = "corp", redirectTo = ""): Promise<Page> {
  const page = await c.go("GET", `${server.url}/auth/oidc/${provider}${redirectTo ? `?redirectTo=${encodeURIComponent(redirectTo)}` : ""}`);
  if (!person || !page.text.includes('id="op-login"')) return page;
  const form = formOf(page.text);
  return c.go("POST", new URL(form.action, page.url).href, new URLSearchParams({ login: person.login, password: person.password }));
}

/** Whether the client's portal session is signed in (the profile page opens). */
async function signedIn(c: WebClient): Promise<boolean> {
  const res = await c.request("GET", `${server.url}/profile`);
  return res.status === 200;
}

interface AuditLine {
  actor: string;
  action: string;
  object: string;
  outcome: string;
  details?: Record<string, any>;
}
function audit(): AuditLine[] {
  return fs
    .readFileSync(path.join(world.dataDir, "audit", "audit.log"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}
function dbUsers(): any[] {
  return JSON.parse(fs.readFileSync(path.join(world.dataDir, "db.json"), "utf8")).users;
}
function dbDepartments(): any[] {
  return JSON.parse(fs.readFileSync(path.join(world.dataDir, "db.json"), "utf8")).departments;
}

describe("the sign-in page", () => {
  it("shows a plain link per provider, in the reader's language, and keeps the local form", async () => {
    const en = await browser("en").go("GET", `${server.url}/login?redirectTo=%2Fdocs`);
    expect(en.text).toContain('href="/auth/oidc/corp?redirectTo=%2Fdocs"');
    expect(en.text).toContain("Sign in with Corporate sign-in");
    expect(en.text).toContain("Sign in with Rogue IdP");
    expect(en.text).toContain('id="password"');
    // A form's answer may send the browser on to the providers (signing out, signing an approval there).
    const csp = (await fetch(`${server.url}/login`)).headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(new RegExp(`form-action 'self'[^;]* ${op.issuer.replace(/[.]/g, "\\.")}[ ;]`));
    expect(csp).toContain(rogue.issuer);
    const zh = await browser("zh-CN").go("GET", `${server.url}/login`);
    expect(zh.text).toContain("使用 集团统一登录 登录");
    expect(zh.text).toContain("或使用门户账号登录");
  });
});

describe("signing in through the real provider", () => {
  it("creates the account on first sign-in from the claims (Chinese name, department by its Chinese name, groups to roles) and lands where asked", async () => {
    const c = browser();
    const start = await c.go("GET", `${server.url}/auth/oidc/corp?redirectTo=%2Fdocs%2FEXE-003`);
    // PKCE, state and nonce go to the provider; the browser holds the attempt's cookie.
    const authorize = new URL(c.trail.find((u) => u.includes("/auth?")) ?? c.trail[1]);
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorize.searchParams.get("code_challenge")).toMatch(/^[\w-]{43}$/);
    expect(authorize.searchParams.get("state")).toMatch(/^[\w-]{20,}$/);
    expect(authorize.searchParams.get("nonce")).toMatch(/^[\w-]{20,}$/);
    expect(start.text).toContain('id="op-login"');
    const form = formOf(start.text);
    const done = await c.go("POST", new URL(form.action, start.url).href, new URLSearchParams({ login: "zhang.wei", password: "op-pass-1" }));
    expect(done.url).toBe(`${server.url}/docs/EXE-003`);
    expect(done.status).toBe(200);
    expect(done.text).toContain("张伟");

    const user = dbUsers().find((u) => u.username === "zhang.wei");
    expect(user).toMatchObject({
      name: "张伟",
      email: "zhang.wei@corp.example",
      departmentId: "ops",
      roles: expect.arrayContaining(["staff", "editor"]),
      identity: { source: "oidc", provider: "corp", subject: "sub-zhang-0001" },
      passwordHash: "",
      active: true,
    });
    expect(user.roles).not.toContain("admin");
    const created = audit().filter((e) => e.action === "user.create" && e.object === "user:zhang.wei");
    expect(created).toHaveLength(1);
    expect(created[0].details).toMatchObject({ source: "oidc:corp", subject: "sub-zhang-0001", departmentId: "ops" });
    expect(audit().some((e) => e.action === "auth.login" && e.actor === "zhang.wei" && e.outcome === "ok" && e.details?.authMethod === "oidc:corp")).toBe(true);

    // No portal password: the password form never signs this account in, even once an admin has set one.
    const admin = await passwordSignIn(server.url, "admin");
    expect((await admin.post("/admin/users", { intent: "password", id: user.id, password: "local-pass-123" })).status).toBe(302);
    const local = await passwordSignIn(server.url, "zhang.wei", { password: "local-pass-123" }).catch((e: Error) => e);
    expect(local).toBeInstanceOf(Error);
    expect((local as Error).message).toContain("login zhang.wei failed: 401");
  });

  it("makes a department first named by a claim (Chinese name kept), once", async () => {
    const c = browser();
    const page = await ssoSignIn(c, people.li);
    expect(page.url).toBe(`${server.url}/`);
    const li = dbUsers().find((u) => u.username === "li.na");
    const dept = dbDepartments().find((d) => d.id === li.departmentId);
    expect(dept.name).toEqual({ "zh-CN": "华东销售部", en: "华东销售部" });
    expect(li.departmentId).toMatch(/^d-[0-9a-f]{8}$/);
    await ssoSignIn(browser(), people.li);
    expect(dbDepartments().filter((d) => d.name["zh-CN"] === "华东销售部")).toHaveLength(1);
    expect(audit().filter((e) => e.action === "department.create" && e.details?.name === "华东销售部")).toHaveLength(1);
  });

  it("updates name, department and roles on the next sign-in, audited with what changed", async () => {
    const person = op.people.get("zhang.wei")!;
    person.claims = { ...person.claims, name: "张伟（质量）", department: "qa", groups: ["regula-approvers"] };
    const page = await ssoSignIn(browser(), people.zhang);
    expect(page.status).toBe(200);
    const user = dbUsers().find((u) => u.username === "zhang.wei");
    expect(user).toMatchObject({ name: "张伟（质量）", departmentId: "qa" });
    expect([...user.roles].sort()).toEqual(["approver", "staff"]);
    const update = audit().filter((e) => e.action === "user.update" && e.object === "user:zhang.wei").pop();
    expect(update?.details?.changes).toMatchObject({ departmentId: { from: "ops", to: "qa" }, roles: { from: expect.arrayContaining(["editor"]), to: expect.arrayContaining(["approver"]) } });
    expect(dbUsers().filter((u) => u.identity?.subject === "sub-zhang-0001")).toHaveLength(1);
  });

  it("bounds oversized claims: a long name is cut (invisible controls removed), hundreds of groups are read, an unusable username is replaced", async () => {
    const page = await ssoSignIn(browser(), people.longName);
    expect(page.status).toBe(200);
    const user = dbUsers().find((u) => u.identity?.subject === "sub-long-0006");
    expect([...user.name].length).toBe(80);
    expect(user.name).not.toContain("\u202e");
    // "王小明（华东区）" is not a portal username: the email's local part is used.
    expect(user.username).toBe("xiaoming");
    expect(user.roles).toContain("approver");
    // Only the first 200 groups are read: one listed after hundreds of others gives nothing.
    expect(user.roles).not.toContain("admin");
  });

  it("gives a username a local account already has to nobody: the new account's name gets the provider's id, audited", async () => {
    await ssoSignIn(browser(), people.staffTwin);
    const twin = dbUsers().find((u) => u.identity?.subject === "sub-staff-0003");
    expect(twin.username).toBe("staff-corp");
    const local = dbUsers().find((u) => u.username === "staff");
    expect(local.identity).toBeUndefined();
    expect(audit().find((e) => e.action === "user.create" && e.object === "user:staff-corp")?.details).toMatchObject({ requestedUsername: "staff", usernameTakenBy: "local" });
    // The local account still signs in with its password, and is still itself.
    const c = await passwordSignIn(server.url, "staff");
    expect((await c.get("/profile")).text_).toContain("staff");
  });

  it("refuses a new subject presenting an existing account's email, never merging it, with an audit entry", async () => {
    const c = browser("zh-CN");
    const page = await ssoSignIn(c, people.impostor);
    expect(page.url).toContain("/login?sso=subject-changed");
    expect(page.text).toContain("账号未被合并");
    expect(dbUsers().some((u) => u.identity?.subject === "sub-other-0004")).toBe(false);
    expect(dbUsers().find((u) => u.username === "zhang.wei").identity.subject).toBe("sub-zhang-0001");
    const refusal = audit().filter((e) => e.action === "auth.login" && e.outcome === "denied" && e.details?.reason === "subject-changed").pop();
    expect(refusal?.details?.detail).toContain("zhang.wei@corp.example");
    expect(await signedIn(c)).toBe(false);
  });

  it("refuses an email outside the allowed domains", async () => {
    const page = await ssoSignIn(browser(), people.outsider);
    expect(page.url).toContain("/login?sso=domain");
    expect(page.text).toContain("not one of the company domains allowed");
    expect(dbUsers().some((u) => u.email === "guest@elsewhere.example")).toBe(false);
  });

  it("refuses a disabled account with a clear message, and lets it in again once enabled", async () => {
    const admin = await passwordSignIn(server.url, "admin");
    const li = dbUsers().find((u) => u.username === "li.na");
    const toggle = async (active: boolean) => {
      const res = await admin.post("/admin/users", {
        intent: "update",
        id: li.id,
        name: li.name,
        email: li.email,
        departmentId: li.departmentId,
        "roles[]": li.roles,
        ...(active ? { active: "on" } : {}),
      });
      expect(res.status).toBe(302);
    };
    await toggle(false);
    const refused = await ssoSignIn(browser(), people.li);
    expect(refused.url).toContain("/login?sso=disabled");
    expect(refused.text).toContain("Your portal account is disabled");
    expect(audit().filter((e) => e.details?.reason === "disabled").length).toBeGreaterThan(0);
    await toggle(true);
    expect((await ssoSignIn(browser(), people.li)).url).toBe(`${server.url}/`);
  });

  it("refuses a replayed callback (the code and the attempt are used once) and a callback the browser did not start", async () => {
    const c = browser();
    const callback = await callbackAddress(c, people.li);
    const flowCookie = c.cookie(server.url, "__regula_oidc")!;
    // Someone else's browser with this callback address (login CSRF): refused, and the attempt is not spent.
    const other = browser();
    const forged = await other.go("GET", callback);
    expect(forged.url).toContain("/login?sso=expired");
    const first = await c.go("GET", callback);
    expect(first.url).toBe(`${server.url}/`);
    // The same callback again, even with the attempt's cookie put back: refused.
    const replay = browser();
    replay.setCookie(server.url, "__regula_oidc", flowCookie, "/auth/oidc");
    const again = await replay.go("GET", callback);
    expect(again.url).toContain("/login?sso=expired");
    expect(await signedIn(replay)).toBe(false);
  });
});

describe("single logout", () => {
  it("ends the portal session and the provider's session (end_session with id_token_hint), then says so", async () => {
    const c = browser();
    await ssoSignIn(c, people.li);
    const home = await c.go("GET", `${server.url}/`);
    const before = op.logouts;
    const out = await c.postForm(home.text, `${server.url}/logout`, {});
    // The provider asks to confirm; the trail went there with the hint and our return address.
    const endSession = c.trail.find((u) => u.includes("/session/end"));
    expect(endSession).toBeTruthy();
    const endUrl = new URL(endSession!);
    expect(endUrl.searchParams.get("id_token_hint")).toMatch(/^ey/);
    expect(endUrl.searchParams.get("post_logout_redirect_uri")).toBe(`${server.url}/login?signedOut=provider`);
    const confirm = formOf(out.text);
    const back = await c.go("POST", new URL(confirm.action, out.url).href, new URLSearchParams({ ...confirm.fields, logout: "yes" }));
    expect(back.url).toBe(`${server.url}/login?signedOut=provider`);
    expect(back.text).toContain("You are signed out of the portal and of your company sign-in.");
    expect(op.logouts).toBe(before + 1);
    expect((await c.go("GET", `${server.url}/profile`)).url).toContain("/login");
    // Signing in again asks for the password at the provider: its session ended too.
    const again = await c.go("GET", `${server.url}/auth/oidc/corp`);
    expect(again.text).toContain('id="op-login"');
  });

  it("where the provider has no single logout, ends the portal session and says the provider's may still be open", async () => {
    rogue.mode = "good";
    const c = browser("zh-CN");
    const page = await ssoSignIn(c, null, "rogue");
    expect(page.url).toBe(`${server.url}/`);
    const out = await c.postForm(page.text, `${server.url}/logout`, {});
    expect(out.url).toBe(`${server.url}/login?signedOut=portal-only&provider=rogue`);
    expect(out.text).toContain("您在 Rogue IdP 的登录可能仍然有效");
    expect((await c.go("GET", `${server.url}/profile`)).url).toContain("/login");
  });
});

describe("answers that must not be trusted (hand-made provider)", () => {
  const cases: [RogueMode: string, reason: string, text: RegExp][] = [
    ["tamper", "invalid", /could not be verified/],
    ["unsigned", "invalid", /could not be verified/],
    ["nonce", "invalid", /could not be verified/],
    ["issuer", "invalid", /could not be verified/],
    ["audience", "invalid", /could not be verified/],
    ["expired", "token-expired", /had already expired/],
    ["skew", "clock", /differs from the portal.{1,8}s by more than 60 seconds/],
    ["huge", "claims", /cannot use/],
  ];
  for (const [mode, reason, text] of cases) {
    it(`refuses ${mode}: no session, a message, an audit entry`, async () => {
      rogue.mode = mode as RogueProvider["mode"];
      rogue.skewSeconds = mode === "skew" ? 600 : 0;
      const c = browser();
      const page = await ssoSignIn(c, null, "rogue");
      expect(page.url).toBe(`${server.url}/login?sso=${reason}&provider=rogue`);
      expect(page.text).toMatch(text);
      expect(await signedIn(c)).toBe(false);
      const entry = audit().filter((e) => e.action === "auth.login" && e.outcome === "denied" && e.details?.authMethod === "oidc:rogue").pop();
      expect(entry?.details?.reason).toBe(reason);
    });
  }

  it("accepts a provider clock a little ahead (within the tolerance)", async () => {
    rogue.mode = "good";
    rogue.skewSeconds = 20;
    const c = browser();
    const page = await ssoSignIn(c, null, "rogue");
    expect(page.url).toBe(`${server.url}/`);
    expect(dbUsers().find((u) => u.identity?.provider === "rogue")).toMatchObject({ username: "rogue.person", departmentId: "it" });
  });

  it("answers a callback for a provider that is not configured with the sign-in page and a message", async () => {
    const page = await browser().go("GET", `${server.url}/auth/oidc/nobody/callback?code=x&state=y`);
    expect(page.url).toBe(`${server.url}/login?sso=unknown-provider&provider=nobody`);
    expect(page.text).toContain("This sign-in service is not set up in the portal.");
  });
});

/** Signs in at the provider and stops before the portal's callback: answers the callback address. */
async function callbackAddress(c: WebClient, person: { login: string; password: string }): Promise<string> {
  const start = await c.go("GET", `${server.url}/auth/oidc/corp`);
  const form = formOf(start.text);
  let res = await c.request("POST", new URL(form.action, start.url).href, new URLSearchParams({ login: person.login, password: person.password }));
  let next = res.headers.get("location") ?? "";
  for (let i = 0; i < 10 && !next.includes("/auth/oidc/corp/callback"); i++) {
    res = await c.request("GET", new URL(next, start.url).href);
    next = res.headers.get("location") ?? "";
  }
  expect(next).toContain("/auth/oidc/corp/callback?code=");
  return new URL(next, start.url).href;
}

describe("a provider that is down", () => {
  it("says so in the reader's language, and the local admin still signs in", async () => {
    const page = await browser("zh-CN").go("GET", `${server.url}/auth/oidc/offline?redirectTo=%2Fadmin`);
    expect(page.url).toBe(`${server.url}/login?sso=unreachable&provider=offline&redirectTo=%2Fadmin`);
    expect(page.text).toContain("暂时无法连接 Offline IdP");
    expect(page.text).toContain('id="password"');
    const admin = await passwordSignIn(server.url, "admin");
    expect((await admin.get("/admin")).status).toBe(200);
    expect(audit().some((e) => e.action === "auth.login" && e.details?.reason === "unreachable" && e.details?.authMethod === "oidc:offline")).toBe(true);
  });

  it("going down between the sign-in there and the callback: the code cannot be exchanged, nothing is half done", async () => {
    const c = browser();
    const callback = await callbackAddress(c, people.li);
    const sessionsBefore = JSON.parse(fs.readFileSync(path.join(world.dataDir, "db.json"), "utf8")).sessions.length;
    await op.stop();
    try {
      const page = await c.go("GET", callback);
      expect(page.url).toBe(`${server.url}/login?sso=unreachable&provider=corp`);
      expect(page.text).toContain("Corporate sign-in cannot be reached right now");
      expect(await signedIn(c)).toBe(false);
      expect(JSON.parse(fs.readFileSync(path.join(world.dataDir, "db.json"), "utf8")).sessions.length).toBe(sessionsBefore);
    } finally {
      await op.start();
    }
  });
});
