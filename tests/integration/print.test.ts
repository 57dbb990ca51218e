/**
 * Controlled print copies: the print page over HTTP (header and footer
 * content, access policy, restricted-view audit, SUPERSEDED old versions) and
 * real PDFs printed by Chromium, read back with pdftotext page by page.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { chromiumAvailable, launchBrowser, loginInBrowser, newPage, step } from "../helpers/browser";
import { signIn } from "../helpers/client";
import type { RunningServer } from "../helpers/server";
import { createWorld, useWorldInProcess, type World } from "../helpers/world";
import { publishTestDoc, reviseTestDoc } from "./search-fixtures";

let world: World;
let server: RunningServer;
let browser: Browser;
let manual = "";
let secret = "";
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "regula-print-"));

function longBody(label: string, sections: number): string {
  const parts: string[] = [];
  for (let i = 1; i <= sections; i++) {
    parts.push(`## ${label} section ${i}\n`);
    parts.push(`Paragraph ${i}: the operator checks the pressure gauge, records the reading in the shift log and signs it. `.repeat(6) + "\n");
    parts.push(`- step ${i}.1 inspect the valve\n- step ${i}.2 record the reading\n`);
  }
  return parts.join("\n");
}

beforeAll(async () => {
  if (!chromiumAvailable()) throw new Error("Chromium is missing: .ci/run installs it with apt-get install chromium");
  world = await createWorld();
  await useWorldInProcess(world);
  manual = (await publishTestDoc({ title: "Boiler room operating manual", body: "## Start-up\n\nOpen the feed valve first.\n\n| Step | Who |\n|---|---|\n| 1 | Operator |" })).number;
  await reviseTestDoc(manual, { body: longBody("Boiler", 14) });
  secret = (
    await publishTestDoc({
      category: "MON",
      type: "report",
      title: "Payroll irregularities investigation",
      body: longBody("Finding", 10),
      confidentiality: "restricted",
      ownerDepartment: "fin",
    })
  ).number;
  server = await world.server();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await world?.cleanup();
  if (!process.env.KEEP_PRINT_PDF) fs.rmSync(tmp, { recursive: true, force: true });
});

function signedIn(username: string) {
  return signIn(server.url, username);
}

async function pdfPages(username: string, pathName: string): Promise<string[]> {
  const { page, context, consoleErrors } = await newPage(browser, { locale: "en-GB" });
  try {
    await context.addCookies([{ name: "regula_lang", value: "en", url: server.url }]);
    await loginInBrowser(page, server.url, username);
    const file = path.join(tmp, `${username}-${pathName.replace(/\W+/g, "_")}.pdf`);
    await step(page, `print-${pathName}`, async () => {
      await page.goto(server.url + pathName);
      await page.waitForSelector(".print-running-header");
      await page.pdf({ path: file, format: "A4", printBackground: true });
    });
    expect(consoleErrors).toEqual([]);
    const text = execFileSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" });
    return text.split("\f").filter((p) => p.trim());
  } finally {
    await context.close();
  }
}

describe("the print page", () => {
  it("shows number, title, version, effective date, who printed it and the uncontrolled-copy warning", async () => {
    const c = await signedIn("staff");
    const res = await c.get(`/docs/${manual}/print`);
    expect(res.status).toBe(200);
    const html = res.text_;
    const header = html.match(/<header class="print-running-header"[\s\S]*?<\/header>/)?.[0] ?? "";
    expect(header).toContain(manual);
    expect(header).toContain("Boiler room operating manual");
    expect(header).toContain("Version v2");
    expect(header).toMatch(/Effective \d{4}-\d{2}-\d{2}|Effective \d{2}\/\d{2}\/\d{4}/);
    const footer = html.match(/<footer class="print-running-footer"[\s\S]*?<\/footer>/)?.[0] ?? "";
    expect(footer).toContain("Printed by 张员工 (staff) on");
    expect(footer).toContain("Uncontrolled copy when printed — check the portal for the current version");
    expect(html).not.toContain("SUPERSEDED");
    expect(html).not.toContain("print-watermark");
    // The site's own header is not part of a print copy.
    expect(html).toMatch(/\/assets\/print-[\w-]+\.css/);
  });

  it("is offered as a tab on the document page", async () => {
    const c = await signedIn("staff");
    const res = await c.get(`/docs/${manual}`);
    expect(res.text_).toContain(`href="/docs/${manual}/print"`);
  });

  it("marks old versions SUPERSEDED, by path and by ?version=", async () => {
    const c = await signedIn("staff");
    for (const p of [`/docs/${manual}/v/1/print`, `/docs/${manual}/print?version=1`]) {
      const res = await c.get(p);
      expect(res.status, p).toBe(200);
      expect(res.text_).toContain("SUPERSEDED — this is v1; the current version is v2");
      const header = res.text_.match(/<header class="print-running-header"[\s\S]*?<\/header>/)?.[0] ?? "";
      expect(header).toContain("Version v1");
      expect(header).toContain("SUPERSEDED");
    }
    const current = await c.get(`/docs/${manual}/v/2/print`);
    expect(current.text_).not.toContain("SUPERSEDED");
    expect((await c.get(`/docs/${manual}/v/9/print`)).status).toBe(404);
    expect((await c.get(`/docs/${manual}/print?version=abc`)).status).toBe(404);
  });

  it("refuses restricted documents to readers without access, and logs who printed one", async () => {
    const staff = await signedIn("staff");
    const denied = await staff.get(`/docs/${secret}/print`);
    expect(denied.status).toBe(403);
    expect(denied.text_).toContain(`/access/request?number=${secret}`);
    expect(denied.text_).not.toContain("Finding section 1");

    const head = await signedIn("finhead");
    const res = await head.get(`/docs/${secret}/print`);
    expect(res.status).toBe(200);
    expect(res.text_).toContain("Finding section 1");
    expect(res.text_).toMatch(/class="print-watermark"[\s\S]*Morgan Fisher \(finhead\)/);

    const { readAuditEntries, resetAuditForTests } = await import("~/audit/audit.server");
    resetAuditForTests();
    const entries = readAuditEntries().filter((e) => e.object === secret && e.action.startsWith("document.view"));
    expect(entries.some((e) => e.actor === "finhead" && e.outcome === "ok" && e.details?.what === "print")).toBe(true);
    expect(entries.some((e) => e.actor === "staff" && e.outcome === "denied" && e.details?.what === "print")).toBe(true);
  });
});

describe("printed PDFs", () => {
  it("repeat the header and footer on every page", async () => {
    const pages = await pdfPages("staff", `/docs/${manual}/print`);
    expect(pages.length).toBeGreaterThanOrEqual(2);
    pages.forEach((text, i) => {
      expect(text, `page ${i + 1}`).toContain(manual);
      expect(text, `page ${i + 1}`).toContain("Version v2");
      expect(text, `page ${i + 1}`).toContain("Printed by 张员工 (staff)");
      expect(text.replace(/\s+/g, " "), `page ${i + 1}`).toContain("Uncontrolled copy when printed — check the portal for the current version");
      expect(text, `page ${i + 1}`).toMatch(new RegExp(`\\b${i + 1}\\s*/\\s*${pages.length}\\s*$`));
    });
    expect(pages.join("\n")).toContain("Boiler section 14");
  });

  it("carry the reader's name on every page of a restricted document", async () => {
    const pages = await pdfPages("finhead", `/docs/${secret}/print`);
    expect(pages.length).toBeGreaterThanOrEqual(2);
    pages.forEach((text, i) => {
      expect(text, `page ${i + 1}`).toContain("Morgan Fisher (finhead)");
      expect(text, `page ${i + 1}`).toContain(secret);
    });
  });

  it("mark every page of an old version SUPERSEDED", async () => {
    const pages = await pdfPages("staff", `/docs/${manual}/v/1/print`);
    expect(pages.length).toBeGreaterThanOrEqual(1);
    pages.forEach((text, i) => {
      expect(text, `page ${i + 1}`).toContain("SUPERSEDED");
      expect(text, `page ${i + 1}`).toContain("Version v1");
    });
  });
});
