/**
 * An administrator keeps the portal in step with the company directory from a
 * phone: on /admin/directory in Chinese at 390 px, a dry run lists every change
 * (new departments, heads and people, Chinese names included) without writing
 * anything; applying it creates them, and the page never scrolls sideways.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { chromiumAvailable, launchBrowser, loginInBrowser, newPage, step } from "../helpers/browser";
import type { RunningServer } from "../helpers/server";
import { startSlapd, type Slapd } from "../helpers/slapd";
import { createWorld, type World } from "../helpers/world";
import { giveLocalPasswords, LOCAL_PASSWORD } from "../helpers/local-passwords";

let slapd: Slapd;
let world: World;
let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  if (!chromiumAvailable()) throw new Error("Chromium not found at /usr/bin/chromium: .ci/run installs it");
  slapd = await startSlapd();
  world = await createWorld();
  await giveLocalPasswords(world.dataDir);
  server = await world.server({ REGULA_NO_SCHEDULER: "1", BACKUP_INTERVAL_HOURS: "0", ...slapd.env() });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await world?.cleanup();
  await slapd?.stop();
});

describe("directory sync in the browser", () => {
  it("an admin runs a dry run and applies it on a phone in Chinese", async () => {
    const { page, context, consoleErrors } = await newPage(browser, { locale: "zh-CN" });
    await page.setViewportSize({ width: 390, height: 844 });
    await context.addCookies([{ name: "regula_lang", value: "zh-CN", url: server.url }]);
    await loginInBrowser(page, server.url, "admin", LOCAL_PASSWORD);
    await step(page, "directory-dry-run", async () => {
      await page.goto(`${server.url}/admin/directory`);
      expect((await page.locator("h1").textContent())?.trim()).toBe("公司目录");
      await page.getByRole("button", { name: "试运行" }).click();
      await page.getByText("可应用").first().waitFor();
      const list = page.locator("ol.sync-changes");
      await expect(list.getByText("新账号 wang.fang（王芳）").count()).resolves.toBe(1);
      await expect(list.getByText("新部门 ldap-qa：质量保证部 / Quality Assurance").count()).resolves.toBe(1);
      await expect(list.getByText("ldap-qa 的负责人：无 → zhou.min").count()).resolves.toBe(1);
    });
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(wide).toBeLessThanOrEqual(390);
    // Nothing is written by the dry run.
    await page.goto(`${server.url}/admin/users`);
    expect(await page.getByText("wang.fang").count()).toBe(0);
    await step(page, "directory-apply", async () => {
      await page.goto(`${server.url}/admin/directory`);
      await page.getByRole("button", { name: "应用这些变更" }).click();
      await page.getByText("已应用", { exact: true }).first().waitFor();
      expect(await page.locator("p.form-ok").textContent()).toContain("全部记入审计日志");
    });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: "test-results/phone/directory-sync-applied.png", fullPage: true }).catch(() => undefined);
    await page.goto(`${server.url}/admin/users`);
    expect(await page.getByText("wang.fang").count()).toBeGreaterThan(0);
    await page.goto(`${server.url}/admin/audit`);
    expect(await page.content()).toContain("从目录创建账号");
    expect(consoleErrors).toEqual([]);
    await context.close();
  });
});
