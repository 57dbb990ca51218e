/**
 * The rich editor and diagrams in a real browser (Debian's Chromium through
 * playwright-core):
 *  1. an editor switches a draft to the rich mode, adds a table row, types
 *     Chinese through an input method (composition events), and the saved
 *     markdown changes only where they edited;
 *  2. draws a flowchart with the toolbar, sees it drawn live, sees the
 *     parser's message for a broken one, and readers of the draft's preview
 *     see the source and a note instead of a blank;
 *  3. pastes an image: it is uploaded to the draft's attachments and its
 *     snippet inserted;
 *  4. document page, formatted diff and print view draw flowcharts; mermaid
 *     and the editor load only where needed;
 *  5. the same at 390 px wide.
 */
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { chromiumAvailable, launchBrowser, loginInBrowser, newPage, step } from "../helpers/browser";
import type { RunningServer } from "../helpers/server";
import { createWorld, type World } from "../helpers/world";
import { scaled } from "../helpers/time";

let world: World;
let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  if (!chromiumAvailable()) throw new Error("Chromium is missing: .ci/run installs it with apt-get install chromium");
  world = await createWorld();
  server = await world.server({ REGULA_NO_SCHEDULER: "1" });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await world?.cleanup();
});

const WAIT = { timeout: scaled(30_000) };

async function editorSession(width = 1280) {
  const s = await newPage(browser, { locale: "zh-CN" });
  await s.page.setViewportSize({ width, height: 900 });
  await loginInBrowser(s.page, server.url, "editor");
  return s;
}

/** Creates a draft revision of a document through the propose form; answers its id. */
async function draftOf(page: Page, number: string, summary: string): Promise<string> {
  await page.goto(`${server.url}/docs/${number}/propose`);
  await page.fill("#summary", summary);
  await Promise.all([page.waitForURL(/\/proposals\/[^/?]+(\?.*)?$/), page.click("button[name=intent][value=create]")]);
  return new URL(page.url()).pathname.split("/").pop()!;
}

async function openRich(page: Page, id: string) {
  await page.goto(`${server.url}/proposals/${id}/edit`);
  await page.click(".md-mode button:nth-child(2)");
  await page.waitForSelector(".rich-editor[data-ready] [contenteditable=true]", WAIT);
}

const body = (page: Page) => page.inputValue("textarea[name=body]");

describe("rich editor", () => {
  it("adds a table row and takes Chinese typed through an input method; only those lines change", async () => {
    const { page, context, consoleErrors } = await editorSession();
    try {
      const id = await draftOf(page, "APR-005", "所見即所得：加一行並輸入中文");
      await step(page, "rich-open", () => openRich(page, id));
      const before = await body(page);
      // The existing flowchart is drawn live inside the editor.
      await step(page, "rich-diagram-live", () => page.waitForSelector(".rich-diagram-preview svg", WAIT));

      await step(page, "rich-row-add", async () => {
        await page.locator(".rich-root table tr").nth(2).locator("td").first().click();
        await page.click("[data-command=rowAdd]");
        await expect.poll(async () => (await body(page)).split("\n").length, WAIT).toBe(before.split("\n").length + 1);
      });
      const afterRow = (await body(page)).split("\n");
      const at = afterRow.findIndex((line, i) => line !== before.split("\n")[i]);
      expect(afterRow[at]).toBe("| | | | |");
      expect(afterRow.slice(0, at).concat(afterRow.slice(at + 1))).toEqual(before.split("\n"));

      await step(page, "rich-ime", async () => {
        const editable = page.locator(".rich-root [contenteditable=true]");
        await editable.evaluate((el) => {
          const w = window as unknown as { imeEvents: string[] };
          w.imeEvents = [];
          for (const type of ["compositionstart", "compositionupdate", "compositionend"]) el.addEventListener(type, (e) => w.imeEvents.push(`${type}:${(e as CompositionEvent).data}`));
        });
        // Caret at the end of the sentence that opens section 一.
        await page.locator(".rich-root p").first().evaluate((p) => {
          const range = document.createRange();
          range.selectNodeContents(p);
          range.collapse(false);
          const sel = window.getSelection()!;
          sel.removeAllRanges();
          sel.addRange(range);
        });
        const cdp = await context.newCDPSession(page);
        await cdp.send("Input.imeSetComposition", { text: "caigou", selectionStart: 6, selectionEnd: 6 });
        await cdp.send("Input.imeSetComposition", { text: "采购", selectionStart: 2, selectionEnd: 2 });
        await cdp.send("Input.insertText", { text: "采购须留痕。" });
        await expect.poll(async () => (await body(page)).includes("採購申請本身的處理見 [[EXE-003]]。采购须留痕。"), WAIT).toBe(true);
      });
      const events = await page.evaluate(() => (window as unknown as { imeEvents: string[] }).imeEvents);
      expect(events[0]).toBe("compositionstart:");
      expect(events).toContain("compositionend:采购须留痕。");
      const afterIme = await body(page);
      expect(afterIme).not.toContain("caigou");
      // Nothing else was rewritten: the document links, the table and the flowchart are as they were.
      expect(afterIme.split("\n").filter((l) => !afterRow.includes(l))).toEqual(["本規程適用於恆遠集團以集團名義簽訂的全部採購合同，包括貨物採購、服務採購及框架協議。採購申請本身的處理見 [[EXE-003]]。采购须留痕。"]);

      // Typed and saved at once, before the editor's own pause has passed: the save still carries it.
      await step(page, "rich-save", async () => {
        await page.keyboard.insertText("即刻保存。");
        await Promise.all([page.waitForURL(/\/proposals\/[^/]+\?done=saved/), page.click("button[name=intent][value=save]")]);
      });
      const saved = await (await page.context().request.get(`${server.url}/proposals/${id}/edit`)).text();
      expect(saved).toContain("采购须留痕。即刻保存。");
      expect(saved).toContain("| | | | |");
      expect(consoleErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("draws a flowchart from the toolbar, shows a broken one's error to the editor and the source to readers", async () => {
    const { page, context, consoleErrors } = await editorSession();
    try {
      const id = await draftOf(page, "EXE-001", "Flowchart of the revision steps");
      await step(page, "flow-open", () => openRich(page, id));
      await step(page, "flow-insert", async () => {
        await page.locator(".rich-root h2").last().click();
        await page.keyboard.press("End");
        await page.keyboard.press("Enter");
        await page.click("[data-command=mermaid]");
        await page.waitForSelector(".rich-mermaid .rich-diagram-preview svg", WAIT);
      });
      await expect.poll(async () => body(page), WAIT).toContain("```mermaid\nflowchart TD\n  A[Start] --> B{Check}");
      // The server-rendered preview beside the editor draws it as well.
      await step(page, "flow-preview", () => page.waitForSelector(".md-preview .diagram-svg svg", WAIT));

      await step(page, "flow-broken", async () => {
        await page.locator(".rich-mermaid code").click();
        await page.keyboard.press("End");
        await page.keyboard.type("\n  C --> -->");
        await page.waitForSelector(".rich-mermaid .diagram-error[role=alert]", WAIT);
        await page.waitForSelector(".md-preview .diagram-error[role=alert]", WAIT);
      });
      expect(await page.textContent(".md-preview .diagram-error")).toContain("此流程图无法绘制");

      await step(page, "flow-save", () => Promise.all([page.waitForURL(/\/proposals\/[^/]+\?done=saved/), page.click("button[name=intent][value=save]")]));
      // On the proposal page (as readers see it) the broken diagram keeps its source and a note, never a blank.
      await page.click(".preview-details summary");
      await step(page, "flow-reader-fallback", () => page.waitForSelector(".preview-details .diagram-note[role=note]", WAIT));
      expect(await page.textContent(".preview-details .diagram-note[role=note]")).toContain("此流程图无法绘制");
      expect(await page.isVisible(".preview-details pre.diagram-source")).toBe(true);
      expect(consoleErrors.filter((e) => !/Syntax error|Parse error|mermaid/i.test(e))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("pastes an image: it is uploaded to the draft and its markdown inserted", async () => {
    const { page, context, consoleErrors } = await editorSession();
    try {
      const id = await draftOf(page, "EXE-002", "Screenshot of the service desk form");
      await step(page, "paste-open", () => openRich(page, id));
      const png = new PNG({ width: 8, height: 8 });
      png.data.fill(200);
      const b64 = PNG.sync.write(png).toString("base64");
      await page.locator(".rich-root p").first().click();
      await step(page, "paste-image", async () => {
        await page.locator(".rich-root [contenteditable=true]").evaluate((el, data) => {
          const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
          const dt = new DataTransfer();
          dt.items.add(new File([bytes], "服務台截圖.png", { type: "image/png" }));
          el.dispatchEvent(new ClipboardEvent("paste", { clipboardData: dt, bubbles: true, cancelable: true }));
        }, b64);
        await expect.poll(async () => body(page), WAIT).toMatch(/!\[[^\]]*\]\(attachments\/[^)]*\.png\)/);
      });
      expect(await page.textContent(".rich-message")).toContain("已附加");
      await step(page, "paste-save", () => Promise.all([page.waitForURL(/\/proposals\/[^/]+\?done=saved/), page.click("button[name=intent][value=save]")]));
      expect(consoleErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe("diagrams for readers", () => {
  it("draws flowcharts on the document page, the formatted diff and the print view; mermaid loads only there", async () => {
    const { page, context, consoleErrors } = await editorSession();
    try {
      const scripts: string[] = [];
      page.on("request", (r) => {
        if (r.resourceType() === "script") scripts.push(r.url());
      });
      await page.goto(`${server.url}/docs/EXE-001`);
      await page.waitForLoadState("networkidle");
      expect(scripts.filter((s) => /mermaid|rich-editor/.test(s))).toEqual([]);

      scripts.length = 0;
      await page.goto(`${server.url}/docs/EXE-006`);
      await step(page, "doc-diagram", () => page.waitForSelector(".diagram-drawn .diagram-svg svg", WAIT));
      expect(scripts.some((s) => /mermaid\.client/.test(s))).toBe(true);
      expect(scripts.filter((s) => /rich-editor/.test(s))).toEqual([]);
      expect(await page.isVisible("figure.diagram pre.diagram-source")).toBe(false);
      expect(await page.textContent(".diagram-svg svg")).toContain("Preserve evidence");

      await page.goto(`${server.url}/docs/APR-005/diff?from=2&to=3&view=formatted`);
      await step(page, "diff-diagram", () => page.waitForSelector(".fd .diagram-svg svg", WAIT));

      await page.goto(`${server.url}/docs/APR-005/print`);
      await step(page, "print-diagram", () => page.waitForSelector(".print-body .diagram-svg svg", WAIT));
      expect(consoleErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("without JavaScript the page shows the diagram's source with a note", async () => {
    const s = await newPage(browser, { locale: "zh-CN", javaScriptEnabled: false });
    try {
      await loginInBrowser(s.page, server.url, "staff");
      await s.page.goto(`${server.url}/docs/APR-005`);
      expect(await s.page.isVisible("figure.diagram pre.diagram-source")).toBe(true);
      expect(await s.page.textContent("figure.diagram figcaption")).toContain("启用 JavaScript 后将绘制为图形");
    } finally {
      await s.context.close();
    }
  });
});

describe("at 390 px", () => {
  it("the rich editor's toolbar wraps and the page does not scroll sideways; diagrams fit the column", async () => {
    const { page, context, consoleErrors } = await editorSession(390);
    try {
      const id = await draftOf(page, "EXE-006", "Phone edit");
      await step(page, "phone-rich", () => openRich(page, id));
      await page.waitForSelector(".rich-diagram-preview svg", WAIT);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);

      await page.goto(`${server.url}/docs/EXE-006`);
      await step(page, "phone-diagram", () => page.waitForSelector(".diagram-svg svg", WAIT));
      const box = await page.locator(".diagram-svg svg").boundingBox();
      expect(box!.width).toBeLessThanOrEqual(390);
      expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
      expect(consoleErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("on a touch screen, the table buttons act on the tapped cell's column and row, with rows scrolled under the toolbar", async () => {
    // A phone: touch events, a mobile viewport; taps are made at screen points, as a finger does,
    // so whatever is drawn on top at that point takes them.
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: "zh-CN" });
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on("console", (m) => (m.type() === "error" ? consoleErrors.push(m.text()) : undefined));
    try {
      await loginInBrowser(page, server.url, "editor");
      const id = await draftOf(page, "EXE-006", "Severity table on a phone");
      await step(page, "touch-open", () => openRich(page, id));
      const table = async () => (await body(page)).split("\n").filter((l) => l.startsWith("|") && !l.startsWith("|-") && !l.startsWith("|:"));
      const row = (label: string) => page.locator(".rich-root table tr", { hasText: label });
      const tap = async (selector: string | ReturnType<Page["locator"]>) => {
        const target = typeof selector === "string" ? page.locator(selector) : selector;
        const b = (await target.boundingBox())!;
        await page.touchscreen.tap(b.x + Math.min(b.width / 2, 24), b.y + Math.min(b.height / 2, 16));
      };
      /**
       * Taps a table cell and waits until the editor's cursor is in it, as a person sees the cursor
       * there before reaching for a button (the editor takes the selection from the tap a moment later).
       */
      const tapCell = async (cell: ReturnType<Page["locator"]>) => {
        await tap(cell);
        await expect.poll(() => cell.evaluate((el) => el.contains(window.getSelection()?.anchorNode ?? null)), WAIT).toBe(true);
      };
      /** Scrolls the page so that `cell` is 330 px from the top: the rows above it sit under the header and the toolbar. */
      const bring = (cell: ReturnType<Page["locator"]>) => cell.evaluate((el) => window.scrollBy(0, el.getBoundingClientRect().top - 330));
      /** The buttons a tap at their centre does not reach (something else is drawn on top there). */
      const unreachable = () =>
        page.evaluate(() =>
          [...document.querySelectorAll<HTMLElement>(".rich-toolbar button")]
            .filter((b) => {
              const r = b.getBoundingClientRect();
              return !b.contains(document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2));
            })
            .map((b) => b.dataset.command),
        );

      // Remove the column of a tapped cell ("First response", the third).
      const firstResponse = row("Sev 2").locator("td").nth(2);
      await bring(firstResponse);
      expect(await unreachable()).toEqual([]);
      await step(page, "touch-col", async () => {
        await tapCell(firstResponse);
        await tap("[data-command=rowAdd]");
        // The new row comes after the tapped one, and the cursor stays in the tapped column.
        await expect.poll(table, WAIT).toEqual(expect.arrayContaining(["| | | | |"]));
        await tap("[data-command=colRemove]");
        await expect.poll(async () => (await table())[0], WAIT).toBe("| Severity | Description | Target resolution |");
      });
      expect(await table()).toEqual([
        "| Severity | Description | Target resolution |",
        "| Sev 1 | A core system is down for many users, or confirmed data leak | 4 hours |",
        "| Sev 2 | A core system is degraded, or a suspected data leak | 1 working day |",
        "| | | |",
        "| Sev 3 | One team or one non-core system affected | 3 working days |",
        "| Sev 4 | Minor issue with a workaround | 5 working days |",
      ]);

      // Remove the row of a tapped cell, then the empty row added above.
      const sev3 = row("Sev 3").locator("td").nth(1);
      await bring(sev3);
      expect(await unreachable()).toEqual([]);
      await step(page, "touch-row", async () => {
        await tapCell(sev3);
        await tap("[data-command=rowRemove]");
        await expect.poll(async () => (await table()).some((l) => l.startsWith("| Sev 3")), WAIT).toBe(false);
        const empty = page.locator(".rich-root table tr").nth(3).locator("td").nth(1);
        await bring(empty);
        await tapCell(empty);
        await tap("[data-command=rowRemove]");
        await expect.poll(async () => (await table()).length, WAIT).toBe(4);
      });
      expect(await table()).toEqual([
        "| Severity | Description | Target resolution |",
        "| Sev 1 | A core system is down for many users, or confirmed data leak | 4 hours |",
        "| Sev 2 | A core system is degraded, or a suspected data leak | 1 working day |",
        "| Sev 4 | Minor issue with a workaround | 5 working days |",
      ]);

      // A column added after a tapped cell lands beside it, and a tap in it removes that one.
      await step(page, "touch-col-add", async () => {
        const description = row("Sev 1").locator("td").nth(1);
        await bring(description);
        await tapCell(description);
        await tap("[data-command=colAdd]");
        await expect.poll(async () => (await table())[0], WAIT).toBe("| Severity | Description | | Target resolution |");
        const added = row("Sev 4").locator("td").nth(2);
        await bring(added);
        await tapCell(added);
        await tap("[data-command=colRemove]");
        await expect.poll(async () => (await table())[0], WAIT).toBe("| Severity | Description | Target resolution |");
      });
      expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
      expect(consoleErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
