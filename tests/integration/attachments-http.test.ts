/**
 * Attachments over HTTP against the built portal: the upload endpoint (JSON
 * and no-JavaScript form, errors in the reader's language, an upload cut off
 * halfway), serving with the document's access rules and safe headers,
 * controlled copies stamped on every page, and the pages that list them.
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import JSZip from "jszip";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signIn, type Client } from "../helpers/client";
import { healthDetails, type RunningServer } from "../helpers/server";
import { createWorld, useWorldInProcess, type World } from "../helpers/world";
import { docx, pdf, png } from "../fixtures/attachment-files";
import { as, PASSWORD, publishDoc } from "./revisions-helpers";
import { proposals } from "../helpers/proposals";

let world: World;
let server: RunningServer;
const ids: Record<string, string> = {};
const numbers: Record<string, string> = {};
const files: Record<string, Buffer> = {};

const BODY = "# 仓库管理规程\n\n## 入库\n\n入库时填写入库单。\n\n## 盘点\n\n每月盘点一次。\n";

beforeAll(async () => {
  world = await createWorld();
  await useWorldInProcess(world);
  const { createProposal, submitProposal, decideProposal } = await proposals();
  const { addDraftAttachment } = await import("~/attachments/store.server");
  const editor = await as("editor");
  files.form = await docx({ heading: "入库单", paragraphs: ["物料编号", "数量"], table: [["物料", "数量"]] });
  files.form2 = await docx({ heading: "入库单", paragraphs: ["物料编号", "数量", "库位"], table: [["物料", "数量"]] });
  files.scan = await pdf(["Scanned record page 1", "Scanned record page 2"]);
  files.photo = png(6, 4, [20, 120, 220]);

  // An internal document whose version 2 has a form, a PDF and a photo shown in the text; version 3 replaces the form.
  const open = await publishDoc({ title: "仓库管理规程", body: BODY });
  numbers.open = open.number;
  const d1 = await createProposal(editor, {
    kind: "revision",
    number: open.number,
    change: "minor",
    summary: "附表单与扫描件",
    body: `${BODY}\n![库区照片](attachments/库区照片.png "图 1 库区")\n\n见 [入库单](attachments/入库单.docx)。\n`,
  });
  await addDraftAttachment(editor, d1.id, { name: "入库单.docx", bytes: files.form });
  await addDraftAttachment(editor, d1.id, { name: "scan.pdf", bytes: files.scan });
  await addDraftAttachment(editor, d1.id, { name: "库区照片.png", bytes: files.photo });
  await submitProposal(editor, d1.id);
  await decideProposal(await as("approver"), d1.id, { decision: "approve", password: PASSWORD });
  const d2 = await createProposal(editor, { kind: "revision", number: open.number, change: "minor", summary: "更新入库单", body: `${BODY}\n见 [入库单](attachments/入库单.docx)。\n` });
  const { listDraftAttachments } = await import("~/attachments/store.server");
  const formSha = (await listDraftAttachments(d2.id)).find((a) => a.name === "入库单.docx")!.sha256;
  await addDraftAttachment(editor, d2.id, { name: "x.docx", bytes: files.form2, replace: "入库单.docx", expected: formSha });
  ids.replace = d2.id;

  // A restricted document with an attachment; staff has a grant for one section only.
  const secret = await publishDoc({ title: "保密规程", body: "# 保密规程\n\n## 公开部分\n\n见 ![图](attachments/open.png)。\n\n## 内部部分\n\n见 [表](attachments/secret.pdf)。\n", confidentiality: "restricted" });
  numbers.secret = secret.number;
  const { updateDb } = await import("~/data/db.server");
  const { insertGrant } = await import("~/access/grants.server");
  const week = () => new Date(Date.now() + 86_400_000 * 5).toISOString();
  // The editor works on it under a grant for the whole document.
  await updateDb((data) => insertGrant(data, { userId: editor.id, number: secret.number, sections: "all", history: true, kind: "request", expiresAt: week() }));
  const d3 = await createProposal(editor, { kind: "revision", number: secret.number, change: "minor", summary: "附件", body: "# 保密规程\n\n## 公开部分\n\n见 ![图](attachments/open.png)。\n\n## 内部部分\n\n见 [表](attachments/secret.pdf)。\n\n附件已加。\n" });
  await addDraftAttachment(editor, d3.id, { name: "open.png", bytes: files.photo });
  await addDraftAttachment(editor, d3.id, { name: "secret.pdf", bytes: files.scan });
  await submitProposal(editor, d3.id);
  await decideProposal(await as("approver"), d3.id, { decision: "approve", password: PASSWORD });
  const staff = await as("staff");
  await updateDb((data) => insertGrant(data, { userId: staff.id, number: secret.number, sections: ["公开部分"], history: false, kind: "request", expiresAt: week() }));

  // A fresh draft for the upload endpoint.
  const up = await publishDoc({ title: "上传测试", body: BODY });
  numbers.upload = up.number;
  ids.upload = (await createProposal(editor, { kind: "revision", number: up.number, change: "minor", summary: "上传", body: `${BODY}\n附件。\n` })).id;
  server = await world.server();
});
afterAll(async () => world?.cleanup());

async function upload(c: Client, id: string, file: { name: string; data: Buffer }, fields: Record<string, string> = {}, json = true) {
  await c.get(`/proposals/${id}/files`);
  const fd = new FormData();
  fd.set("_csrf", c.csrf);
  for (const [k, v] of Object.entries(fields)) fd.set(k, v);
  fd.set("file", new Blob([new Uint8Array(file.data)]), file.name);
  const res = await fetch(`${server.url}/proposals/${id}/attachments`, {
    method: "POST",
    body: fd,
    redirect: "manual",
    headers: { Cookie: c.cookieHeader(), Origin: c.origin, ...(json ? { Accept: "application/json" } : {}) },
  });
  const text = await res.text();
  return { status: res.status, location: res.headers.get("location") ?? "", text, json: json ? (JSON.parse(text) as Record<string, any>) : null };
}

describe("uploading to a draft", () => {
  it("answers JSON with the markdown to insert, and redirects a form post back to the list", async () => {
    const editor = await signIn(server.url, "editor");
    const a = await upload(editor, ids.upload, { name: "流程 图.png", data: files.photo });
    expect(a.status).toBe(200);
    expect(a.json).toMatchObject({ name: "流程 图.png", size: files.photo.length, type: "image/png", markdown: "![流程 图](<attachments/流程 图.png>)" });
    expect(a.json!.sha256).toMatch(/^[0-9a-f]{64}$/);
    const b = await upload(editor, ids.upload, { name: "记录.pdf", data: files.scan }, {}, false);
    expect(b.status).toBe(302);
    expect(decodeURIComponent(b.location)).toBe(`/proposals/${ids.upload}/files?added=记录.pdf`);
    const list = await editor.json<{ attachments: { name: string }[] }>(`/proposals/${ids.upload}/attachments`);
    expect(list.body.attachments.map((x) => x.name).sort()).toEqual(["流程 图.png", "记录.pdf"].sort());
    const page = await editor.get(`/proposals/${ids.upload}/files?added=${encodeURIComponent("记录.pdf")}`);
    expect(page.text_).toContain("Attached 记录.pdf.");
    expect(page.text_).toContain("[记录.pdf](attachments/记录.pdf)");
  });

  it("refuses bad files in the reader's language and stores nothing", async () => {
    const zh = await signIn(server.url, "editor", { lang: "zh-CN" });
    const empty = await upload(zh, ids.upload, { name: "空.pdf", data: Buffer.alloc(0) });
    expect(empty.status).toBe(400);
    expect(empty.json!.error.message).toContain("空文件");
    const fake = await upload(zh, ids.upload, { name: "report.pdf", data: Buffer.from("<html>not a pdf</html>") });
    expect(fake.status).toBe(400);
    expect(fake.json!.error.message).toContain("并不是真正的 PDF 文件");
    const en = await signIn(server.url, "editor");
    const slash = await upload(en, ids.upload, { name: "..\\..\\evil.txt", data: Buffer.from("x") });
    expect(slash.status).toBe(400);
    expect(slash.json!.error.message).toMatch(/characters that are not allowed/);
    // Without JavaScript the browser is sent back to the attachments page, which names the problem.
    const form = await upload(en, ids.upload, { name: "空.pdf", data: Buffer.alloc(0) }, {}, false);
    expect(form.status).toBe(302);
    expect((await en.get(form.location)).text_).toContain("空.pdf is empty (0 bytes); nothing was attached");
    const staff = await signIn(server.url, "staff");
    const other = await upload(staff, ids.upload, { name: "x.txt", data: Buffer.from("x") });
    expect([403, 404]).toContain(other.status);
    const list = await en.json<{ attachments: { name: string }[] }>(`/proposals/${ids.upload}/attachments`);
    expect(list.body.attachments.map((x) => x.name).sort()).toEqual(["流程 图.png", "记录.pdf"].sort());
  });

  it("refuses an upload cut off halfway, keeping the draft as it was", async () => {
    const editor = await signIn(server.url, "editor");
    await editor.get(`/proposals/${ids.upload}/files`);
    const boundary = "----regulacut";
    const whole = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${editor.csrf}\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cut.pdf"\r\nContent-Type: application/pdf\r\n\r\n`),
      files.scan,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const cut = whole.subarray(0, Math.floor(whole.length / 2));
    const res = await fetch(`${server.url}/proposals/${ids.upload}/attachments`, {
      method: "POST",
      body: cut,
      headers: { Cookie: editor.cookieHeader(), Origin: editor.origin, Accept: "application/json", "Content-Type": `multipart/form-data; boundary=${boundary}` },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe("The form could not be read");
    const list = await editor.json<{ attachments: { name: string }[] }>(`/proposals/${ids.upload}/attachments`);
    expect(list.body.attachments.map((x) => x.name)).not.toContain("cut.pdf");
  });
});

describe("serving attachments", () => {
  it("serves with the real name, nosniff and the sniffed type; inline only for images and PDF", async () => {
    const staff = await signIn(server.url, "staff");
    const base = `${server.url}/docs/${numbers.open}/v/2/attachments/`;
    const get = (name: string, q = "") => fetch(`${base}${encodeURIComponent(name)}${q}`, { headers: { Cookie: staff.cookieHeader() } });
    const photo = await get("库区照片.png");
    expect(photo.status).toBe(200);
    expect(photo.headers.get("content-type")).toBe("image/png");
    expect(photo.headers.get("x-content-type-options")).toBe("nosniff");
    expect(photo.headers.get("content-disposition")).toBe(`inline; filename="____.png"; filename*=UTF-8''${encodeURIComponent("库区照片.png")}`);
    expect(Buffer.compare(Buffer.from(await photo.arrayBuffer()), files.photo)).toBe(0);
    const scan = await get("scan.pdf");
    expect(scan.headers.get("content-disposition")).toMatch(/^inline; /);
    const form = await get("入库单.docx");
    expect(form.headers.get("content-type")).toBe("application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    expect(form.headers.get("content-disposition")).toMatch(/^attachment; /);
    expect(form.headers.get("content-security-policy")).toContain("sandbox");
    const download = await get("scan.pdf", "?download=1");
    expect(download.headers.get("content-disposition")).toMatch(/^attachment; filename="scan.pdf"/);
    // Same file again: 304 with the hash as ETag.
    const etag = photo.headers.get("etag")!;
    expect((await fetch(`${base}${encodeURIComponent("库区照片.png")}`, { headers: { Cookie: staff.cookieHeader(), "If-None-Match": etag } })).status).toBe(304);
    expect((await get("nope.pdf")).status).toBe(404);
    // Version 1 had no attachments.
    expect((await fetch(`${server.url}/docs/${numbers.open}/v/1/attachments/scan.pdf`, { headers: { Cookie: staff.cookieHeader() } })).status).toBe(404);
  });

  it("keeps restricted attachments behind the grant; a sections grant opens only what its sections show", async () => {
    const staff = await signIn(server.url, "staff");
    const newhire = await signIn(server.url, "newhire");
    const at = (name: string) => `/docs/${numbers.secret}/v/2/attachments/${name}`;
    expect((await newhire.get(at("open.png"))).status).toBe(403);
    expect((await newhire.get(at("secret.pdf"))).status).toBe(403);
    expect((await staff.get(at("open.png"))).status).toBe(200);
    const denied = await staff.get(at("secret.pdf"));
    expect(denied.status).toBe(403);
    expect(denied.text_).toContain("Attachments are not part of your access to this document");
    const page = await staff.get(`/docs/${numbers.secret}`);
    expect(page.text_).toContain("open.png");
    expect(page.text_).not.toContain("secret.pdf");
  });
});

function pdfPages(bytes: Buffer): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "regula-stamp-"));
  try {
    fs.writeFileSync(path.join(dir, "copy.pdf"), bytes);
    return execFileSync("pdftotext", ["-layout", path.join(dir, "copy.pdf"), "-"], { encoding: "utf8" }).split("\f").filter((p) => p.trim());
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("controlled copies", () => {
  it("stamps every page of a PDF with number, version, date, the notice and the reader", async () => {
    const staff = await signIn(server.url, "staff");
    const res = await fetch(`${server.url}/docs/${numbers.open}/v/2/attachments/scan.pdf?copy=controlled`, { headers: { Cookie: staff.cookieHeader() } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; .*controlled/);
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "regula-stamp-"));
    const file = path.join(dir, "copy.pdf");
    fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const pages = execFileSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" }).split("\f").filter((p) => p.trim());
    fs.rmSync(dir, { recursive: true, force: true });
    expect(pages).toHaveLength(2);
    for (const text of pages) {
      expect(text).toContain("CONTROLLED COPY - uncontrolled when printed");
      expect(text).toContain(`${numbers.open} v2`);
      expect(text).toMatch(/effective \d{4}-\d{2}-\d{2}/);
      // The name as written (a CJK font is embedded), with the account name.
      expect(text).toContain("issued to 张员工 (staff)");
      expect(text).toMatch(new RegExp(`Check: ${numbers.open}\\.2\\.[A-Z2-7]{8}`));
    }
    expect(pages[1]).toContain("Scanned record page 2");
  });

  it("stamps a Chinese reader's copy in Chinese, with the Chinese name, on every page", async () => {
    const staff = await signIn(server.url, "staff", { lang: "zh-CN" });
    const res = await fetch(`${server.url}/docs/${numbers.open}/v/2/attachments/scan.pdf?copy=controlled`, { headers: { Cookie: staff.cookieHeader() } });
    expect(res.status).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    const pages = pdfPages(bytes);
    expect(pages).toHaveLength(2);
    for (const text of pages) {
      expect(text).toContain("受控副本 - 打印后不受控");
      expect(text).toContain(`${numbers.open} 第 2 版`);
      expect(text).toContain("发给 张员工 (staff)");
      expect(text).toMatch(new RegExp(`核验码：${numbers.open}\\.2\\.[A-Z2-7]{8}`));
    }
    // The font is embedded as a subset (not the 16 MB face), and a viewer can draw it: poppler renders without font errors.
    expect(bytes.length).toBeLessThan(400 * 1024);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "regula-stamp-"));
    try {
      fs.writeFileSync(path.join(dir, "copy.pdf"), bytes);
      const fonts = execFileSync("pdffonts", [path.join(dir, "copy.pdf")], { encoding: "utf8" });
      // Embedded (emb yes), with its Unicode map (uni yes): a subset of the face, named by pdf-lib with a suffix.
      expect(fonts).toMatch(/NotoSansCJKsc-Regular\S*\s+CID Type 0C\s+Identity-H\s+yes\s+\S+\s+yes/);
      const drawn = spawnSync("pdftoppm", ["-r", "30", "-f", "1", "-l", "1", "-png", path.join(dir, "copy.pdf"), path.join(dir, "page")], { encoding: "utf8" });
      expect(drawn.status).toBe(0);
      expect(drawn.stderr).not.toMatch(/font/i);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const health = await healthDetails(server);
    expect(health.body.checks.stamps).toMatchObject({ ok: true, cjkFont: true });
  });

  it("gives a Word copy a header and footer of its own on every section", async () => {
    const staff = await signIn(server.url, "staff", { lang: "zh-CN" });
    const res = await fetch(`${server.url}/docs/${numbers.open}/v/2/attachments/${encodeURIComponent("入库单.docx")}?copy=controlled`, { headers: { Cookie: staff.cookieHeader() } });
    expect(res.status).toBe(200);
    const zip = await JSZip.loadAsync(Buffer.from(await res.arrayBuffer()));
    const header = await zip.file("word/regula-stamp-header.xml")!.async("string");
    expect(header).toContain("受控副本 - 打印后不受控");
    expect(header).toContain(`${numbers.open} 第 2 版`);
    const doc = await zip.file("word/document.xml")!.async("string");
    expect(doc).toContain('r:id="rIdRegulaStampHeader"');
    expect(doc).toContain('r:id="rIdRegulaStampFooter"');
    // Still a Word file mammoth can read, with its text.
    const mammoth = (await import("mammoth")).default;
    expect((await mammoth.extractRawText({ buffer: Buffer.from(await zip.generateAsync({ type: "nodebuffer" })) })).value).toContain("物料编号");
    const png = await fetch(`${server.url}/docs/${numbers.open}/v/2/attachments/${encodeURIComponent("库区照片.png")}?copy=controlled`, { headers: { Cookie: staff.cookieHeader() } });
    expect(png.status).toBe(400);
  });
});

describe("Word download with images", () => {
  it("embeds the version's images from its attachments, at their size, instead of a note", async () => {
    const staff = await signIn(server.url, "staff");
    const res = await fetch(`${server.url}/docs/${numbers.open}/download.docx?version=2`, { headers: { Cookie: staff.cookieHeader() } });
    expect(res.status).toBe(200);
    const zip = await JSZip.loadAsync(Buffer.from(await res.arrayBuffer()));
    const media = Object.keys(zip.files).filter((f) => f.startsWith("word/media/"));
    expect(media).toHaveLength(1);
    expect(Buffer.compare(await zip.file(media[0])!.async("nodebuffer"), files.photo)).toBe(0);
    const doc = await zip.file("word/document.xml")!.async("string");
    // 6 × 4 pixels, in EMU (9525 per pixel at 96 dpi).
    expect(doc).toContain('<wp:extent cx="57150" cy="38100"/>');
    expect(doc).not.toContain("Image: 库区照片");
    const rels = await zip.file("word/_rels/document.xml.rels")!.async("string");
    expect(rels).toContain(media[0].replace("word/", ""));
  });
});

describe("pages", () => {
  it("shows the image in the text as a captioned figure and lists each version's attachments", async () => {
    const staff = await signIn(server.url, "staff");
    const page = await staff.get(`/docs/${numbers.open}`);
    expect(page.text_).toContain(`<img src="/docs/${numbers.open}/v/2/attachments/${encodeURI("库区照片.png")}"`);
    expect(page.text_).toContain('<span class="doc-caption">图 1 库区</span>');
    expect(page.text_).toContain("Attachments of version 2");
    expect(page.text_).toContain(`/docs/${numbers.open}/v/2/attachments/scan.pdf?copy=controlled`);
    const history = await staff.get(`/docs/${numbers.open}/history`);
    expect(history.text_).toContain("3 attachment(s): 3 added, 0 replaced, 0 removed");
  });

  it("shows a proposal's replaced form with a diff of its text", async () => {
    const editor = await signIn(server.url, "editor");
    const page = await editor.get(`/proposals/${ids.replace}`);
    expect(page.status).toBe(200);
    expect(page.text_).toContain("Attachment changes");
    expect(page.text_).toContain("replaced");
    expect(page.text_).toContain("Changes in the text of 入库单.docx");
    expect(page.text_).toContain("库位");
  });
});

describe("without a CJK font", () => {
  it("falls back to a Latin stamp with the account name when no CJK font is installed, and /healthz says so", async () => {
    // Last: the portal is started again on the same data without a CJK font.
    await server.stop();
    const bare = await world.server({ CJK_FONT_PATH: "none" });
    try {
      const health = await healthDetails(bare);
      expect(health.body.checks.stamps).toMatchObject({ ok: true, cjkFont: false });
      const staff = await signIn(bare.url, "staff", { lang: "zh-CN" });
      const res = await fetch(`${bare.url}/docs/${numbers.open}/v/2/attachments/scan.pdf?copy=controlled`, { headers: { Cookie: staff.cookieHeader() } });
      expect(res.status).toBe(200);
      for (const text of pdfPages(Buffer.from(await res.arrayBuffer()))) {
        expect(text).toContain("CONTROLLED COPY - uncontrolled when printed");
        expect(text).toContain("issued to staff");
        expect(text).not.toContain("张员工");
      }
    } finally {
      await bare.stop();
    }
  });
});
