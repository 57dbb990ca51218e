/**
 * Diffs of regulation-sized editions over HTTP and in Chromium: two generated
 * editions of a ~200 KB law (tests/fixtures/editions.ts) published as two
 * versions. The formatted diff is the default view, opens with the change
 * summary, folds unchanged text, and each fold opens without JavaScript
 * (?expand=N) and with it (fetched on demand); the markdown source is one
 * link away; on a 390 px phone nothing is a side-by-side view showing one
 * column.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumAvailable, keepScreenshot, launchBrowser, loginInBrowser } from "../helpers/browser";
import { signIn, type Client } from "../helpers/client";
import type { RunningServer } from "../helpers/server";
import { createWorld, useWorldInProcess, type World } from "../helpers/world";
import { lawEditions } from "../fixtures/editions";
import { publishDoc } from "./revisions-helpers";

let world: World;
let server: RunningServer;
let number = "";
let base = "";
let oldBody = "";
const pair = lawEditions();

beforeAll(async () => {
  world = await createWorld();
  await useWorldInProcess(world);
  const first = await publishDoc({ title: "示范公司法", body: pair.old });
  number = first.number;
  const { publishVersion, readVersionContent } = await import("~/documents/documents.server");
  const { meta, body } = await readVersionContent(first);
  oldBody = body;
  await publishVersion({
    number, meta, body: pair.new, author: { username: "editor", name: "王编辑", email: "editor@regula.example" },
    change: "major", summary: "修订", approvedBy: ["approver"], expectedVersion: first.version,
  });
  server = await world.server();
  base = `/docs/${number}/diff?from=1&to=2`;
}, 240_000);

afterAll(async () => {
  await server?.stop();
  await world?.cleanup();
});

const client = (lang: "en" | "zh-CN") => signIn(server.url, "staff", { lang });

describe("formatted diff over HTTP", () => {
  let en: Client;
  let page = "";
  beforeAll(async () => {
    en = await client("en");
    const res = await en.get(base);
    expect(res.status).toBe(200);
    page = res.text_;
  });

  it("is the default view: rendered blocks with marks, a summary with links, no raw markdown", () => {
    expect(page).toContain("Changes to articles and sections");
    expect(page).toMatch(/<summary>\d+ added<\/summary>/);
    expect(page).toMatch(/<summary>\d+ renumbered<\/summary>/);
    expect(page).toContain('<ins class="fd-i">');
    expect(page).toContain('<del class="fd-d">');
    expect(page).toMatch(/<h2>第[一二三四五六七八九十]+章/);
    expect(page).not.toContain("|---");
    // Every summary link has its target on the page.
    const anchors = [...page.matchAll(/<a href="#(fd-[a-z]\d+)"/g)].map((m) => m[1]);
    expect(anchors.length).toBeGreaterThan(50);
    for (const a of new Set(anchors)) expect(page, a).toContain(`id="${a}"`);
    // The source diff is one link away.
    expect(page).toContain(`href="/docs/${number}/diff?from=1&amp;to=2&amp;view=split"`);
  });

  it("folds unchanged text: far smaller than the source diff of the same editions", async () => {
    const source = await en.get(`${base}&view=split`);
    expect(source.status).toBe(200);
    console.info(`formatted diff page ${Math.round(Buffer.byteLength(page) / 1024)} KB, source diff page ${Math.round(Buffer.byteLength(source.text_) / 1024)} KB`);
    expect(Buffer.byteLength(page) * 1.5).toBeLessThan(Buffer.byteLength(source.text_));
    expect(page).toMatch(/class="fd-fold" id="fd-f0"/);
    expect(page).toMatch(/unchanged paragraphs/);
  });

  it("a fold opens without JavaScript (?expand) and on demand (JSON), with the same text", async () => {
    const fold = 3;
    const json = await en.get(`/docs/${number}/diff-fold?from=1&to=2&fold=${fold}`);
    expect(json.status).toBe(200);
    expect(json.headers.get("content-type")).toMatch(/application\/json/);
    const items = (JSON.parse(json.text_) as { items: { kind: string; html?: string }[] }).items;
    expect(items.length).toBeGreaterThan(0);
    const text = items.map((i) => i.html ?? "").join("");
    expect(text.length).toBeGreaterThan(20);
    const expanded = await en.get(`${base}&expand=${fold}`);
    expect(expanded.status).toBe(200);
    const sample = items.find((i) => (i.html ?? "").length > 20)!.html!.slice(0, 40);
    expect(expanded.text_).toContain(sample);
    expect(page).not.toContain(sample);
    const bad = await en.get(`/docs/${number}/diff-fold?from=1&to=2&fold=99999`);
    expect(bad.status).toBe(404);
    const invalid = await en.get(`/docs/${number}/diff-fold?from=1&to=2&fold=x`);
    expect(invalid.status).toBe(400);
  });

  it("the API gives the source lines and the block changes with the summary", async () => {
    const res = await en.get(`/api/v1/documents/${number}/diff?from=1&to=2`);
    expect(res.status).toBe(200);
    const body = JSON.parse(res.text_) as { diff: { tooLarge: boolean }; changes: { summary: { counts: Record<string, number> } } };
    expect(body.diff.tooLarge).toBe(false);
    expect(body.changes.summary.counts.added).toBe(pair.changes.insertedArticles.length);
    expect(body.changes.summary.counts.moved).toBe(pair.changes.movedArticles.length);
  });

  it("a heavily amended law: the page stays under 400 KB, the changes past the first screens fold with their count", async () => {
    expect(Buffer.byteLength(page)).toBeLessThan(400 * 1024);
    const stretch = /id="fd-f(\d+)"><a href="[^"]*expand=\1[^"]*"[^>]*><span>(\d+) more changed paragraphs/.exec(page);
    expect(stretch, "a fold of further changes").not.toBeNull();
    const json = await en.get(`/docs/${number}/diff-fold?from=1&to=2&fold=${stretch![1]}`);
    const items = (JSON.parse(json.text_) as { items: { kind: string }[] }).items;
    expect(items.filter((i) => i.kind === "changed").length).toBe(Number(stretch![2]));
  });

  it("the API leaves the text of unchanged lines out unless asked for the full form", async () => {
    type Row = { kind: string; oldNo?: number; newNo?: number; old?: { text: string }[]; new?: { text: string }[] };
    const api = `/api/v1/documents/${number}/diff?from=1&to=2`;
    const compactRes = await en.get(api);
    const fullRes = await en.get(`${api}&text=full`);
    expect(fullRes.status).toBe(200);
    const compact = JSON.parse(compactRes.text_) as { text: string; diff: { rows: Row[] } };
    const full = JSON.parse(fullRes.text_) as { text: string; diff: { rows: Row[] } };
    expect([compact.text, full.text]).toEqual(["changed", "full"]);
    const context = (rows: Row[]) => rows.filter((r) => r.kind === "context");
    expect(context(compact.diff.rows).length).toBeGreaterThan(100);
    expect(context(compact.diff.rows).every((r) => r.old === undefined && r.new === undefined && r.oldNo! > 0 && r.newNo! > 0)).toBe(true);
    // The same rows; the full form adds the unchanged text, which is the old text at that line.
    const place = (r: Row) => `${r.kind}:${r.oldNo}:${r.newNo}`;
    expect(compact.diff.rows.map(place)).toEqual(full.diff.rows.map(place));
    expect(compact.diff.rows.filter((r) => r.kind !== "context")).toEqual(full.diff.rows.filter((r) => r.kind !== "context"));
    const oldLines = oldBody.split("\n");
    for (const r of context(full.diff.rows)) expect(r.old?.[0].text).toBe(oldLines[r.oldNo! - 1]);
    expect(Buffer.byteLength(compactRes.text_)).toBeLessThan(0.9 * Buffer.byteLength(fullRes.text_));
    const bad = await en.get(`${api}&text=everything`);
    expect(bad.status).toBe(400);
    expect(bad.text_).toContain("text must be");
  });

  it("answers the same the second time (the comparison is kept)", async () => {
    const api = `/api/v1/documents/${number}/diff?from=1&to=2`;
    const [a, b] = [await en.get(api), await en.get(api)];
    expect(b.text_).toBe(a.text_);
    const fold = `/docs/${number}/diff-fold?from=1&to=2&fold=1`;
    const [f, g] = [await en.get(fold), await en.get(fold)];
    expect(g.text_).toBe(f.text_);
    const again = await en.get(base);
    const body = (html: string) => html.slice(html.indexOf('class="fd-summary"'), html.indexOf("<script", html.indexOf('class="fd-summary"')));
    expect(body(again.text_)).toBe(body(page));
  });

  it("speaks Chinese to a Chinese reader", async () => {
    const zh = await client("zh-CN");
    const res = await zh.get(base);
    expect(res.text_).toContain("条款与章节变更");
    expect(res.text_).toMatch(/段未变/);
    expect(res.text_).toContain("阅读视图");
  });
});

describe.skipIf(!chromiumAvailable())("the diff on a 390 px phone, in Chromium", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  for (const js of [true, false]) {
    it(`${js ? "with" : "without"} JavaScript: inline by default, the source's side-by-side table stacked, folds open`, async () => {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, javaScriptEnabled: js, locale: "en-US" });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      try {
        await loginInBrowser(page, server.url, "staff");
        await page.goto(server.url + base);
        // The default view is single-column and fits the screen.
        expect(await page.locator(".fd").count()).toBe(1);
        expect(await page.locator("table.diff-split").count()).toBe(0);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow).toBeLessThanOrEqual(1);
        // A fold opens (fetched with JavaScript, a page with ?expand without).
        const fold = page.locator("#fd-f2 a");
        const label = await fold.textContent();
        expect(label).toMatch(/unchanged paragraphs|段未变/);
        await fold.click();
        if (js) await page.waitForSelector("div.fd-unfolded#fd-f2");
        else await page.waitForURL(/expand=2/);
        expect(await page.locator("#fd-f2").evaluate((el) => el.tagName)).not.toBe("P");
        // The source view asked for side by side: both sides of a changed line are visible, stacked.
        await page.goto(`${server.url}${base}&view=split`);
        const row = page.locator("table.diff-split tr.diff-change").first();
        const [oldBox, newBox] = await Promise.all([row.locator("td.diff-text").nth(0).boundingBox(), row.locator("td.diff-text").nth(1).boundingBox()]);
        expect(oldBox && newBox).toBeTruthy();
        expect(newBox!.y).toBeGreaterThan(oldBox!.y);
        expect(oldBox!.x + oldBox!.width).toBeLessThanOrEqual(391);
        expect(newBox!.x + newBox!.width).toBeLessThanOrEqual(391);
        expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(1);
        expect(errors).toEqual([]);
      } catch (error) {
        await keepScreenshot(page, `diff-390-${js ? "js" : "nojs"}`);
        throw error;
      } finally {
        await context.close();
      }
    }, 120_000);
  }
});
