/**
 * The update page's attachment conflict on a phone, in Chromium at 390 px,
 * in Chinese: two proposals started from v2 replaced the scanned form, and a
 * revision published meanwhile (v3) replaced it too. The author opens
 * /proposals/<id>/update: the page does not scroll sideways, the question and
 * both files (size, hash) are readable, each choice is a row big enough to
 * tap; the chosen file is what the proposal page then shows — with
 * JavaScript (keep the draft's file: shown as replaced against v3, both
 * hashes) and without (take v3's: no change left). Once the first is
 * published, the diff of v3 → v4 shows the replaced file with name, size and
 * hash on both sides, on the same phone.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { chromiumAvailable, launchBrowser, loginInBrowser, step } from "../helpers/browser";
import { signIn } from "../helpers/client";
import type { RunningServer } from "../helpers/server";
import { createWorld, useWorldInProcess, type World } from "../helpers/world";
import { scaled } from "../helpers/time";
import { pdf } from "../fixtures/attachment-files";
import { as, PASSWORD, publishDoc } from "../integration/revisions-helpers";
import { proposals } from "../helpers/proposals";

const WAIT = { timeout: scaled(30_000) };
const WIDTH = 390;
/** A long Chinese file name: the widest thing the page has to fit. */
const FILE = "2026年度叉车日常点检记录表（修订稿）扫描件_仓储运营部_最终版本.pdf";
const BODY = `# 叉车使用规程\n\n## 检查\n\n每班检查制动，记入点检表。\n`;

let world: World;
let server: RunningServer;
let browser: Browser;
let number = "";
const ids = { js: "", nojs: "" };
const sha = { current: "", mine: "" };

beforeAll(async () => {
  if (!chromiumAvailable()) throw new Error("Chromium is missing: .ci/run installs it with apt-get install chromium");
  world = await createWorld();
  await useWorldInProcess(world);
  const { createProposal, submitProposal, decideProposal } = await proposals();
  const { addDraftAttachment } = await import("~/attachments/store.server");
  const editor = await as("editor");
  const approver = await as("approver");
  const publish = async (id: string) => {
    await submitProposal(editor, id);
    expect((await decideProposal(approver, id, { decision: "approve", password: PASSWORD })).result).toBe("published");
  };
  number = (await publishDoc({ title: "叉车使用规程", body: BODY })).number;
  const draft = (summary: string) => createProposal(editor, { kind: "revision", number, change: "minor", summary, body: `${BODY}\n点检表见附件。\n` });
  const start = await draft("附点检表");
  const base = (await addDraftAttachment(editor, start.id, { name: FILE, bytes: await pdf(["Inspection sheet, 2025"]) })).sha256;
  await publish(start.id);
  const mine = await pdf(["Inspection sheet, 2026 (proposal)", "second page"]);
  for (const key of ["js", "nojs"] as const) {
    const p = await draft(`更新点检表 ${key}`);
    sha.mine = (await addDraftAttachment(editor, p.id, { name: "x.pdf", bytes: mine, replace: FILE, expected: base })).sha256;
    ids[key] = p.id;
  }
  const theirs = await draft("另一版点检表");
  sha.current = (await addDraftAttachment(editor, theirs.id, { name: "x.pdf", bytes: await pdf(["Inspection sheet, 2026 (published)"]), replace: FILE, expected: base })).sha256;
  await publish(theirs.id);
  server = await world.server({ REGULA_NO_SCHEDULER: "1" });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await world?.cleanup();
});

async function phone(js: boolean): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: WIDTH, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true, javaScriptEnabled: js, locale: "zh-CN" });
  await context.addCookies([{ name: "regula_lang", value: "zh-CN", url: server.url }]);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  await loginInBrowser(page, server.url, "editor");
  return { context, page, errors };
}

/** The page fits the phone: nothing widens the layout viewport or scrolls sideways. */
async function expectNoSidewaysScroll(page: Page) {
  const m = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    wide: Array.from(document.body.querySelectorAll("*"))
      .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}.${String(el.className)}`),
  }));
  expect(m.innerWidth, m.wide.join("; ")).toBe(WIDTH);
  expect(m.scrollWidth, m.wide.join("; ")).toBeLessThanOrEqual(WIDTH);
}

/** What a person sees of the conflict, and that each choice is a row one can tap. */
async function checkConflict(page: Page) {
  const fieldset = page.locator("fieldset.attachment-conflict");
  expect(await (fieldset.locator("legend")).innerText()).toContain(`附件“${FILE}”在现行版本和您的申请中都被修改了`);
  const rows = fieldset.locator(".attachment-choice label");
  expect(await rows.count()).toBe(2);
  const texts = await rows.allInnerTexts();
  expect(texts[0]).toContain("保留 v3");
  expect(texts[0]).toContain(sha.current.slice(0, 12));
  expect(texts[1]).toContain("保留我的");
  expect(texts[1]).toContain(sha.mine.slice(0, 12));
  for (const box of await Promise.all([rows.nth(0).boundingBox(), rows.nth(1).boundingBox()])) {
    expect(box).not.toBeNull();
    expect(box!.height).toBeGreaterThanOrEqual(44);
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(WIDTH);
  }
  // Readable: the legend and the choices are not squeezed into a sliver or clipped.
  const legend = await fieldset.locator("legend").boundingBox();
  expect(legend!.width).toBeGreaterThan(WIDTH / 2);
  return rows;
}

describe("the update page's attachment conflict on a phone (zh-CN, 390 px)", () => {
  it("with JavaScript: the author taps “keep mine”; the proposal page shows the replacement against v3 with both hashes", async () => {
    const { context, page, errors } = await phone(true);
    try {
      await step(page, "update-js-open", async () => {
        await page.goto(`${server.url}/proposals/${ids.js}/update`);
        await page.locator("fieldset.attachment-conflict").waitFor(WAIT);
        await expectNoSidewaysScroll(page);
      });
      const rows = await step(page, "update-js-read", () => checkConflict(page));
      await step(page, "update-js-choose", async () => {
        await rows.nth(1).tap();
        expect(await page.locator('input[name="attachment-0"][value="proposal"]').isChecked()).toBe(true);
        expect(await page.locator('input[name="attachment-0"][value="current"]').isChecked()).toBe(false);
        await Promise.all([page.waitForURL(/\/proposals\/P-\d+\?done=updated/, WAIT), page.getByRole("button", { name: "保存处理后的文本" }).tap()]);
      });
      await step(page, "update-js-result", async () => {
        // The address changes before the new page is drawn: wait for the page itself.
        await expect.poll(() => page.locator("main").innerText(), WAIT).toContain("申请已基于现行版本，请检查后重新提交。");
        const change = page.locator(".attachment-change.replaced");
        await change.waitFor(WAIT);
        expect(await (change).innerText()).toContain(FILE);
        expect(await (change).innerText()).toContain(sha.current.slice(0, 12));
        expect(await (change).innerText()).toContain(sha.mine.slice(0, 12));
        await expectNoSidewaysScroll(page);
      });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("without JavaScript: the author taps “keep v3” and saves; the form is then no change at all", async () => {
    const { context, page, errors } = await phone(false);
    try {
      await step(page, "update-nojs-open", async () => {
        await page.goto(`${server.url}/proposals/${ids.nojs}/update`);
        await expectNoSidewaysScroll(page);
      });
      const rows = await step(page, "update-nojs-read", () => checkConflict(page));
      await step(page, "update-nojs-choose", async () => {
        await rows.nth(0).tap();
        expect(await page.locator('input[name="attachment-0"][value="current"]').isChecked()).toBe(true);
        await Promise.all([page.waitForURL(/\/proposals\/P-\d+\?done=updated/, WAIT), page.getByRole("button", { name: "保存处理后的文本" }).tap()]);
      });
      await step(page, "update-nojs-result", async () => {
        // The address changes before the new page is drawn: wait for the page itself.
        await expect.poll(() => page.locator("main").innerText(), WAIT).toContain("申请已基于现行版本，请检查后重新提交。");
        expect(await (page.locator("section.attachment-changes")).innerText()).toContain("附件没有变化。");
        expect(await page.locator(".attachment-change").count()).toBe(0);
        await expectNoSidewaysScroll(page);
      });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("the version diff shows the replaced attachment with name, size and hash before and after, without sideways scroll", async () => {
    // The proposal updated in the first test is submitted and approved (over HTTP: what is shown is the point here).
    const editor = await signIn(server.url, "editor");
    await editor.get(`/proposals/${ids.js}`);
    const submitted = await editor.post(`/api/v1/proposals/${ids.js}/submit`, {}, { headers: { "X-CSRF-Token": editor.csrf, Accept: "application/json" } });
    expect(submitted.status, submitted.text_).toBe(200);
    const approver = await signIn(server.url, "approver");
    await approver.get(`/proposals/${ids.js}`);
    const approved = await approver.post(`/api/v1/proposals/${ids.js}/approve`, { password: PASSWORD }, { headers: { "X-CSRF-Token": approver.csrf, Accept: "application/json" } });
    expect(approved.status, approved.text_).toBe(200);
    expect(JSON.parse(approved.text_).result).toBe("published");
    for (const js of [true, false]) {
      const { context, page, errors } = await phone(js);
      try {
        await step(page, `version-diff-${js ? "js" : "nojs"}`, async () => {
          await page.goto(`${server.url}/docs/${number}/diff?from=3&to=4`);
          const change = page.locator(".attachment-change.replaced");
          await change.waitFor(WAIT);
          const text = await change.innerText();
          expect(text).toContain(FILE);
          expect(text).toContain("修改前");
          expect(text).toContain("修改后");
          expect(text).toContain(sha.current.slice(0, 12));
          expect(text).toContain(sha.mine.slice(0, 12));
          expect(text).toMatch(/\d+(\.\d)? (B|KB|MB)/);
          const links = await change.locator("a").evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).getAttribute("href")));
          expect(links).toContain(`/docs/${number}/v/3/attachments/${encodeURIComponent(FILE)}?download=1`);
          expect(links).toContain(`/docs/${number}/v/4/attachments/${encodeURIComponent(FILE)}?download=1`);
          await expectNoSidewaysScroll(page);
        });
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    }
  });
});
