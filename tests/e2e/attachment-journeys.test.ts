/**
 * Journeys of issue 14 in a real browser (Debian's Chromium through
 * playwright-core), every file made by the test itself:
 *  a. an editor attaches a form (.xlsx, exceljs) and a scanned record (pages
 *     rendered to images, wrapped in a PDF without a text layer) to a
 *     proposal through the file chooser and submits it; the department head
 *     signs; a reader opens the document, sees both attachments and downloads
 *     a stamped controlled copy of the scan (the stamp read back with pdftotext);
 *  b. an image pasted into the rich editor is uploaded as an attachment, shows
 *     in the editor and, once approved, on the published page;
 *  c. a flowchart typed as a ```mermaid block in the text: the broken first
 *     attempt shows the parser's error in the live preview, the fixed one is
 *     drawn; published, readers see the diagram, and without JavaScript its
 *     source with a note;
 *  d. a revision by uploading a Word file (.docx, `docx`) as the proposal's new
 *     text: the proposal's diff marks the one article that changed;
 *  e. a phrase that exists only on page 2 of the scan of journey a is found
 *     once the background OCR has read it, naming the attachment and the page,
 *     by a reader of the owning department, and by nobody else.
 * Journey e runs last so the OCR of the scan (seconds per page) overlaps
 * journeys b–d.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Document, HeadingLevel, Packer, Paragraph } from "docx";
import ExcelJS from "exceljs";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { chromiumAvailable, launchBrowser, signedInSession, step, type BrowserSession } from "../helpers/browser";
import { healthDetails, type RunningServer } from "../helpers/server";
import { createWorld, useWorldInProcess, type World } from "../helpers/world";
import { scaled } from "../helpers/time";
import { scannedPdf } from "../fixtures/scanned-pages";
import { publishTestDoc } from "../integration/search-fixtures";

const WAIT = { timeout: scaled(30_000) };
const PHRASE = "冷却塔填料更换";
const SCAN = "2019年点检记录扫描件.pdf";
const FORM = "设备点检表.xlsx";

let world: World;
let server: RunningServer;
let browser: Browser;
/** A department document of Operations: staff (Operations) may read it, itstaff (IT) may not. */
let archive = "";
/** An internal procedure revised through Word in journey d. */
let inspection = "";
let scanBytes: Buffer;
/** Set once journey a has published the scan that journey e searches. */
let scanPublished = false;

const ARCHIVE_BODY = "# 设备点检记录归档规定\n\n## 第一条 目的\n\n设备点检记录的纸质原件须扫描后作为附件归档。\n\n## 第二条 范围\n\n适用于运营部管理的全部动力设备。\n";
const INSPECTION_ARTICLES = [
  ["第一条 适用范围", "本规程适用于仓库收到的原材料和外购件。"],
  ["第二条 检验时限", "来料须在收货后 48 小时内完成检验。"],
  ["第三条 记录", "检验结果记入来料检验台账，保存三年。"],
];
const inspectionBody = (articles: string[][]) => `# 来料检验规程\n\n${articles.map(([h, p]) => `## ${h}\n\n${p}\n`).join("\n")}`;

beforeAll(async () => {
  if (!chromiumAvailable()) throw new Error("Chromium is missing: .ci/run installs it with apt-get install chromium");
  world = await createWorld();
  await useWorldInProcess(world);
  archive = (await publishTestDoc({ title: "设备点检记录归档规定", body: ARCHIVE_BODY, confidentiality: "department", ownerDepartment: "ops" })).number;
  inspection = (await publishTestDoc({ title: "来料检验规程", body: inspectionBody(INSPECTION_ARTICLES), type: "procedure", ownerDepartment: "ops" })).number;
  // Two scanned pages; the phrase is only on the second, only as pixels.
  scanBytes = await scannedPdf([
    ["设备点检记录 第一页", "Equipment inspection record, page one"],
    [`${PHRASE}记录`, "Cooling tower fill replacement record"],
  ]);
  server = await world.server({ REGULA_NO_SCHEDULER: "1" });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await world?.cleanup();
});

type Session = BrowserSession;

const signedIn = (username: string, options: { javaScriptEnabled?: boolean } = {}) => signedInSession(browser, server.url, username, { locale: "zh-CN", ...options });

const text = async (page: Page, selector: string) => ((await page.locator(selector).first().textContent()) ?? "").replace(/\s+/g, " ").trim();

/** Starts a minor revision from the document page; answers the proposal's path. */
async function propose(page: Page, number: string, summary: string, body?: (current: string) => string): Promise<string> {
  await page.goto(`${server.url}/docs/${number}`);
  await Promise.all([page.waitForURL(`**/docs/${number}/propose`), page.click(`.doc-tabs a[href="/docs/${number}/propose"]`)]);
  await page.fill("#summary", summary);
  if (body) await page.fill("#body-editor", body(await page.inputValue("#body-editor")));
  await Promise.all([page.waitForURL(/\/proposals\/P-\d+$/), page.click('button[name="intent"][value="create"]')]);
  return new URL(page.url()).pathname;
}

/** Chooses a file through the file chooser an <input type=file> opens, as a person does. */
async function chooseFile(page: Page, input: string, file: { name: string; mimeType: string; buffer: Buffer }) {
  const [chooser] = await Promise.all([page.waitForEvent("filechooser"), page.click(input)]);
  await chooser.setFiles(file);
}

async function submit(page: Page) {
  await Promise.all([page.waitForURL(/done=submit/), page.click('button[name="intent"][value="submit"]')]);
  await page.locator(".form-ok", { hasText: "已提交审批。" }).waitFor();
}

/** The department head finds the proposal in the inbox and signs it with the password (published at once). */
async function approveFromInbox(proposalPath: string): Promise<void> {
  const s = await signedIn("approver");
  const { page } = s;
  try {
    const id = proposalPath.split("/").pop()!;
    await step(page, `approve-${id}`, async () => {
      await page.goto(`${server.url}/inbox`);
      await Promise.all([page.waitForURL(`**${proposalPath}`), page.locator(".inbox-item a.proposal-id", { hasText: id }).click()]);
      await page.fill("#password", "demo1234");
      await Promise.all([page.waitForURL(/done=published/), page.click(".decide-panel form:has(#password) button[type=submit]")]);
      await page.locator(".form-ok", { hasText: "已批准并发布。" }).waitFor();
    });
    expect(s.consoleErrors).toEqual([]);
  } finally {
    await s.context.close();
  }
}

async function formXlsx(): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet("点检表");
  sheet.addRow(["设备编号", "点检项目", "结果", "点检人"]);
  sheet.addRow(["CT-01", "冷却塔风机振动", "", ""]);
  sheet.addRow(["CT-02", "冷却塔水位", "", ""]);
  return Buffer.from(await book.xlsx.writeBuffer());
}

describe("journey a: a form and a scanned record attached, approved, read and copied", () => {
  it("is attached through the file chooser, signed by the head, and the reader downloads a stamped copy of the scan", async () => {
    let editor: Session | undefined;
    let reader: Session | undefined;
    try {
      editor = await signedIn("editor");
      const ep = editor.page;
      const proposalPath = await step(ep, "a-propose", () => propose(ep, archive, "附点检表和2019年点检记录扫描件"));
      await step(ep, "a-files", async () => {
        await Promise.all([ep.waitForURL(`**${proposalPath}/files`), ep.click(".attachment-changes h3 a")]);
      });
      for (const file of [
        { name: FORM, mimeType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buffer: await formXlsx() },
        { name: SCAN, mimeType: "application/pdf", buffer: scanBytes },
      ]) {
        await step(ep, `a-upload-${file.name}`, async () => {
          await chooseFile(ep, "#attach-file", file);
          await Promise.all([ep.waitForURL(/\?added=/), ep.click("form:has(#attach-file) button[type=submit]")]);
          await ep.locator(".banner-ok", { hasText: `已添加 ${file.name}。` }).waitFor();
        });
      }
      expect(await ep.locator(".attachment-list .attachment-name").allTextContents()).toEqual(expect.arrayContaining([FORM, SCAN]));

      // Back on the proposal: both files are listed as added, with their type.
      await step(ep, "a-back", async () => {
        await Promise.all([ep.waitForURL(`**${proposalPath}`), ep.click(`a[href="${proposalPath}"]:has-text("${proposalPath.split("/").pop()}")`)]);
      });
      const changes = ep.locator(".attachment-change.added");
      await expect.poll(() => changes.count(), WAIT).toBe(2);
      expect(await text(ep, ".attachment-change.added:has-text('.pdf')")).toContain(`${SCAN}`);
      expect(await text(ep, ".attachment-change.added:has-text('.pdf')")).toContain("application/pdf");
      expect(await text(ep, ".attachment-change.added:has-text('.xlsx')")).toContain("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
      await step(ep, "a-submit", () => submit(ep));
      expect(editor.consoleErrors).toEqual([]);

      await approveFromInbox(proposalPath);

      reader = await signedIn("staff");
      const rp = reader.page;
      await step(rp, "a-read", async () => {
        await rp.goto(`${server.url}/docs/${archive}`);
        await rp.locator(".doc-attachments").waitFor();
      });
      expect(await text(rp, "#attachments-heading")).toBe("第 2 版的附件");
      expect(await rp.locator(".doc-attachments .attachment-name").allTextContents()).toEqual(expect.arrayContaining([FORM, SCAN]));
      // Only PDF and Word files have a controlled copy; the spreadsheet does not.
      const scanRow = rp.locator(".doc-attachments li.attachment", { hasText: SCAN });
      const formRow = rp.locator(".doc-attachments li.attachment", { hasText: FORM });
      expect(await formRow.locator("a", { hasText: "受控副本" }).count()).toBe(0);
      const download = await step(rp, "a-controlled", async () => {
        const [d] = await Promise.all([rp.waitForEvent("download"), scanRow.locator("a", { hasText: "受控副本" }).click()]);
        return d;
      });
      expect(download.suggestedFilename()).toBe(`2019年点检记录扫描件 (${archive} v2 controlled).pdf`);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "regula-copy-"));
      try {
        const file = path.join(dir, "copy.pdf");
        await download.saveAs(file);
        const pages = execFileSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" }).split("\f").filter((p) => p.trim());
        // Every page of the scan carries the stamp: number, version, the notice and the reader.
        expect(pages).toHaveLength(2);
        for (const stamped of pages) {
          expect(stamped).toMatch(/CONTROLLED COPY|受控副本/);
          expect(stamped).toContain(archive);
          expect(stamped).toMatch(/v2|第 2 版/);
          expect(stamped).toContain("staff");
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
      expect(reader.consoleErrors).toEqual([]);
      scanPublished = true;
    } finally {
      await editor?.context.close();
      await reader?.context.close();
    }
  }, scaled(120_000));
});

describe("journey b: an image pasted into the rich editor", () => {
  it("is uploaded as an attachment, shows in the editor and on the published page", async () => {
    const number = "MON-005";
    let editor: Session | undefined;
    let reader: Session | undefined;
    try {
      editor = await signedIn("editor");
      const ep = editor.page;
      const proposalPath = await step(ep, "b-propose", () => propose(ep, number, "附监控看板截图"));
      await step(ep, "b-rich", async () => {
        await ep.goto(`${server.url}${proposalPath}/edit`);
        await ep.click(".md-mode button:nth-child(2)");
        await ep.waitForSelector(".rich-editor[data-ready] [contenteditable=true]", WAIT);
      });
      const png = new PNG({ width: 40, height: 24 });
      for (let i = 0; i < png.data.length; i += 4) png.data.set([30, 110, 180, 255], i);
      // The caret at the end of the opening paragraph, where the screenshot belongs.
      await ep.locator(".rich-root p").first().click();
      await ep.locator(".rich-root p").first().evaluate((p) => {
        const range = document.createRange();
        range.selectNodeContents(p);
        range.collapse(false);
        window.getSelection()!.removeAllRanges();
        window.getSelection()!.addRange(range);
      });
      await step(ep, "b-paste", async () => {
        // What a browser hands the page when a screenshot is pasted: a paste event carrying an image file.
        await ep.locator(".rich-root [contenteditable=true]").evaluate((el, data) => {
          const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
          const dt = new DataTransfer();
          dt.items.add(new File([bytes], "监控看板截图.png", { type: "image/png" }));
          el.dispatchEvent(new ClipboardEvent("paste", { clipboardData: dt, bubbles: true, cancelable: true }));
        }, PNG.sync.write(png).toString("base64"));
        await ep.locator(".rich-message", { hasText: "已附加" }).waitFor(WAIT);
        // The image is drawn in the editor from the draft's attachment.
        await expect.poll(() => ep.locator(".rich-root img[src*='attachments/']").evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), WAIT).toBe(40);
      });
      // The markdown the form sends follows the editor (written out as the editor settles).
      const pastedName = async () => {
        const snippet = /!\[[^\]]*\]\(<?attachments\/([^)>]+)>?\)/.exec(await ep.inputValue("textarea[name=body]"));
        return decodeURIComponent(snippet?.[1] ?? "");
      };
      await expect.poll(pastedName, WAIT).toBe("监控看板截图.png");
      await step(ep, "b-save", () => Promise.all([ep.waitForURL(/\/proposals\/[^/]+\?done=saved/), ep.click("button[name=intent][value=save]")]));
      expect(await text(ep, ".attachment-changes")).toContain("监控看板截图.png");
      // The proposal's diff shows the image itself, served from the draft (what the approver will see).
      const inDiff = ep.locator(".fd img[src*='attachments/']");
      expect(decodeURIComponent((await inDiff.getAttribute("src")) ?? "")).toBe(`${proposalPath}/attachments/监控看板截图.png`);
      await expect.poll(() => inDiff.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth), WAIT).toBe(40);
      await step(ep, "b-submit", () => submit(ep));
      expect(editor.consoleErrors).toEqual([]);

      await approveFromInbox(proposalPath);

      reader = await signedIn("staff");
      const rp = reader.page;
      await step(rp, "b-read", async () => {
        await rp.goto(`${server.url}/docs/${number}`);
        await rp.locator(".markdown img").first().waitFor();
      });
      const img = rp.locator(".markdown img").first();
      // Served from the published version's attachments, not the draft's.
      expect(decodeURIComponent((await img.getAttribute("src")) ?? "")).toMatch(new RegExp(`^/docs/${number}/v/\\d+/attachments/监控看板截图\\.png$`));
      await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth), WAIT).toBe(40);
      expect(await rp.locator(".doc-attachments .attachment-name", { hasText: "监控看板截图.png" }).count()).toBe(1);
      expect(reader.consoleErrors).toEqual([]);
    } finally {
      await editor?.context.close();
      await reader?.context.close();
    }
  }, scaled(120_000));
});

describe("journey c: a flowchart written in the text", () => {
  it("shows a broken diagram's error to the editor, draws the fixed one live, and readers see it drawn (or its source without JavaScript)", async () => {
    const number = "INI-005";
    let editor: Session | undefined;
    let reader: Session | undefined;
    let plain: Session | undefined;
    try {
      editor = await signedIn("editor");
      const ep = editor.page;
      await step(ep, "c-open", async () => {
        await ep.goto(`${server.url}/docs/${number}/propose`);
        await ep.fill("#summary", "增加立项审批流程图");
      });
      await step(ep, "c-type-broken", async () => {
        await ep.click("#body-editor");
        await ep.keyboard.press("Control+End");
        await ep.keyboard.type("\n## 立项审批流程\n\n```mermaid\nflowchart TD\n  A[提交立项申请] --> B{预算超过五十万?}\n  B -->|是| C[总经理审批]\n  B -->|否| D[部门负责人审批]\n  C --> -->");
        await ep.locator(".md-preview .diagram-error[role=alert]").waitFor(WAIT);
      });
      expect(await text(ep, ".md-preview .diagram-error")).toContain("此流程图无法绘制");
      await step(ep, "c-fix", async () => {
        // Select the broken line and write it again.
        await ep.keyboard.press("Shift+Home");
        await ep.keyboard.type("  C --> E[立项登记]\n  D --> E\n```\n");
        await ep.locator(".md-preview .diagram-svg svg").waitFor(WAIT);
      });
      expect(await ep.locator(".md-preview .diagram-error").count()).toBe(0);
      expect(await text(ep, ".md-preview .diagram-svg svg")).toContain("总经理审批");
      const proposalPath = await step(ep, "c-save", async () => {
        await Promise.all([ep.waitForURL(/\/proposals\/P-\d+$/), ep.click('button[name="intent"][value="create"]')]);
        return new URL(ep.url()).pathname;
      });
      await step(ep, "c-submit", () => submit(ep));
      expect(editor.consoleErrors.filter((e) => !/Syntax error|Parse error|mermaid/i.test(e))).toEqual([]);

      await approveFromInbox(proposalPath);

      reader = await signedIn("staff");
      const rp = reader.page;
      await step(rp, "c-read", async () => {
        await rp.goto(`${server.url}/docs/${number}`);
        await rp.locator(".diagram-drawn .diagram-svg svg").waitFor(WAIT);
      });
      const drawn = await text(rp, ".diagram-drawn .diagram-svg svg");
      for (const label of ["提交立项申请", "总经理审批", "部门负责人审批", "立项登记"]) expect(drawn).toContain(label);
      expect(await rp.isVisible("figure.diagram pre.diagram-source")).toBe(false);
      expect(reader.consoleErrors).toEqual([]);

      plain = await signedIn("staff", { javaScriptEnabled: false });
      await plain.page.goto(`${server.url}/docs/${number}`);
      expect(await plain.page.isVisible("figure.diagram pre.diagram-source")).toBe(true);
      expect(await text(plain.page, "figure.diagram pre.diagram-source")).toContain("C --> E[立项登记]");
      expect(await text(plain.page, "figure.diagram figcaption")).toContain("启用 JavaScript 后将绘制为图形");
    } finally {
      await editor?.context.close();
      await reader?.context.close();
      await plain?.context.close();
    }
  }, scaled(120_000));
});

describe("journey d: a revision uploaded as a Word file", () => {
  it("replaces the draft's text and the proposal's diff marks the article that changed", async () => {
    const revised = INSPECTION_ARTICLES.map(([h, p]) => [h, p.replace("48 小时", "24 小时")]);
    const word = new Document({
      sections: [
        {
          children: [
            new Paragraph({ text: "来料检验规程", heading: HeadingLevel.HEADING_1 }),
            ...revised.flatMap(([h, p]) => [new Paragraph({ text: h, heading: HeadingLevel.HEADING_2 }), new Paragraph({ text: p })]),
          ],
        },
      ],
    });
    const bytes = Buffer.from(await Packer.toBuffer(word));
    const editor = await signedIn("editor");
    const ep = editor.page;
    try {
      const proposalPath = await step(ep, "d-propose", () => propose(ep, inspection, "检验时限缩短为 24 小时"));
      await step(ep, "d-files", () => Promise.all([ep.waitForURL(`**${proposalPath}/files`), ep.click(".attachment-changes h3 a")]));
      await step(ep, "d-word", async () => {
        await chooseFile(ep, "#word-file", { name: "来料检验规程（修订）.docx", mimeType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", buffer: bytes });
        await Promise.all([ep.waitForURL(`**${proposalPath}?**`), ep.click("form:has(#word-file) button[type=submit]")]);
        await ep.locator(".form-ok").waitFor();
      });
      expect(await text(ep, ".form-ok")).toBe("正文已替换为 来料检验规程（修订）.docx；已附加 0 张图片。");
      // One changed article, named in the summary: the one on time limits; its old and new figures are marked.
      expect(await ep.locator(".fd-summary .fd-count summary").allTextContents()).toEqual(["修改 1"]);
      expect(await ep.locator(".fd-summary .fd-entries a").allTextContents()).toEqual(["第二条 检验时限"]);
      const marked = ep.locator(".fd :is(p, li, h1, h2, h3, td):has(ins, del)");
      expect(await marked.count()).toBe(1);
      expect(await text(ep, ".fd :is(p, li, h1, h2, h3, td):has(ins, del)")).toContain("来料须在收货后");
      expect(await ep.locator(".fd ins", { hasText: "24" }).count()).toBe(1);
      expect(await ep.locator(".fd del", { hasText: "48" }).count()).toBe(1);
      expect(await ep.locator(".fd .fd-add, .fd .fd-del").count()).toBe(0);
      // The headings came through Word as headings: the proposed text has the three articles.
      expect(await ep.locator(".preview-details .markdown h2").allTextContents()).toEqual(INSPECTION_ARTICLES.map(([h]) => h));
      expect(editor.consoleErrors).toEqual([]);
    } finally {
      await editor.context.close();
    }
  }, scaled(90_000));
});

interface OcrHealth {
  queued: number;
  current: unknown;
  ocrPages: number;
}

describe("journey e: a phrase only inside the scanned record", () => {
  it("is found after OCR with the attachment and page named, by a reader who may read the document and by no one else", async () => {
    // The background reading of the scan published in journey a: done when the queue is empty
    // (bounded by the work — two pages — and the test's own time limit).
    if (!scanPublished) throw new Error("journey a did not publish the scanned record");
    for (;;) {
      const ocr = (await healthDetails(server)).body.checks.ocr as unknown as OcrHealth;
      if (ocr.queued === 0 && !ocr.current && ocr.ocrPages >= 2) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const searchFor = async (page: Page) => {
      await page.goto(`${server.url}/`);
      await page.click("#header-q");
      await page.keyboard.type(PHRASE);
      await Promise.all([page.waitForURL(/\/search\?q=/), page.keyboard.press("Enter")]);
    };
    const reader = await signedIn("staff");
    const outsider = await signedIn("itstaff");
    try {
      const rp = reader.page;
      await step(rp, "e-search", () => searchFor(rp));
      const hit = rp.locator(".search-hit", { hasText: archive });
      await step(rp, "e-hit", () => hit.waitFor(WAIT));
      expect(await rp.locator(".search-hit").count()).toBe(1);
      expect(await text(rp, ".search-hit .hit-title")).toContain("设备点检记录归档规定");
      expect(await text(rp, ".search-hit [data-testid=hit-attachment]")).toBe(`见附件 ${SCAN} 第 2 页`);
      expect(await hit.locator("mark").first().textContent()).toContain("冷却塔");
      expect(await hit.locator("[data-testid=hit-attachment]").getAttribute("href")).toBe(`/docs/${archive}/v/2/attachments/${encodeURIComponent(SCAN)}#page=2`);

      const op = outsider.page;
      await step(op, "e-outsider", () => searchFor(op));
      expect(await op.locator(".search-hit").count()).toBe(0);
      // Nothing of it on the results page: not the document, not the file.
      const results = await op.locator(".search-page").innerText();
      expect(results).not.toContain(archive);
      expect(results).not.toContain(SCAN);
      expect(results).not.toContain("设备点检记录归档规定");
      for (const s of [reader, outsider]) expect(s.consoleErrors).toEqual([]);
    } finally {
      await reader.context.close();
      await outsider.context.close();
    }
  }, scaled(240_000));
});
