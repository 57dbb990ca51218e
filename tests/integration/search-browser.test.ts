/**
 * The header search box in a real browser: suggestions as you type with
 * keyboard choice, and the plain form without JavaScript.
 */
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { chromiumAvailable, launchBrowser, loginInBrowser, newPage, step } from "../helpers/browser";
import { ROOT } from "../helpers/paths";
import type { RunningServer } from "../helpers/server";
import { createWorld, useWorldInProcess, type World } from "../helpers/world";
import { publishTestDoc } from "./search-fixtures";

let world: World;
let server: RunningServer;
let browser: Browser;
let manual = "";

beforeAll(async () => {
  if (!chromiumAvailable()) throw new Error("Chromium is missing: .ci/run installs it with apt-get install chromium");
  world = await createWorld();
  await useWorldInProcess(world);
  manual = (await publishTestDoc({ title: "極地科考物資清單", body: "科考隊出發前核對極地帳篷與衛星電話。Polar expedition checklist." })).number;
  await publishTestDoc({ title: "极地考察安全须知", body: "遇到暴风雪时原地等待救援。" });
  server = await world.server();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await world?.cleanup();
});

describe("header search", () => {
  it("suggests documents while typing and opens the chosen one with the keyboard", async () => {
    const { page, context, consoleErrors } = await newPage(browser);
    try {
      await loginInBrowser(page, server.url, "staff");
      await step(page, "search-suggest-type", async () => {
        await page.click("#header-q");
        await page.keyboard.type("极地科", { delay: 30 });
        await page.waitForSelector("#header-suggest li[role=option] >> text=極地科考物資清單");
      });
      expect(await page.getAttribute("#header-q", "aria-expanded")).toBe("true");
      const options = await page.locator("#header-suggest li[role=option]").allTextContents();
      expect(options[0]).toContain(manual);
      expect(options[options.length - 1]).toContain("查看“极地科”的全部结果");
      await page.keyboard.press("ArrowDown");
      expect(await page.getAttribute("#header-q", "aria-activedescendant")).toBe("header-suggest-0");
      await step(page, "search-suggest-enter", async () => {
        await Promise.all([page.waitForURL(`**/docs/${manual}`), page.keyboard.press("Enter")]);
      });
      await page.waitForSelector("h1:has-text('極地科考物資清單')");
      expect(consoleErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("submits the typed words to the results page, and Escape closes the list", async () => {
    const { page, context, consoleErrors } = await newPage(browser);
    try {
      await loginInBrowser(page, server.url, "staff");
      await page.fill("#header-q", "极地");
      await page.waitForSelector("#header-suggest li[role=option]");
      await page.keyboard.press("Escape");
      expect(await page.isHidden("#header-suggest")).toBe(true);
      await step(page, "search-submit", async () => {
        await Promise.all([page.waitForURL(/\/search\?q=/), page.keyboard.press("Enter")]);
        await page.waitForSelector(".search-results");
      });
      expect(await page.locator(".search-hit").count()).toBe(2);
      expect(await page.locator(".search-hit mark").first().textContent()).toBe("極地");
      expect(consoleErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("works without JavaScript: the header box is a plain GET form", async () => {
    const { page, context } = await newPage(browser, { javaScriptEnabled: false });
    try {
      await loginInBrowser(page, server.url, "staff");
      await page.fill("#header-q", "卫星电话");
      await step(page, "search-nojs", async () => {
        await Promise.all([page.waitForURL(/\/search\?q=/), page.press("#header-q", "Enter")]);
      });
      expect(await page.locator(".search-hit").count()).toBe(1);
      expect(await page.locator(".search-hit .hit-snippet").innerHTML()).toContain("<mark>衛星電話</mark>");
      // Filters are a GET form too.
      await page.selectOption("#filter-category", "EXE");
      await Promise.all([page.waitForURL(/category=EXE/), page.click(".search-filters button[type=submit]")]);
      expect(await page.locator(".search-hit").count()).toBe(1);
    } finally {
      await context.close();
    }
  });

  it("has no serious accessibility problems on the results page with suggestions open", async () => {
    // axe is injected as a script, so this context bypasses the page's Content-Security-Policy.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "zh-CN", bypassCSP: true });
    const page = await context.newPage();
    try {
      await loginInBrowser(page, server.url, "staff");
      await page.goto(`${server.url}/search?q=${encodeURIComponent("极地")}`);
      await page.fill("#header-q", "极地");
      await page.waitForSelector("#header-suggest li[role=option]");
      await page.addScriptTag({ path: createRequire(`${ROOT}/`).resolve("axe-core/axe.min.js") });
      const violations = await page.evaluate(async () => {
        const axe = (window as unknown as { axe: { run: (o: unknown) => Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }> } }).axe;
        const result = await axe.run({ runOnly: ["wcag2a", "wcag2aa"] });
        return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id} (${v.nodes.length})`);
      });
      expect(violations).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
