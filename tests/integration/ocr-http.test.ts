/**
 * Search inside attachments over HTTP against the built portal: a document is
 * revised through a proposal that attaches a scanned PDF (pages rendered by
 * the test, no text layer); after approval the OCR queue reads it in the
 * background (the test polls the queue's state in /healthz), then a phrase
 * that exists only on page 2 of that scan finds the document — the hit names
 * the attachment and the page and links to it — for a reader who may read
 * the document, and not for one who may not. The admin page shows the
 * progress in both languages at 390 px. A portal stopped in the middle of a
 * file resumes it at the next start without reading any page twice.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signIn, type Client } from "../helpers/client";
import { healthDetails, type RunningServer } from "../helpers/server";
import { createWorld, useWorldInProcess, type World } from "../helpers/world";
import { launchBrowser, loginInBrowser } from "../helpers/browser";
import { publishTestDoc } from "./search-fixtures";
import { scannedPdf } from "../fixtures/scanned-pages";
import { pdf } from "../fixtures/attachment-files";
import { apiRequest, apiToken } from "../helpers/api";

const PASSWORD = "demo1234";
let world: World;
let server: RunningServer;
let number = "";
let second = "";
const BODY = "## 目的\n\n设备点检记录的纸质原件扫描后作为附件归档。\n\nPaper inspection records are scanned and attached.";
const PHRASE = "冷却塔填料更换";

interface OcrHealth {
  available: boolean;
  queued: number;
  files: number;
  ocrPages: number;
  current: { page: number | null; pages: number | null } | null;
  reason?: string;
}

async function ocrHealth(): Promise<OcrHealth> {
  const { body } = await healthDetails(server);
  return body.checks.ocr as unknown as OcrHealth;
}

/** Polls the queue's state until `done` says so; bounded by the work (each poll sees progress or the test's own timeout ends it). */
async function until(done: (h: OcrHealth) => boolean): Promise<OcrHealth> {
  for (;;) {
    const h = await ocrHealth();
    if (done(h)) return h;
    await new Promise((r) => setTimeout(r, 200));
  }
}

const api = (token: string, method: string, path: string, body?: unknown) => apiRequest(server.url, token, method, path, body);

/** Revises `doc` through a proposal that attaches `file`, approved by the department head (published at once). */
async function reviseWithAttachment(doc: string, name: string, file: Buffer, body: string) {
  const editor = await signIn(server.url, "editor");
  const editorToken = await apiToken(editor);
  const approverToken = await apiToken(await signIn(server.url, "approver"));
  const created = await api(editorToken, "POST", "/api/v1/proposals", { kind: "revision", number: doc, change: "minor", summary: "附扫描件", body });
  expect(created.status).toBe(201);
  const id = created.body.proposal.id as string;
  await editor.get(`/proposals/${id}/attachments`);
  const upload = await editor.postFiles(`/proposals/${id}/attachments`, { intent: "upload" }, [{ name, data: file, field: "file" }]);
  expect([302, 303]).toContain(upload.status);
  expect((await api(editorToken, "POST", `/api/v1/proposals/${id}/submit`)).status).toBe(200);
  const approved = await api(approverToken, "POST", `/api/v1/proposals/${id}/approve`, { password: PASSWORD });
  expect(approved.body).toMatchObject({ result: "published" });
}

beforeAll(async () => {
  world = await createWorld();
  await useWorldInProcess(world);
  // Department documents of Operations: staff (Operations) may read them, itstaff (IT) may not.
  number = (await publishTestDoc({ title: "设备点检记录归档规定", body: BODY, confidentiality: "department", ownerDepartment: "ops" })).number;
  second = (await publishTestDoc({ title: "消防设施检查记录归档", body: BODY, confidentiality: "department", ownerDepartment: "ops" })).number;
  server = await world.server();
});
afterAll(async () => world?.cleanup());

describe("a phrase that exists only inside a scanned PDF", () => {
  it("is found after the OCR job, with the attachment and page named, and only by readers who may read the document", async () => {
    const before = await ocrHealth();
    expect(before.available).toBe(true);
    const scan = await scannedPdf([
      ["设备点检记录 第一页", "Equipment inspection record, page one"],
      [`${PHRASE}记录`, "Cooling tower fill replacement record"],
    ]);
    await reviseWithAttachment(number, "2019年点检记录扫描件.pdf", scan, `${BODY}\n\n附件为2019年纸质记录的扫描件。`);

    const after = await until((h) => h.queued === 0 && h.files > before.files);
    expect(after.ocrPages).toBe(before.ocrPages + 2);

    const staffToken = await apiToken(await signIn(server.url, "staff"));
    const found = await api(staffToken, "GET", `/api/v1/search?q=${encodeURIComponent(PHRASE)}`);
    expect(found.status).toBe(200);
    expect(found.body.hits.map((h: { number: string }) => h.number)).toEqual([number]);
    const hit = found.body.hits[0];
    expect(hit.attachment).toMatchObject({ name: "2019年点检记录扫描件.pdf", locator: { kind: "page", value: "2" } });
    expect(hit.url).toBe(`/docs/${number}/v/2/attachments/${encodeURIComponent("2019年点检记录扫描件.pdf")}#page=2`);
    expect(hit.snippetHtml).toContain("<mark>");

    // The results page says where (in the reader's language) and links to the file at the page.
    const staff = await signIn(server.url, "staff", { lang: "zh-CN" });
    const page = await staff.get(`/search?q=${encodeURIComponent(PHRASE)}`);
    expect(page.text_).toContain("见附件 2019年点检记录扫描件.pdf 第 2 页");
    expect(page.text_).toContain(`href="/docs/${number}/v/2/attachments/${encodeURIComponent("2019年点检记录扫描件.pdf")}#page=2"`);
    const file = await staff.get(hit.url.split("#")[0]);
    expect(file.status).toBe(200);

    // A reader of another department sees nothing: not the hit, not a count.
    const itToken = await apiToken(await signIn(server.url, "itstaff"));
    const hidden = await api(itToken, "GET", `/api/v1/search?q=${encodeURIComponent(PHRASE)}`);
    expect(hidden.body.total).toBe(0);
    const english = await api(itToken, "GET", `/api/v1/search?q=${encodeURIComponent('"cooling tower fill"')}`);
    expect(english.body.total).toBe(0);
    expect((await api(staffToken, "GET", `/api/v1/search?q=${encodeURIComponent('"cooling tower fill"')}`)).body.hits[0]?.number).toBe(number);
  });

  it("shows the progress and the file read on the admin page, in Chinese and English, at 390 px", async () => {
    const browser = await launchBrowser();
    try {
      for (const locale of ["zh-CN", "en"] as const) {
        const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale });
        await context.addCookies([{ name: "regula_lang", value: locale, url: server.url }]);
        const page = await context.newPage();
        await loginInBrowser(page, server.url, "admin");
        await page.goto(`${server.url}/admin/attachment-text`);
        const recent = await page.locator("[data-testid=ocr-recent]").innerText();
        expect(recent).toContain("2019年点检记录扫描件.pdf");
        expect(recent).toContain(locale === "en" ? "2 by OCR" : "2 页经文字识别");
        expect(await page.locator("[data-testid=ocr-available]").count()).toBe(1);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(overflow).toBeLessThanOrEqual(0);
        await context.close();
      }
    } finally {
      await browser.close();
    }
  });
});

describe("a restart in the middle of a scanned file", () => {
  it("resumes at the next page and reads no page twice", async () => {
    const pages = [1, 2, 3, 4].map((n) => [`消防设施检查记录 第${n}页`, `Fire equipment check, page ${n}`]);
    pages[3] = ["应急照明灯月度测试记录", "Emergency lighting monthly test"];
    const scan = await scannedPdf(pages);
    const before = await ocrHealth();
    await reviseWithAttachment(second, "消防检查扫描件.pdf", scan, `${BODY}\n\n附消防检查记录扫描件。`);
    // Stop once the first page of the file is read and the next one is under way.
    await until((h) => h.ocrPages >= before.ocrPages + 1 && h.current !== null);
    await server.stop();

    server = await world.server();
    const after = await until((h) => h.queued === 0 && h.files > before.files);
    // Four pages, each read once (the page cut off by the stop was not finished, so it is not counted twice).
    expect(after.ocrPages).toBe(before.ocrPages + 4);
    const staffToken = await apiToken(await signIn(server.url, "staff"));
    const found = await api(staffToken, "GET", `/api/v1/search?q=${encodeURIComponent("应急照明灯月度测试")}`);
    expect(found.body.hits[0]).toMatchObject({ number: second, attachment: { name: "消防检查扫描件.pdf", locator: { kind: "page", value: "4" } } });
  });
});

describe("a portal without Tesseract", () => {
  it("says so in /healthz details, skips OCR of scanned pages, and still indexes text layers", async () => {
    await server.stop();
    server = await world.server({ TESSERACT: "/nonexistent/tesseract" });
    const health = await healthDetails(server);
    expect(health.status).toBe(200);
    const ocr = health.body.checks.ocr as unknown as OcrHealth;
    expect(ocr).toMatchObject({ ok: true, available: false, reason: "Tesseract is not installed" });

    const before = await ocrHealth();
    const scan = await scannedPdf([["锅炉水质化验记录", "Boiler water test record"]]);
    await reviseWithAttachment(number, "水质化验.pdf", scan, `${BODY}\n\n附水质化验记录。`);
    await reviseWithAttachment(second, "pressure-vessel-log.pdf", await pdf(["Pressure vessel inspection logbook, quarterly"]), `${BODY}\n\n附压力容器检查记录。`);
    const after = await until((h) => h.queued === 0 && h.files >= before.files + 2);
    expect(after.ocrPages).toBe(before.ocrPages);

    const staffToken = await apiToken(await signIn(server.url, "staff"));
    const text = await api(staffToken, "GET", `/api/v1/search?q=${encodeURIComponent('"pressure vessel inspection logbook"')}`);
    expect(text.body.hits[0]).toMatchObject({ number: second, attachment: { name: "pressure-vessel-log.pdf", locator: { kind: "page", value: "1" } } });
    expect((await api(staffToken, "GET", `/api/v1/search?q=${encodeURIComponent("锅炉水质化验记录")}`)).body.total).toBe(0);

    const admin = await signIn(server.url, "admin", { lang: "zh-CN" });
    const page = await admin.get("/admin/attachment-text");
    expect(page.text_).toContain("文字识别不可用");
    expect(page.text_).toContain("1 个扫描页未识别");
  });
});
