/**
 * Company sign-in in a real browser (Chromium through playwright-core) against
 * a real OpenID provider on localhost:
 *  1. on a 390 px phone, in Chinese: the provider's button, its sign-in form, and
 *     back in the portal as a new account; signing out at the provider too;
 *  2. without JavaScript: the same sign-in through plain links and forms;
 *  3. an approval signed by signing in again at the provider: a sign-in by
 *     someone else is refused and keeps the comment, the right person's is
 *     recorded with how they were authenticated.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { chromiumAvailable, launchBrowser, newPage, step } from "../helpers/browser";
import { signIn as clientSignIn } from "../helpers/client";
import { freePort, type RunningServer } from "../helpers/server";
import { createWorld, type World } from "../helpers/world";
import { startTestProvider, type TestProvider } from "../helpers/oidc-provider";
import { giveLocalPasswords, LOCAL_PASSWORD } from "../helpers/local-passwords";

/** Local accounts sign in with their own password: the demo password opens nothing where company sign-in is set up (decision 091). */
const passwordSignIn = (url: string, username: string, options: Parameters<typeof clientSignIn>[2] = {}) => clientSignIn(url, username, { password: LOCAL_PASSWORD, ...options });

let world: World;
let server: RunningServer;
let op: TestProvider;
let browser: Browser;

const SECRET = "browser-test-client-secret-0123456789";
const wang = {
  login: "wang.fang",
  password: "wang-pass-1",
  sub: "sub-wang-0101",
  claims: { preferred_username: "wang.fang", name: "王芳", email: "wang.fang@corp.example", email_verified: true, department: "运营部", groups: ["regula-approvers"] },
};
const zhao = {
  login: "zhao.lei",
  password: "zhao-pass-2",
  sub: "sub-zhao-0102",
  claims: { preferred_username: "zhao.lei", name: "赵磊", email: "zhao.lei@corp.example", department: "qa", groups: [] },
};

beforeAll(async () => {
  if (!chromiumAvailable()) throw new Error("Chromium is missing: .ci/run installs it with apt-get install chromium");
  world = await createWorld();
  await giveLocalPasswords(world.dataDir);
  const opPort = await freePort();
  const providers = [
    {
      id: "corp",
      name: { "zh-CN": "集团统一登录", en: "Corporate sign-in" },
      issuer: `http://127.0.0.1:${opPort}`,
      clientId: "regula",
      clientSecret: SECRET,
      scopes: "openid profile email org",
      roles: { "regula-approvers": ["approver"] },
    },
  ];
  server = await world.server({ REGULA_NO_SCHEDULER: "1", BACKUP_INTERVAL_HOURS: "0", OIDC_PROVIDERS: JSON.stringify(providers) });
  op = await startTestProvider({
    port: opPort,
    clients: [
      { client_id: "regula", client_secret: SECRET, redirect_uris: [`${server.url}/auth/oidc/corp/callback`], post_logout_redirect_uris: [`${server.url}/login?signedOut=provider`] },
    ],
    people: [wang, zhao],
  });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await op?.stop();
  await world?.cleanup();
});

async function atProvider(page: Page, person: { login: string; password: string }) {
  await page.waitForURL((url) => url.href.startsWith(op.issuer));
  await page.fill("#op-login", person.login);
  await page.fill("#op-password", person.password);
  await Promise.all([page.waitForURL((url) => url.href.startsWith(server.url)), page.click("#op-submit")]);
}

function audit(): { action: string; actor: string; outcome: string; details?: Record<string, any> }[] {
  return fs
    .readFileSync(path.join(world.dataDir, "audit", "audit.log"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

describe("signing in with the company provider", () => {
  it("on a 390 px phone in Chinese: button, provider form, a new account, then signing out at the provider too", async () => {
    const { context, page, consoleErrors } = await newPage(browser, { locale: "zh-CN" });
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await step(page, "oidc-login-page", async () => {
        await page.goto(`${server.url}/login`);
        const button = page.getByRole("link", { name: "使用 集团统一登录 登录" });
        await expect(button.isVisible()).resolves.toBe(true);
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(width).toBeLessThanOrEqual(390);
        const box = await button.boundingBox();
        expect(box!.x + box!.width).toBeLessThanOrEqual(390);
        await button.click();
      });
      await step(page, "oidc-provider-form", () => atProvider(page, zhao));
      await step(page, "oidc-home", async () => {
        expect(new URL(page.url()).pathname).toBe("/");
        await expect(page.locator(".user-name").textContent()).resolves.toContain("赵磊");
      });
      await step(page, "oidc-logout", async () => {
        await page.setViewportSize({ width: 1280, height: 900 });
        await page.getByRole("button", { name: "退出", exact: true }).click();
        await page.waitForURL((url) => url.href.startsWith(op.issuer));
        await Promise.all([page.waitForURL((url) => url.href.startsWith(server.url)), page.click("#op-logout")]);
        await expect(page.locator(".banner").first().textContent()).resolves.toContain("您已退出门户及公司统一登录");
      });
      expect(consoleErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("without JavaScript, through plain links and forms", async () => {
    const { context, page } = await newPage(browser, { javaScriptEnabled: false, locale: "en-US" });
    try {
      await step(page, "oidc-nojs", async () => {
        await page.goto(`${server.url}/login?redirectTo=%2Fdocs%2FEXE-003`);
        await page.getByRole("link", { name: "Sign in with Corporate sign-in" }).click();
        await atProvider(page, zhao);
        expect(new URL(page.url()).pathname).toBe("/docs/EXE-003");
      });
    } finally {
      await context.close();
    }
  });
});

describe("an approval signed at the provider", () => {
  it("holds the comment through the provider, refuses someone else's sign-in, and records the signer's own", async () => {
    // 王芳 signs in once, so that she is an approver of Operations before the proposal is routed.
    const { context, page, consoleErrors } = await newPage(browser, { locale: "zh-CN" });
    try {
      await step(page, "sso-first-sign-in", async () => {
        await page.goto(`${server.url}/auth/oidc/corp`);
        await atProvider(page, wang);
      });
      const editor = await passwordSignIn(server.url, "editor");
      const tokenPage = await editor.post("/profile", { intent: "create-token", label: "oidc browser test" });
      const token = /rg_[0-9a-f]{12}_[A-Za-z0-9_-]{20,}/.exec(tokenPage.text_)![0];
      const api = async (p: string, body?: unknown) => {
        const res = await fetch(server.url + p, {
          method: "POST",
          headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify(body ?? {}),
        });
        return (await res.json()) as Record<string, any>;
      };
      const created = await api("/api/v1/proposals", { kind: "revision", number: "EXE-003", change: "minor", body: "# 点检\n\n每班开机前和交接班时各点检一次。\n", summary: "增加交接班点检" });
      const id = created.proposal.id as string;
      const submitted = await api(`/api/v1/proposals/${id}/submit`);
      expect(submitted.proposal.stage.approvers).toContain("wang.fang");

      const before = op.logins;
      await step(page, "sso-sign-other-person", async () => {
        await page.goto(`${server.url}/proposals/${id}`);
        await expect(page.locator("#password").count()).resolves.toBe(0);
        await expect(page.locator(".sso-sign-form").textContent()).resolves.toContain("在 集团统一登录 重新登录即表示您（王芳）签署");
        await page.fill(".sso-sign-form #comment", "同意，按新流程执行");
        await page.locator(".sso-sign-form button[type=submit]").click();
        // prompt=login: the provider asks for the password even though its session is open. Someone else signs in.
        await atProvider(page, zhao);
        expect(page.url()).toContain("signError=other-person");
        await expect(page.locator(".sso-sign-form .banner-danger").textContent()).resolves.toContain("登录的是另一个人");
        await expect(page.locator(".sso-sign-form #comment").inputValue()).resolves.toBe("同意，按新流程执行");
      });
      expect(op.logins).toBe(before + 1);
      expect(audit().some((e) => e.action === "auth.reauthenticate" && e.outcome === "denied" && e.details?.reason === "other-person")).toBe(true);
      expect(audit().some((e) => e.action === "proposal.approve" && e.outcome === "ok")).toBe(false);

      await step(page, "sso-sign-self", async () => {
        await page.locator(".sso-sign-form button[type=submit]").click();
        await atProvider(page, wang);
        expect(page.url()).toContain(`/proposals/${id}?done=published`);
        const record = (await page.locator(".signature").last().textContent()) ?? "";
        expect(record).toContain("王芳");
        expect(record).toContain("在 corp 重新登录后签署");
        await expect(page.locator(".decision-reason").last().textContent()).resolves.toBe("同意，按新流程执行");
      });
      expect(op.logins).toBe(before + 2);
      const approval = audit().filter((e) => e.action === "proposal.approve" && e.outcome === "ok").pop();
      expect(approval).toMatchObject({ actor: "wang.fang", details: { signedWith: "oidc:corp", signed: true } });
      expect(consoleErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
