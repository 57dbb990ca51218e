/**
 * Printed copies anyone can verify: the QR code on a print page is read back
 * from a Chromium screenshot of that page (pngjs + jsQR, not our encoder's
 * input), the address it holds answers without signing in and says "current",
 * then "superseded" after the next publication and "retired" after a
 * retirement; a forged or altered code is refused; a restricted document's
 * check shows number, version and title but nothing of its content; every
 * printed page carries the copy code; checks appear on the dashboard; the page
 * speaks zh-CN and en and fits a 390 px phone without JavaScript.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import jsQR from "jsqr";
import { PNG } from "pngjs";
import { chromiumAvailable, launchBrowser, loginInBrowser, newPage, step } from "../helpers/browser";
import { signIn } from "../helpers/client";
import type { RunningServer } from "../helpers/server";
import { createWorld, useWorldInProcess, type World } from "../helpers/world";
import { publishTestDoc } from "./search-fixtures";

let world: World;
let server: RunningServer;
let browser: Browser;
let manual = "";
let secret = "";
let retiring = "";
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "regula-verify-"));

function longBody(label: string, sections: number): string {
  const parts: string[] = [];
  for (let i = 1; i <= sections; i++) {
    parts.push(`## ${label} section ${i}\n`);
    parts.push(`Paragraph ${i}: the operator checks the gauge, records the reading in the shift log and signs it. `.repeat(6) + "\n");
  }
  return parts.join("\n");
}

beforeAll(async () => {
  if (!chromiumAvailable()) throw new Error("Chromium is missing: .ci/run installs it with apt-get install chromium");
  world = await createWorld();
  await useWorldInProcess(world);
  manual = (await publishTestDoc({ title: "Compressor room manual", body: longBody("Compressor", 12) })).number;
  retiring = (await publishTestDoc({ title: "Old forklift checklist", body: "## Checks\n\nTyres, forks, horn." })).number;
  secret = (
    await publishTestDoc({
      category: "MON",
      type: "report",
      title: "Warehouse theft investigation",
      body: "## Findings\n\nCONFIDENTIAL-FINDING-7731: the night shift badge log was altered.",
      confidentiality: "restricted",
      ownerDepartment: "fin",
    })
  ).number;
  server = await world.server();
  browser = await launchBrowser();
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await world?.cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Publishes the next version inside the running portal (the approval workflow has its own tests). */
async function publishNext(number: string, change: "minor" | "retire") {
  const res = await fetch(`${server.url}/api/test-hooks/publish`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ actor: "editor", change, document: { number, ...(change === "retire" ? { retired: true } : {}) } }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { version: number };
}

/** A visitor who is not signed in, with the interface in `lang`. */
async function anonymous(pathName: string, lang: "en" | "zh-CN" = "en") {
  const res = await fetch(server.url + pathName, { headers: { Cookie: `regula_lang=${lang}`, Accept: "text/html" }, redirect: "manual" });
  return { status: res.status, location: res.headers.get("location"), text: await res.text() };
}

/** Signs in, opens a print page in Chromium, screenshots the first QR code and decodes it. */
async function scanPrintedQr(username: string, pathName: string): Promise<{ url: string; code: string }> {
  const { page, context, consoleErrors } = await newPage(browser, { locale: "en-GB" });
  try {
    await loginInBrowser(page, server.url, username);
    return await step(page, `scan-${pathName}`, async () => {
      await page.goto(server.url + pathName);
      await page.emulateMedia({ media: "print" });
      const qr = page.locator(".print-copy-qr").first();
      await qr.waitFor();
      const shot = PNG.sync.read(await qr.screenshot({ scale: "device" }));
      const found = jsQR(new Uint8ClampedArray(shot.data.buffer, shot.data.byteOffset, shot.data.length), shot.width, shot.height);
      expect(found, "the QR code on the printed page can be read").not.toBeNull();
      const code = (await page.locator(".print-copy-verify").first().getAttribute("data-verify-code")) ?? "";
      expect(consoleErrors).toEqual([]);
      return { url: found!.data, code };
    });
  } finally {
    await context.close();
  }
}

function pathOf(url: string) {
  const u = new URL(url);
  expect(u.origin).toBe(new URL(server.url).origin);
  return u.pathname;
}

function statusOf(html: string): string | undefined {
  return html.match(/class="verify-result[^"]*" data-status="(\w+)"/)?.[1];
}

describe("a printed copy's QR code", () => {
  let v1Path = "";

  it("opens a page that says the copy is current, without signing in", async () => {
    const scanned = await scanPrintedQr("staff", `/docs/${manual}/print`);
    v1Path = pathOf(scanned.url);
    expect(v1Path).toBe(`/verify/${scanned.code}`);
    expect(scanned.code).toMatch(new RegExp(`^${manual}\\.1\\.[A-Z2-7]{8}$`));
    const en = await anonymous(v1Path);
    expect(en.status).toBe(200);
    expect(statusOf(en.text)).toBe("current");
    expect(en.text).toContain(`${manual} v1 is the current version`);
    expect(en.text).toContain("Compressor room manual");
    expect(en.text).not.toContain("Compressor section 1");
    const zh = await anonymous(v1Path, "zh-CN");
    expect(zh.text).toContain("现行有效");
    expect(zh.text).toContain(`${manual} v1 是现行版本`);
  });

  it("says SUPERSEDED, by which version and since when, after the next publication", async () => {
    await publishNext(manual, "minor");
    const en = await anonymous(v1Path);
    expect(en.status).toBe(200);
    expect(statusOf(en.text)).toBe("superseded");
    expect(en.text).toMatch(new RegExp(`${manual} v1 was superseded by v2 on \\S+`));
    expect(en.text).toContain("Do not work from this copy");
    const zh = await anonymous(v1Path, "zh-CN");
    expect(zh.text).toContain("已替代 SUPERSEDED");
    expect(zh.text).toMatch(new RegExp(`${manual} v1 已于 \\S+ 被 v2 替代`));
    // A copy printed from v2 is current.
    const v2 = await scanPrintedQr("staff", `/docs/${manual}/print`);
    expect(statusOf((await anonymous(pathOf(v2.url))).text)).toBe("current");
  });

  it("says RETIRED once the document is retired", async () => {
    const scanned = await scanPrintedQr("staff", `/docs/${retiring}/print`);
    expect(statusOf((await anonymous(pathOf(scanned.url))).text)).toBe("current");
    await publishNext(retiring, "retire");
    const en = await anonymous(pathOf(scanned.url));
    expect(statusOf(en.text)).toBe("retired");
    expect(en.text).toMatch(new RegExp(`${retiring} was retired on \\S+; v1 is no longer in force`));
    expect((await anonymous(pathOf(scanned.url), "zh-CN")).text).toContain("已作废 RETIRED");
  });

  it("is on every printed page, with the copy code", async () => {
    const { page, context } = await newPage(browser, { locale: "en-GB" });
    try {
      await context.addCookies([{ name: "regula_lang", value: "en", url: server.url }]);
      await loginInBrowser(page, server.url, "staff");
      const file = path.join(tmp, "manual.pdf");
      await page.goto(`${server.url}/docs/${manual}/print`);
      const code = (await page.locator(".print-copy-verify").getAttribute("data-verify-code")) ?? "";
      expect(code).toMatch(new RegExp(`^${manual}\\.2\\.`));
      await page.pdf({ path: file, format: "A4", printBackground: true });
      const pages = execFileSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" })
        .split("\f")
        .filter((p) => p.trim());
      expect(pages.length).toBeGreaterThanOrEqual(2);
      pages.forEach((text, i) => {
        expect(text.replace(/\s+/g, ""), `page ${i + 1}`).toContain(`Copycode${code}`);
        expect(text.replace(/\s+/g, ""), `page ${i + 1}`).toContain(`/verify/${code}`);
      });
      // The body is not hidden under the taller footer: the last section is printed in full.
      expect(pages.join("\n")).toContain("Compressor section 12");
    } finally {
      await context.close();
    }
  });
});

describe("a forged or altered code", () => {
  it("is refused with a clear page in the reader's language", async () => {
    const { code } = await scanPrintedQr("staff", `/docs/${manual}/v/1/print`);
    const [number, version, mac] = code.split(".");
    const flipped = mac.slice(0, -1) + (mac.endsWith("A") ? "B" : "A");
    for (const forged of [`${number}.${version}.${flipped}`, `${number}.${Number(version) + 1}.${mac}`, "EXE-999.1.AAAAAAAA", "not-a-code"]) {
      const en = await anonymous(`/verify/${encodeURIComponent(forged)}`);
      expect(en.status, forged).toBe(400);
      expect(statusOf(en.text), forged).toBe("invalid");
      expect(en.text).toContain("Not a valid copy code");
      expect(en.text).not.toContain("Compressor room manual");
    }
    const zh = await anonymous(`/verify/${number}.${version}.${flipped}`, "zh-CN");
    expect(zh.status).toBe(400);
    expect(zh.text).toContain("副本代码无效");
  });
});

describe("a restricted document's copy", () => {
  it("shows number, version and title, and nothing of the content", async () => {
    const scanned = await scanPrintedQr("finhead", `/docs/${secret}/print`);
    const en = await anonymous(pathOf(scanned.url));
    expect(en.status).toBe(200);
    expect(statusOf(en.text)).toBe("current");
    expect(en.text).toContain(`${secret} v1 is the current version`);
    expect(en.text).toContain("Warehouse theft investigation");
    expect(en.text).not.toContain("CONFIDENTIAL-FINDING-7731");
    expect(en.text).not.toContain("badge log");
    expect(en.text).not.toContain("Findings");
  });
});

describe("typing a copy code", () => {
  it("takes the code in small letters with spaces, and sends an empty form back with a message", async () => {
    const { code } = await scanPrintedQr("staff", `/docs/${manual}/print`);
    const typed = await anonymous(`/verify?code=${encodeURIComponent(` ${code.toLowerCase().replace(".", " . ")} `)}`);
    expect(typed.status).toBe(302);
    expect(typed.location).toBe(`/verify/${code}`);
    const empty = await anonymous("/verify?code=");
    expect(empty.status).toBe(400);
    expect(empty.text).toContain("Type the copy code printed at the foot of the page.");
    expect((await anonymous("/verify?code=", "zh-CN")).text).toContain("请输入页脚印制的副本代码。");
    const form = await anonymous("/verify");
    expect(form.status).toBe(200);
    expect(form.text).toMatch(/<form[^>]*method="get"[^>]*action="\/verify"/);
  });

  it("fits a 390 px phone and works without JavaScript", async () => {
    const { code } = await scanPrintedQr("staff", `/docs/${manual}/v/1/print`);
    const { page, context } = await newPage(browser, { javaScriptEnabled: false, locale: "zh-CN" });
    try {
      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto(`${server.url}/verify`);
      await page.fill("#verify-code", code.toLowerCase());
      await Promise.all([page.waitForURL(`**/verify/${code}`), page.click(".verify-form button[type=submit]")]);
      await expect(page.locator(".verify-result").getAttribute("data-status")).resolves.toBe("superseded");
      expect(await page.locator("h2").first().textContent()).toContain("已替代");
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width).toBeLessThanOrEqual(390);
    } finally {
      await context.close();
    }
  });
});

describe("the dashboard", () => {
  it("counts checks of old copies per document", async () => {
    // Known checks of stale copies so far are counted by the store; one more of each now.
    const before = (await signIn(server.url, "admin")).get("/dashboard");
    const figures = (html: string) => Object.fromEntries([...html.matchAll(/data-figure="([^"]+)" data-value="([^"]*)"/g)].map((m) => [m[1], Number(m[2])]));
    const b = figures((await before).text_);
    const { code } = await scanPrintedQr("staff", `/docs/${manual}/v/1/print`);
    await anonymous(`/verify/${code}`);
    await anonymous(`/verify/${code}`);
    const admin = await signIn(server.url, "admin");
    const html = (await admin.get("/dashboard")).text_;
    const a = figures(html);
    expect(a["copies.stale"]).toBe(b["copies.stale"] + 2);
    expect(a["copies.checks"]).toBe(b["copies.checks"] + 2);
    expect(a[`copies.staleByDocument.${manual}.superseded`]).toBe(b[`copies.staleByDocument.${manual}.superseded`] + 2);
    expect(a[`copies.staleByDocument.${retiring}.retired`]).toBeGreaterThanOrEqual(2);
    expect(a["copies.staleDocuments"]).toBeGreaterThanOrEqual(2);
    expect(html).toContain("Checks of old copies per document");
    const zh = await (await signIn(server.url, "admin", { lang: "zh-CN" })).get("/dashboard");
    expect(zh.text_).toContain("各文档旧副本核对次数");
    const csv = (await admin.get("/dashboard.csv")).text_;
    expect(csv).toContain(`"copies.staleByDocument.${manual}.superseded"`);
    // A forged code is not counted.
    await anonymous(`/verify/${manual}.1.AAAAAAAA`);
    expect(figures((await admin.get("/dashboard")).text_)["copies.checks"]).toBe(a["copies.checks"]);
  });
});
