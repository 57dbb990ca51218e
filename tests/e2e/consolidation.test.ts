/**
 * The consolidation view in Chromium, in Chinese, on a phone (390 px): an
 * editor opens the duplicate report, consolidates three imported copies of a
 * manual, picks one clause's text by hand, fills the rest from one copy, reads
 * the running draft and creates the proposal — first without JavaScript
 * (plain forms), then the same page with JavaScript, which must hydrate
 * without errors. No page may scroll sideways.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { chromiumAvailable, launchBrowser, loginInBrowser, newPage, step } from "../helpers/browser";
import { signIn } from "../helpers/client";
import type { RunningServer } from "../helpers/server";
import { createWorld, type World } from "../helpers/world";
import { manualCopies } from "../fixtures/manual-copies";

let world: World;
let server: RunningServer;
let browser: Browser;
const manual = manualCopies({ articles: 24, seed: 23 });
const TITLES = ["设备管理流程手册", "设备管理流程手册（2020版）", "车间设备管理流程手册"];

beforeAll(async () => {
  if (!chromiumAvailable()) throw new Error("Chromium is missing: .ci/run installs it with apt-get install chromium");
  world = await createWorld();
  server = await world.server();
  browser = await launchBrowser();
  const admin = await signIn(server.url, "admin");
  await admin.get("/admin/import");
  const files = manual.copies.map((body, i) => ({ name: `copies/${i + 1}.md`, data: `# ${TITLES[i]}\n\n${body}` }));
  const res = await admin.postFiles("/admin/import", { intent: "import", category: "EXE", type: "manual", ownerDepartment: "ops", confidentiality: "internal" }, files);
  expect(res.status).toBe(302);
  for (let i = 0; i < 300; i++) {
    const page = await admin.get(res.location);
    if (!page.text_.includes('id="import-progress"')) break;
    await new Promise((r) => setTimeout(r, 200));
  }
});
afterAll(async () => {
  await browser?.close();
  await world?.cleanup();
});

async function noSidewaysScroll(page: Page) {
  const { scroll, inner } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  expect(scroll).toBeLessThanOrEqual(inner);
}

describe("the consolidation view in zh-CN", () => {
  it("consolidates three copies on a phone without JavaScript, and hydrates cleanly with it", async () => {
    const { context, page, consoleErrors } = await newPage(browser, { javaScriptEnabled: false, locale: "zh-CN" });
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await step(page, "consolidation-login", () => loginInBrowser(page, server.url, "editor"));
      await step(page, "consolidation-report", async () => {
        await page.goto(`${server.url}/consolidations`);
        expect((await page.locator("h1").innerText()).trim()).toBe("副本与合并");
        await noSidewaysScroll(page);
        const group = page.locator("li.cons-group").filter({ hasText: "设备管理流程手册" }).first();
        await Promise.all([page.waitForURL(/\/consolidations\/K-\d{4}$/), group.getByRole("button", { name: "合并" }).click()]);
      });
      const url = page.url();
      await step(page, "consolidation-view", async () => {
        expect(await page.locator("h1").innerText()).toContain("合并 K-");
        expect(await page.locator(".cons-counts").innerText()).toMatch(/共 \d+ 条：\d+ 条各副本相同，\d+ 条不同/);
        expect(await page.locator(".cons-undecided").innerText()).toMatch(/还有 \d+ 条待定。/);
        // Word-level marks show where the copies differ.
        expect(await page.locator(".cons-row ins.w-add").count()).toBeGreaterThan(0);
        await noSidewaysScroll(page);
      });
      await step(page, "consolidation-choose", async () => {
        // The first differing clause: copy C's text; all others from copy B.
        const row = page.locator('li.cons-row[data-state="differ"]').first();
        const label = (await row.locator(".cons-label").innerText()).trim();
        const choice = row.locator("label.cons-variant").filter({ has: page.locator(".cons-letter-C") }).first();
        await choice.click();
        const added = (await choice.locator("ins").allInnerTexts()).map((x) => x.trim()).filter(Boolean);
        await page.selectOption("#fill", "1");
        await Promise.all([page.waitForURL(/saved=1/), page.locator(".cons-save button").click()]);
        expect((await page.locator(".cons-decided").innerText()).trim()).toBe("每一条都已选定。");
        expect((await page.locator(".form-ok").innerText()).trim()).toBe("您的选择已保存。");
        const draft = await page.locator(".cons-draft").innerText();
        const clause = draft.split(/\n\s*\n/).find((p) => p.trim().startsWith(label));
        expect(clause).toBeTruthy();
        expect(added.length).toBeGreaterThan(0);
        for (const words of added) expect(clause).toContain(words);
        await noSidewaysScroll(page);
      });
      await step(page, "consolidation-propose", async () => {
        expect(await page.locator("#title").inputValue()).toBe("设备管理流程手册");
        await Promise.all([page.waitForURL(/\/proposals\/P-\d+$/), page.getByRole("button", { name: "创建修订申请" }).click()]);
        expect(await page.locator(".cons-panel").innerText()).toContain("此申请合并 3 份副本");
        await noSidewaysScroll(page);
      });
      expect(consoleErrors).toEqual([]);

      // The same view with JavaScript: it hydrates without errors and still fits the phone.
      const js = await newPage(browser, { locale: "zh-CN" });
      try {
        await js.page.setViewportSize({ width: 390, height: 844 });
        await loginInBrowser(js.page, server.url, "editor");
        await step(js.page, "consolidation-js", async () => {
          await js.page.goto(url);
          await js.page.waitForLoadState("networkidle");
          expect(await js.page.locator(".banner-info").first().innerText()).toContain("已提交修订申请");
          await noSidewaysScroll(js.page);
          await js.page.click('a[href*="only=open"]');
          await js.page.waitForURL(/only=open/);
          // Client-side navigation: the clauses the same in every copy leave once the new data has rendered.
          await js.page.waitForFunction(() => document.querySelectorAll('li.cons-row[data-state="same"]').length === 0 && document.querySelectorAll("li.cons-row").length > 0);
          expect(await js.page.locator('a[href*="only=all"]').count()).toBe(1);
        });
        expect(js.consoleErrors).toEqual([]);
      } finally {
        await js.context.close();
      }
    } finally {
      await context.close();
    }
  });
});
