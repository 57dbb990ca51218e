/**
 * Word and PDF downloads over HTTP: the files themselves (read back with
 * mammoth and pdftotext), the document's access rules, the one-time token the
 * PDF renderer uses, and a server without Chromium (no PDF link, /healthz
 * says so, the address answers 503 in the reader's language).
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import mammoth from "mammoth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signIn, type Client } from "../helpers/client";
import { healthDetails, type RunningServer } from "../helpers/server";
import { createWorld, useWorldInProcess, type World } from "../helpers/world";
import { publishTestDoc } from "./search-fixtures";

let world: World;
let server: RunningServer;
let secret = "";
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "regula-downloads-"));

beforeAll(async () => {
  world = await createWorld();
  await useWorldInProcess(world);
  secret = (
    await publishTestDoc({
      category: "MON",
      type: "report",
      title: "Payroll irregularities investigation",
      body: "## Findings\n\nDOWNLOAD-SECRET-93KX was found in the ledger.\n",
      confidentiality: "restricted",
      ownerDepartment: "fin",
    })
  ).number;
  server = await world.server();
});
afterAll(async () => {
  await world?.cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function download(c: Client, url: string): Promise<{ status: number; type: string; disposition: string; bytes: Buffer }> {
  // The interface language chosen as a reader does (the language switch's cookie): Chinese.
  const cookies = [...c.cookies].filter(([name]) => name !== "regula_lang").map(([k, v]) => `${k}=${v}`);
  const res = await fetch(c.baseUrl + url, { headers: { Cookie: [...cookies, "regula_lang=zh-CN"].join("; ") }, redirect: "manual" });
  return { status: res.status, type: res.headers.get("content-type") ?? "", disposition: res.headers.get("content-disposition") ?? "", bytes: Buffer.from(await res.arrayBuffer()) };
}

function pdfText(bytes: Buffer, name: string): string {
  const file = path.join(tmp, `${name}.pdf`);
  fs.writeFileSync(file, bytes);
  return execFileSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" });
}

describe("Word download", () => {
  it("gives a reader the current version as .docx with its text, tables and the header", async () => {
    const staff = await signIn(server.url, "staff");
    const got = await download(staff, "/docs/APR-005/download.docx");
    expect(got.status).toBe(200);
    expect(got.type).toBe("application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    expect(got.disposition).toBe('attachment; filename="APR-005-v3.docx"');
    const { value: html } = await mammoth.convertToHtml({ buffer: got.bytes });
    expect(html).toContain("<h1>採購合同審批操作規程</h1>");
    expect(html).toContain("<h3>審批流程圖</h3>");
    expect(html).toContain("<th><p><strong>辦理人</strong></p></th>");
    expect(html).toMatch(/<a href="http:\/\/127\.0\.0\.1:\d+\/docs\/APR-001">APR-001<\/a>/);
  });

  it("an old version comes marked as superseded", async () => {
    const staff = await signIn(server.url, "staff");
    const got = await download(staff, "/docs/APR-005/download.docx?version=1");
    expect(got.status).toBe(200);
    expect(got.disposition).toContain("APR-005-v1.docx");
    const { value: text } = await mammoth.extractRawText({ buffer: got.bytes });
    expect(text).toContain("APR-005 · 第 1 版");
    expect(text).toContain("已替代");
  });

  it("a restricted document's file is refused to a reader without a grant, in the reader's language", async () => {
    const staff = await signIn(server.url, "staff");
    for (const url of [`/docs/${secret}/download.docx`, `/docs/${secret}/download.pdf`, `/docs/${secret}/download.docx?version=1`]) {
      const got = await download(staff, url);
      expect(got.status, url).toBe(403);
      expect(got.type).toContain("text/html");
      const text = got.bytes.toString("utf8");
      expect(text).not.toContain("DOWNLOAD-SECRET-93KX");
      expect(text).toContain(`您需要获得 ${secret} 的访问权限才能下载`);
    }
  });

  it("the owner department's head gets the restricted file", async () => {
    const head = await signIn(server.url, "finhead");
    const got = await download(head, `/docs/${secret}/download.docx`);
    expect(got.status).toBe(200);
    expect((await mammoth.extractRawText({ buffer: got.bytes })).value).toContain("DOWNLOAD-SECRET-93KX");
  });

  it("signed-out visitors are sent to sign in; unknown versions are 404", async () => {
    const res = await fetch(`${server.url}/docs/APR-005/download.docx`, { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toContain("/login");
    const staff = await signIn(server.url, "staff");
    expect((await download(staff, "/docs/APR-005/download.docx?version=99")).status).toBe(404);
    expect((await download(staff, "/docs/APR-005/download.docx?version=abc")).status).toBe(404);
  });
});

describe("PDF download", () => {
  it("is the stamped print view with its flowchart drawn", async () => {
    const staff = await signIn(server.url, "staff");
    const got = await download(staff, "/docs/APR-005/download.pdf");
    expect(got.status).toBe(200);
    expect(got.type).toBe("application/pdf");
    expect(got.disposition).toBe('attachment; filename="APR-005-v3.pdf"');
    expect(got.bytes.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    const text = pdfText(got.bytes, "apr005");
    expect(text).toContain("APR-005");
    // The controlled-copy stamp of the print view, in the reader's language, with the reader's name.
    expect(text).toContain("非受控");
    expect(text).toContain("张员工");
    // The diagram was drawn before printing: its labels are there, its source is not.
    expect(text).toContain("法務專員審核");
    expect(text).not.toContain("flowchart TD");
  });

  it("the renderer's token opens one page once, for the reader it was made for", async () => {
    // Without a token or a session, the print page asks to sign in.
    const res = await fetch(`${server.url}/docs/APR-005/print?print-token=not-a-token`, { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toContain("/login");
  });

  it("the document page offers both downloads; /healthz reports that PDFs can be made", async () => {
    const staff = await signIn(server.url, "staff");
    const page = await staff.get("/docs/APR-005");
    expect(page.text_).toContain('href="/docs/APR-005/download.docx"');
    expect(page.text_).toContain('href="/docs/APR-005/download.pdf"');
    const old = await staff.get("/docs/APR-005/v/1");
    expect(old.text_).toContain('href="/docs/APR-005/download.pdf?version=1"');
    const health = await healthDetails(server);
    expect(health.body.checks.pdf).toMatchObject({ ok: true, available: true });
  });
});

describe("without Chromium", () => {
  it("offers no PDF link, says so in /healthz, and the address answers 503 with a clear message", async () => {
    await server.stop();
    const bare = await world.server({ CHROMIUM_PATH: path.join(tmp, "no-chromium-here") });
    try {
      const health = await healthDetails(bare);
      expect(health.body.checks.pdf).toMatchObject({ ok: true, available: false });
      const staff = await signIn(bare.url, "staff");
      const page = await staff.get("/docs/APR-005");
      expect(page.text_).toContain('href="/docs/APR-005/download.docx"');
      expect(page.text_).not.toContain("download.pdf");
      const got = await download(staff, "/docs/APR-005/download.pdf");
      expect(got.status).toBe(503);
      expect(got.bytes.toString("utf8")).toContain("未安装 Chromium");
    } finally {
      await bare.stop();
    }
  });
});
