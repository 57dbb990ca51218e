/**
 * The admin upload page over real HTTP: a dry run that writes nothing, then
 * the import from the stored upload with its report; a long import with a
 * progress bar that refreshes itself without JavaScript; who may use it; and
 * the same page driven in Chromium with JavaScript off.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { chromiumAvailable, launchBrowser, loginInBrowser, newPage, step } from "../helpers/browser";
import { Client, signIn } from "../helpers/client";
import { ROOT } from "../helpers/paths";
import type { RunningServer } from "../helpers/server";
import { createWorld, type World } from "../helpers/world";

let world: World;
let server: RunningServer;
let browser: Browser;
const FIXTURES = path.join(ROOT, "tests/fixtures/docx");

beforeAll(async () => {
  if (!chromiumAvailable()) throw new Error("Chromium is missing: .ci/run installs it with apt-get install chromium");
  world = await createWorld();
  server = await world.server();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await world?.cleanup();
});

async function signedIn(username: string) {
  const c = await signIn(server.url, username);
  await c.get("/admin/import");
  return c;
}

/** Posts a multipart form the way a browser sends a file upload. */
function upload(c: Client, fields: Record<string, string>, files: { name: string; data: Buffer | string; field?: string }[]) {
  return c.postFiles("/admin/import", fields, files);
}

function rows(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<tr class="outcome-(\w+)" data-file="([^"]+)">/g)) out[m[2].replace(/&amp;/g, "&")] = m[1];
  return out;
}

async function waitDone(c: Client, location: string) {
  const seen: string[] = [];
  for (let i = 0; i < 300; i++) {
    const res = await c.get(location);
    expect(res.status).toBe(200);
    if (res.text_.includes('id="import-progress"')) {
      seen.push("running");
      expect(res.text_).toMatch(/<progress id="import-progress" max="\d+" value="\d+"/);
      expect(res.text_).toContain('<noscript><meta http-equiv="refresh" content="2"/></noscript>');
    } else {
      return { html: res.text_, seen };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("import did not finish");
}

describe("the upload page", () => {
  it("is for administrators only", async () => {
    const staff = await signedIn("staff");
    expect((await staff.get("/admin/import")).status).toBe(403);
    const res = await upload(staff, { intent: "check" }, [{ name: "a.md", data: "# A\n\ntext" }]);
    expect(res.status).toBe(403);
  });

  it("asks for files when none were chosen, and refuses a post without the CSRF token", async () => {
    const admin = await signedIn("admin");
    const none = await upload(admin, { intent: "check", category: "EXE" }, []);
    expect(none.status).toBe(400);
    expect(none.text).toContain("Choose at least one file");
    admin.csrf = "forged";
    const forged = await upload(admin, { intent: "import" }, [{ name: "a.md", data: "# A\n\ntext" }]);
    expect(forged.status).toBe(403);
  });

  it("checks first without writing, then imports the stored upload and reports every file", async () => {
    const admin = await signedIn("admin");
    const files = [
      { name: "procedure.docx", data: fs.readFileSync(path.join(FIXTURES, "procedure.docx")) },
      { name: "corrupt.docx", data: fs.readFileSync(path.join(FIXTURES, "corrupt.docx")) },
      { name: "handbook.md", data: "---\ntitle: Visitor handbook\ntype: guide\n---\n\n## Arrival\n\nSign in at the gate.\n" },
      { name: "scan.pdf", data: "%PDF-1.4" },
    ];
    const res = await upload(admin, { intent: "check", category: "INI", type: "procedure", ownerDepartment: "qa", confidentiality: "internal" }, files);
    expect(res.status).toBe(302);
    expect(res.location).toMatch(/^\/admin\/import\/[0-9a-f-]{36}$/);
    const plan = await admin.get(res.location);
    expect(plan.text_).toContain("This is a dry run: nothing has been written.");
    expect(rows(plan.text_)).toEqual({ "corrupt.docx": "skipped", "handbook.md": "ready", "procedure.docx": "ready", "scan.pdf": "skipped" });
    expect(plan.text_).toContain("Damaged Word file");
    expect(plan.text_).toContain("Not a markdown or Word file");
    expect(plan.text_).toContain("2 can be imported, 2 will be skipped, of 4 file(s).");
    const predicted = [...plan.text_.matchAll(/<span class="doc-number">(INI-\d+)<\/span>/g)].map((m) => m[1]);
    expect(predicted).toHaveLength(2);
    for (const n of predicted) expect((await admin.get(`/docs/${n}`)).status).toBe(404);

    const run = await admin.post(res.location, { intent: "run" });
    expect(run.status).toBe(302);
    const { html } = await waitDone(admin, res.location);
    expect(html).toContain("2 imported, 2 skipped, 0 failed, of 4 file(s).");
    expect(rows(html)).toEqual({ "corrupt.docx": "skipped", "handbook.md": "imported", "procedure.docx": "imported", "scan.pdf": "skipped" });
    const numbers = [...html.matchAll(/<a class="doc-number"[^>]* href="\/docs\/(INI-\d+)"/g)].map((m) => m[1]);
    expect(numbers.sort()).toEqual(predicted.sort());
    const staff = await signedIn("staff");
    const doc = await staff.get(`/docs/${numbers[0]}`);
    expect(doc.status).toBe(200);
    const docs = await Promise.all(numbers.map((n) => staff.get(`/docs/${n}`)));
    const procedure = docs.find((d) => d.text_.includes("Incoming goods inspection procedure"))!;
    expect(procedure.text_).toMatch(/<table>[\s\S]*Lot size[\s\S]*<\/table>/);
    expect(procedure.text_).toContain("Quality Management");
    const handbook = docs.find((d) => d.text_.includes("Visitor handbook"))!;
    expect(handbook.text_).toContain("Onboarding guide"); // type from the front matter wins over the form default

    // Running the same upload twice is refused.
    const again = await admin.post(res.location, { intent: "run" });
    expect(again.status).toBe(409);
    // The list of recent imports links to the report.
    const list = await admin.get("/admin/import");
    expect(list.text_).toContain(`href="${res.location}"`);
  });

  it("shows a progress bar during a long import and a complete report at the end", async () => {
    const admin = await signedIn("admin");
    const files = Array.from({ length: 120 }, (_, i) => ({
      name: `batch/note-${String(i + 1).padStart(3, "0")}.md`,
      data: `# Shift note ${i + 1}\n\n${"The night shift checked the boilers and logged the readings. ".repeat(40)}\n`,
    }));
    files.push({
      name: "batch/import-mapping.yaml",
      data: 'default:\n  category: MON\n  type: record\n  owner_department: ops\nrules:\n  - match: "note-00*"\n    category: ACC\n',
    });
    const res = await upload(admin, { intent: "import" }, files);
    expect(res.status).toBe(302);
    const { html, seen } = await waitDone(admin, res.location);
    console.log(`[figure] upload import of 120 documents: progress page seen ${seen.length} time(s) before the report`);
    expect(html).toContain("120 imported, 1 skipped, 0 failed, of 121 file(s).");
    const r = rows(html);
    expect(r["import-mapping.yaml"]).toBe("skipped");
    expect(Object.values(r).filter((o) => o === "imported")).toHaveLength(120);
    // The folder's mapping file applied: note-001…009 went to ACC, the rest to MON.
    expect(html.match(/href="\/docs\/ACC-\d+"/g)).toHaveLength(9);
    expect(html.match(/href="\/docs\/MON-\d+"/g)).toHaveLength(111);
  });
});

/** The corpus of regulations and handbook pages as a folder upload ("corpus/…"). */
function corpusUpload(filter: (name: string) => boolean = () => true) {
  const root = path.join(ROOT, "tests/fixtures/import-corpus");
  const out: { name: string; data: Buffer }[] = [];
  const visit = (dir: string, rel: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) visit(path.join(dir, e.name), r);
      else if (filter(r)) out.push({ name: `corpus/${r}`, data: fs.readFileSync(path.join(dir, e.name)) });
    }
  };
  visit(root, "");
  return out;
}

describe("duplicates, links and kept front matter on the upload page", () => {
  it("shows duplicate groups with a choice each, links and kept keys in the dry run, and merges as chosen", async () => {
    const admin = await signedIn("admin");
    const res = await upload(admin, { intent: "check" }, corpusUpload());
    expect(res.status).toBe(302);
    const plan = await admin.get(res.location);
    const html = plan.text_;
    expect(html).toContain("Duplicates and near-duplicates");
    expect(html).toContain('data-group="1"');
    expect(html).toMatch(/<input type="radio" name="group\.1" checked="" value="import"/);
    expect(html).toMatch(/name="group\.1" value="skip"/);
    expect(html).toMatch(/same title, identical text/);
    expect(html).toContain("Front matter kept as written: issuer, promulgated, source_id");
    expect(html).toContain("Link to travel/policy.md (line 10): there is no such file in the import");
    expect(html).toContain("Links: 13 rewritten to document numbers, 2 lead outside the import.");
    expect(html).toContain("中华人民共和国民法典 · 第三编 合同");
    expect(html).toContain("no heading: title from the folder name");
    expect(rows(html)["handbook/README.md"]).toBe("ready");
    const keep = new RegExp('value="(keep:\\d+)"[^>]*>(?:\\s|<!-- -->)*Import only regulations/labour-law-2018\\.md;').exec(html);
    expect(keep).not.toBeNull();
    // An unknown choice is refused with a message, and nothing runs.
    const bad = await admin.post(res.location, { intent: "run", "group.1": "keep:99" });
    expect(bad.status).toBe(400);
    expect((await admin.get(res.location)).text_).toContain("This is a dry run");

    const run = await admin.post(res.location, { intent: "run", "group.1": keep![1] });
    expect(run.status).toBe(302);
    const { html: done } = await waitDone(admin, res.location);
    expect(done).toContain("9 imported, 3 skipped, 0 failed, of 12 file(s).");
    const r = rows(done);
    expect(r["regulations/labour-law-2018.md"]).toBe("imported");
    expect(r["regulations/labour-law-2009.md"]).toBe("skipped");
    expect(r["regulations/labour-law-2018-copy.md"]).toBe("skipped");
    expect(done).toContain("Imported once, as regulations/labour-law-2018.md");
    const labour = /data-file="regulations\/labour-law-2018\.md">[\s\S]*?href="\/docs\/(APR-\d+)"/.exec(done)![1];
    expect(done).toContain(`A duplicate of regulations/labour-law-2018.md, imported as ${labour}; links to this file lead there.`);
    const number = (file: string) => new RegExp(`data-file="${file.replace(/[.]/g, "\\.")}">[\\s\\S]*?href="/docs/([A-Z]+-\\d+)"`).exec(done)![1];

    // A reader follows the rewritten link to the section it named.
    const staff = await signedIn("staff");
    const handbook = await staff.get(`/docs/${number("handbook/README.md")}`);
    expect(handbook.status).toBe(200);
    expect(handbook.text_).toContain(`href="/docs/${number("handbook/security/access-control.md")}#badges"`);
    const access = await staff.get(`/docs/${number("handbook/security/access-control.md")}`);
    expect(access.text_).toContain('<h3 id="badges">Badges</h3>');

    // The same report in Chinese: reasons and details translated.
    const zh = await signIn(server.url, "admin", { lang: "zh-CN" });
    const zhReport = (await zh.get(res.location)).text_;
    expect(zhReport).toContain("重复文件");
    expect(zhReport).toContain(`是 regulations/labour-law-2018.md 的重复件，后者已导入为 ${labour}；指向本文件的链接改指向它。`);
    expect(zhReport).toContain("指向 travel/policy.md 的链接（第 10 行）：本次导入中没有这个文件");
    expect(zhReport).not.toContain("A duplicate of");
    expect(zhReport).not.toContain("there is no such file");
  });

  it("skips a whole group when the form says so, and reports the links that now lead nowhere", async () => {
    const admin = await signedIn("admin");
    const res = await upload(admin, { intent: "import", category: "APR", ownerDepartment: "docctl", duplicates: "skip" }, corpusUpload((n) => n.startsWith("regulations/") && !n.includes("civil-code")));
    expect(res.status).toBe(302);
    const { html } = await waitDone(admin, res.location);
    expect(html).toContain("1 imported, 3 skipped, 0 failed, of 4 file(s).");
    expect(html).toContain("Left out with the rest of duplicate group 1.");
    expect(html).toContain("All skipped");
    expect(html).toContain("Link to ./labour-law-2009.md (line 5): that file is not imported");
  });
});

describe("in a browser without JavaScript", () => {
  it("uploads, checks, imports and follows the self-refreshing report page", async () => {
    const { page, context } = await newPage(browser, { javaScriptEnabled: false, locale: "en-GB" });
    try {
      await context.addCookies([{ name: "regula_lang", value: "en", url: server.url }]);
      await loginInBrowser(page, server.url, "admin");
      await step(page, "import-nojs-upload", async () => {
        await page.goto(`${server.url}/admin/import`);
        await page.setInputFiles("#files", [
          { name: "fire-drill.md", mimeType: "text/markdown", buffer: Buffer.from("# Fire drill procedure\n\n1. Sound the alarm.\n2. Walk to the assembly point.\n") },
        ]);
        await page.selectOption("#category", "EXE");
        await Promise.all([page.waitForURL(/\/admin\/import\/[0-9a-f-]{36}$/), page.click("button[value=check]")]);
        await page.waitForSelector("text=This is a dry run");
      });
      await step(page, "import-nojs-run", async () => {
        await Promise.all([page.waitForNavigation(), page.click("button[value=run]")]);
        await page.waitForSelector("text=1 imported, 0 skipped, 0 failed, of 1 file(s).", { timeout: 30_000 });
      });
      await step(page, "import-nojs-open", async () => {
        await Promise.all([page.waitForURL(/\/docs\/EXE-\d+$/), page.click("a.doc-number")]);
        await page.waitForSelector("text=Walk to the assembly point.");
      });
    } finally {
      await context.close();
    }
  });
});
