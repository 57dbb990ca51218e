/**
 * The current-document page carries its article once (decision 076): in the
 * markup, not again in the hydration data. A client navigation still gets the
 * article in its data, and in a browser the page hydrates without errors,
 * keeps the server's article, and shows the right article after moving to
 * another document and back.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { chromiumAvailable, launchBrowser, loginInBrowser, newPage, step } from "../helpers/browser";
import { signIn } from "../helpers/client";
import type { RunningServer } from "../helpers/server";
import { createWorld, type World } from "../helpers/world";

let world: World;
let server: RunningServer;
let browser: Browser | undefined;

beforeAll(async () => {
  world = await createWorld();
  server = await world.server();
  if (chromiumAvailable()) browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await world?.cleanup();
});

/** Runs of plain text from a document's rendered HTML (no markup, entities or quotes), long enough to be unique. */
async function textsOf(number: string): Promise<string[]> {
  const c = await signIn(server.url, "staff", { lang: null });
  const { body } = await c.json<{ html: string }>(`/api/v1/documents/${number}`);
  const runs = [...body.html.matchAll(/>([^<>&"'\\]{16,})</g)].map((m) => m[1].trim().slice(0, 16)).filter((t) => t.length === 16);
  expect(runs.length).toBeGreaterThan(2);
  return runs;
}

const count = (text: string, part: string) => text.split(part).length - 1;

describe("the current-document page", () => {
  it("carries the article once: in the markup, not in the hydration data", async () => {
    const runs = await textsOf("ACC-001");
    const c = await signIn(server.url, "staff", { lang: null });
    const page = await c.get("/docs/ACC-001");
    expect(page.status).toBe(200);
    expect(page.headers.get("cache-control")).toContain("no-store");
    for (const run of runs) expect(count(page.text_, run), run).toBe(1);
    const article = /<div data-article="ACC-001@\d+" class="markdown"/.exec(page.text_);
    expect(article).not.toBeNull();
    // The hydration scripts name the article by its key only.
    const scripts = [...page.text_.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join("\n");
    for (const run of runs) expect(scripts).not.toContain(run);
    expect(scripts).toContain("ACC-001@");

    // A client navigation's data carries the article itself.
    const data = await c.get("/docs/ACC-001.data?_routes=routes%2Fdocs.%24number._index");
    expect(data.status).toBe(200);
    expect(data.text_).toContain(runs[0]);
  });

  it.skipIf(!chromiumAvailable())("hydrates without errors, keeps the article, and follows navigation to another document and back", async () => {
    const first = await textsOf("ACC-001");
    const second = await textsOf("ACC-002");
    const { page, consoleErrors, context } = await newPage(browser!, { locale: "en-US" });
    try {
      await loginInBrowser(page, server.url, "staff");
      await step(page, "document-page-hydrated", async () => {
        await page.goto(`${server.url}/docs/ACC-001`);
        await page.waitForFunction(() => Object.keys(document.body).some((k) => k.startsWith("__reactFiber")), undefined, { timeout: 15_000 });
        expect(await page.locator(".markdown").innerText()).toContain(first[0]);
      });
      await step(page, "document-page-navigated", async () => {
        // Client-side navigations only: a value set on the window survives them, not a page load.
        await page.evaluate(() => ((window as unknown as { stayed: number }).stayed = 1));
        await Promise.all([page.waitForURL(/\/docs\/ACC-001\/history$/), page.click('a[href="/docs/ACC-001/history"]')]);
        await page.goBack();
        await page.waitForURL(/\/docs\/ACC-001$/);
        await page.locator(".markdown", { hasText: first[0] }).waitFor({ timeout: 15_000 });
        await Promise.all([page.waitForURL((url) => url.pathname === "/"), page.click("a.brand")]);
        await Promise.all([page.waitForURL(/\/categories\/ACC$/), page.locator('a[href="/categories/ACC"]').first().click()]);
        await Promise.all([page.waitForURL(/\/docs\/ACC-002$/), page.locator('a.doc-number[href="/docs/ACC-002"]').first().click()]);
        await page.locator(".markdown", { hasText: second[0] }).waitFor({ timeout: 15_000 });
        expect(await page.locator(".markdown").innerText()).not.toContain(first[0]);
        expect(await page.evaluate(() => (window as unknown as { stayed?: number }).stayed)).toBe(1);
      });
      expect(consoleErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
