/**
 * The proposal editor in a real browser: with JavaScript the preview follows
 * the text as it is typed (rendered and sanitised by the server); without
 * JavaScript the same form previews and saves through plain posts.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumAvailable, keepScreenshot, launchBrowser, loginInBrowser, newPage } from "../helpers/browser";
import type { RunningServer } from "../helpers/server";
import { createWorld, useWorldInProcess, type World } from "../helpers/world";
import { publishDoc } from "./revisions-helpers";

const available = chromiumAvailable();
let world: World;
let server: RunningServer;
let browser: Browser;
let number = "";

beforeAll(async () => {
  if (!available) return;
  world = await createWorld();
  await useWorldInProcess(world);
  number = (await publishDoc({ title: "叉车安全操作规程", body: "# 叉车安全操作规程\n\n## 作业前\n\n检查制动与喇叭。\n" })).number;
  server = await world.server({ REGULA_NO_SCHEDULER: "0" });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await world?.cleanup();
});

describe.skipIf(!available)("proposal editor in Chromium", () => {
  it("updates the preview while typing, saves and submits, and shows the diff", async () => {
    const { page, context, consoleErrors } = await newPage(browser, { locale: "en-US" });
    try {
      await loginInBrowser(page, server.url, "editor");
      await page.goto(`${server.url}/docs/${number}/propose`);
      const textarea = page.locator("#body-editor");
      await expect.poll(() => page.locator(".md-preview .markdown h2").first().textContent()).toBe("作业前");
      // With JavaScript the "Preview" submit button gives way to the live preview.
      expect(await page.locator('button[value="preview"]').count()).toBe(0);
      await textarea.fill("# 叉车安全操作规程\n\n## 作业前\n\n检查制动与喇叭。\n\n## 作业中\n\n限速 **5 km/h**。<script>window.bad = 1</script>\n");
      await expect.poll(() => page.locator(".md-preview .markdown strong").textContent(), { timeout: 5000 }).toBe("5 km/h");
      expect(await page.evaluate(() => (window as unknown as { bad?: number }).bad)).toBeUndefined();
      expect(await page.locator(".md-preview script").count()).toBe(0);
      await page.fill("#summary", "增加作业中限速");
      await Promise.all([page.waitForURL(/\/proposals\/P-\d+$/), page.click('button[value="create-submit"]')]);
      await expect.poll(() => page.locator(".badge.status-in-review").count()).toBe(1);
      // The formatted diff is the default view of a proposal.
      expect(await page.locator(".fd").textContent()).toContain("限速");
      expect(consoleErrors).toEqual([]);
    } catch (error) {
      await keepScreenshot(page, "revisions-editor");
      throw error;
    } finally {
      await context.close();
    }
  });

  it("works without JavaScript: Preview renders on the server and keeps the text", async () => {
    const { page, context } = await newPage(browser, { javaScriptEnabled: false, locale: "en-US" });
    try {
      await loginInBrowser(page, server.url, "editor");
      await page.goto(`${server.url}/docs/${number}/propose`);
      await page.fill("#body-editor", "# 标题\n\n- 第一条\n- 第二条\n");
      await page.click('button[value="preview"]');
      await page.locator(".md-preview .markdown li").first().waitFor();
      expect(await page.locator(".md-preview .markdown li").allTextContents()).toEqual(["第一条", "第二条"]);
      expect(await page.inputValue("#body-editor")).toBe("# 标题\n\n- 第一条\n- 第二条\n");
    } catch (error) {
      await keepScreenshot(page, "revisions-editor-nojs");
      throw error;
    } finally {
      await context.close();
    }
  });
});
