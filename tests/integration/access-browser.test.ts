/**
 * The access workflow in a real browser (Chromium): a reader without access
 * follows "request access" from the document page and sends the form; the
 * owning department's head approves from the queue for fewer days; the
 * reader then reads the document. Once with JavaScript, once without.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { chromiumAvailable, keepScreenshot, launchBrowser, loginInBrowser, newPage } from "../helpers/browser";
import type { RunningServer } from "../helpers/server";
import { createWorld, type World } from "../helpers/world";
import { HEAD_OF, MARKER, ensureRestrictedDoc, type RestrictedDoc } from "./access-helpers";

let world: World;
let server: RunningServer;
let doc: RestrictedDoc;
let browser: Browser;

beforeAll(async () => {
  world = await createWorld();
  doc = await ensureRestrictedDoc(world);
  server = await world.server();
  if (chromiumAvailable()) browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await world?.cleanup();
});

describe.skipIf(!chromiumAvailable())("access in the browser", () => {
  for (const javaScriptEnabled of [true, false]) {
    it(`request, approve and read ${javaScriptEnabled ? "with" : "without"} JavaScript`, async () => {
      const requester = javaScriptEnabled ? "itstaff" : "staff";
      const reader = await newPage(browser, { javaScriptEnabled, locale: "en-US" });
      const approver = await newPage(browser, { javaScriptEnabled, locale: "en-US" });
      const purpose = `Browser check ${javaScriptEnabled ? "with" : "without"} scripts: supplier audit preparation`;
      try {
        await loginInBrowser(reader.page, server.url, requester);
        await reader.page.goto(`${server.url}/docs/${doc.number}`);
        expect(await reader.page.content()).not.toContain(MARKER);
        await Promise.all([reader.page.waitForURL(/\/access\/request\?number=/), reader.page.click(`a[href="/access/request?number=${doc.number}"]`)]);
        await reader.page.fill("#purpose", purpose);
        await reader.page.fill("#days", "10");
        await Promise.all([reader.page.waitForURL(/\/access\/requests\/[0-9a-f-]{36}\?sent=1/), reader.page.click("form.form.panel button[type=submit]")]);
        await reader.page.locator(".access-purpose", { hasText: purpose }).waitFor();

        await loginInBrowser(approver.page, server.url, HEAD_OF[doc.ownerDepartment]);
        await approver.page.goto(`${server.url}/access/queue`);
        const item = approver.page.locator("article.access-item", { hasText: purpose });
        await expect(item.count()).resolves.toBe(1);
        await item.locator('input[name="days"]').fill("4");
        await Promise.all([approver.page.waitForURL(/done=approve/), item.locator("form.access-approve button[type=submit]").click()]);
        await approver.page.locator("article.access-item", { hasText: purpose }).waitFor({ state: "detached" });

        await reader.page.goto(`${server.url}/docs/${doc.number}`);
        expect(await reader.page.content()).toContain(MARKER);
        await reader.page.goto(`${server.url}/access`);
        expect(await reader.page.locator("table.list").textContent()).toMatch(/In force|有效/);
        expect(reader.consoleErrors).toEqual([]);
        expect(approver.consoleErrors).toEqual([]);
      } catch (error) {
        await keepScreenshot(reader.page, `access-reader-${javaScriptEnabled}`);
        await keepScreenshot(approver.page, `access-approver-${javaScriptEnabled}`);
        throw error;
      } finally {
        await reader.context.close();
        await approver.context.close();
      }
    });
  }
});
