/**
 * Cross-references over HTTP (decision 089): document numbers in the text of
 * a Chinese process manual link to the cited documents on the page, in the
 * print view and in search snippets (pinned versions, Chinese text without
 * spaces, nothing inside code, restricted ones to the access request without
 * their title); "referenced by"; the retirement proposal lists the citing
 * documents; publishing it tells their owners and turns their citations into
 * broken references on the dashboard and in the editor's preview.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumAvailable, launchBrowser, loginInBrowser, newPage, step } from "../helpers/browser";
import { signIn, type Client } from "../helpers/client";
import type { RunningServer } from "../helpers/server";
import { scaled } from "../helpers/time";
import { createWorld, useWorldInProcess, type World } from "../helpers/world";
import { PASSWORD } from "./revisions-helpers";
import { publishTestDoc } from "./search-fixtures";
import { apiRequest, apiToken } from "../helpers/api";

let world: World;
let server: RunningServer;
/** The stocktaking procedure everything cites; retired during the tests. */
let target = "";
/** A restricted finance report (fin) that also cites it. */
let secret = "";
/** The purchasing manual (ops) citing all of them. */
let manual = "";
/** A quality acceptance procedure (qa) citing the procedure. */
let qaDoc = "";
const UNKNOWN = "ACC-950";

beforeAll(async () => {
  world = await createWorld();
  await useWorldInProcess(world);
  target = (
    await publishTestDoc({
      title: "仓库盘点操作规程",
      type: "procedure",
      body: "# 仓库盘点操作规程\n\n## 一、适用范围\n\n本规程适用于各仓库的月度盘点，审批按 APR-001 办理。\n\n## 四、差异处理\n\n盘点差异超过千分之三的，由仓管员填写差异说明。\n",
    })
  ).number;
  secret = (
    await publishTestDoc({
      category: "MON",
      type: "report",
      title: "薪酬异常调查报告",
      ownerDepartment: "fin",
      confidentiality: "restricted",
      body: `# 调查报告\n\n存货盘点差异的处理见${target}第四节。\n`,
    })
  ).number;
  manual = (
    await publishTestDoc({
      title: "采购流程手册",
      body: [
        "# 采购流程手册",
        "",
        "## 第一章 总则",
        "",
        `1. 到货入库后的盘点要求见${target}第4节，审批层级按APR-001确定。`,
        `2. 2019 年的旧盘点表见 ${target}@v1，仅供对照。`,
        `3. 涉及薪酬的调查结论见${secret}。`,
        `4. 验收报告模板见 ${UNKNOWN}。`,
        "",
        "## 附录 系统导出",
        "",
        "```",
        `export --doc ${target} --format csv`,
        "```",
        "",
        `命令行中的编号 \`${target}\` 不是引用。`,
        "",
      ].join("\n"),
    })
  ).number;
  qaDoc = (
    await publishTestDoc({
      category: "ACC",
      type: "procedure",
      title: "到货验收规程",
      ownerDepartment: "qa",
      body: `# 到货验收规程\n\n验收合格的货物按 ${target} 入库盘点。\n`,
    })
  ).number;
  server = await world.server();
}, scaled(120_000));
afterAll(async () => world?.cleanup());

const signedIn = (username: string, lang: "en" | "zh-CN" = "en") => signIn(server.url, username, { lang });

function articleOf(html: string): string {
  return html.match(/<div[^>]*class="markdown"[^>]*>[\s\S]*?<\/div>/)?.[0] ?? html;
}

describe("numbers in the text link to their documents", () => {
  it("on the document page: Chinese text without spaces, pinned versions, never inside code, restricted ones to the access request without their title", async () => {
    const staff = await signedIn("staff");
    const res = await staff.get(`/docs/${manual}`);
    expect(res.status).toBe(200);
    const html = res.text_;
    expect(html).toContain(`盘点要求见<a class="doc-link" href="/docs/${target}" title="仓库盘点操作规程">${target}</a>第4节`);
    expect(html).toContain(`审批层级按<a class="doc-link" href="/docs/APR-001" title="`);
    expect(html).toContain(`<a class="doc-link" href="/docs/${target}/v/1" title="仓库盘点操作规程">${target}@v1</a>`);
    // The restricted report: its number leads to the access request, and its title appears nowhere.
    expect(html).toContain(`<a class="doc-link doc-link-locked" href="/access/request?number=${secret}">${secret}</a>`);
    expect(html).not.toContain("薪酬异常调查报告");
    // A number that was never issued is marked, not hidden.
    expect(html).toContain(`<a class="doc-link doc-link-unknown" href="/docs/${UNKNOWN}">${UNKNOWN}</a>`);
    // Code blocks and inline code are not references.
    expect(html).toContain(`export --doc ${target} --format csv`);
    expect(html).toContain(`<code>${target}</code>`);
    expect(html.match(new RegExp(`href="/docs/${target}"`, "g"))).toHaveLength(1);

    // A reader who may open the restricted report gets a plain link with its title.
    const finhead = await signedIn("finhead");
    const fin = (await finhead.get(`/docs/${manual}`)).text_;
    expect(fin).toContain(`<a class="doc-link" href="/docs/${secret}" title="薪酬异常调查报告">${secret}</a>`);
  });

  it("in the print view", async () => {
    const staff = await signedIn("staff");
    const res = await staff.get(`/docs/${manual}/print`);
    expect(res.status).toBe(200);
    expect(res.text_).toContain(`盘点要求见<a class="doc-link" href="/docs/${target}" title="仓库盘点操作规程">${target}</a>第4节`);
    expect(res.text_).toContain(`href="/access/request?number=${secret}"`);
    expect(res.text_).not.toContain("薪酬异常调查报告");
  });

  it("in search snippets, resolved for the reader", async () => {
    const staff = await signedIn("staff");
    const res = await staff.json<{ hits: { number: string; snippetHtml: string | null }[] }>(`/api/v1/search?q=${encodeURIComponent("调查结论")}`);
    expect(res.status).toBe(200);
    const hit = res.body.hits.find((h) => h.number === manual);
    expect(hit?.snippetHtml).toContain(`<a class="doc-link doc-link-locked" href="/access/request?number=${secret}">${secret}</a>`);
    const page = await staff.get(`/search?q=${encodeURIComponent("盘点要求")}`);
    expect(page.text_).toMatch(new RegExp(`class="hit-snippet"[^>]*>[^]*?<a class="doc-link" href="/docs/${target}" title="仓库盘点操作规程">${target}</a>`));
  });
});

describe("referenced by", () => {
  it("lists the current documents citing one, as far as the reader may see them", async () => {
    const staff = await signedIn("staff");
    const page = (await staff.get(`/docs/${target}`)).text_;
    const panel = page.match(/<section class="panel referenced-by"[\s\S]*?<\/section>/)?.[0] ?? "";
    expect(panel).toContain("Referenced by (3)");
    expect(panel).toContain(`href="/docs/${manual}"`);
    expect(panel).toContain("采购流程手册");
    expect(panel).toContain(`href="/docs/${qaDoc}"`);
    expect(panel).toContain("1 more in documents you may not open.");
    expect(panel).not.toContain(secret);

    const finhead = await signedIn("finhead", "zh-CN");
    const zh = (await finhead.get(`/docs/${target}`)).text_;
    const zhPanel = zh.match(/<section class="panel referenced-by"[\s\S]*?<\/section>/)?.[0] ?? "";
    expect(zhPanel).toContain("被引用（3）");
    expect(zhPanel).toContain("薪酬异常调查报告");
    expect(zhPanel).not.toContain("无权查阅");

    // APR-001 is cited by the procedure (and by sample documents).
    expect((await staff.get("/docs/APR-001")).text_).toContain(`href="/docs/${target}"`);
  });
});

const api = (token: string, method: string, path: string, body?: unknown) => apiRequest(server.url, token, method, path, body);

async function brokenList(admin: Client): Promise<string> {
  const res = await admin.get("/dashboard/references");
  expect(res.status).toBe(200);
  return res.text_;
}

describe("retiring a cited document", () => {
  let proposalId = "";

  it("lists the broken references there are before (the unknown number only)", async () => {
    const admin = await signedIn("admin");
    const dashboard = (await admin.get("/dashboard")).text_;
    expect(dashboard).toMatch(/data-figure="references.broken" data-value="(\d+)"/);
    const list = await brokenList(admin);
    expect(list).toContain(UNKNOWN);
    expect(list).toContain("No such document");
    expect(list).not.toMatch(new RegExp(`<td>${target}</td>`));
  });

  it("the retirement proposal lists the documents that cite it before anyone approves", async () => {
    const editorToken = await apiToken(await signedIn("editor"));
    const created = await api(editorToken, "POST", "/api/v1/proposals", { kind: "retire", number: target, summary: "盘点改由新系统执行" });
    expect(created.status).toBe(201);
    proposalId = created.body.proposal.id;
    expect((await api(editorToken, "POST", `/api/v1/proposals/${proposalId}/submit`)).status).toBe(200);

    const approver = await signedIn("approver");
    const page = (await approver.get(`/proposals/${proposalId}`)).text_;
    const panel = page.match(/<section class="panel referenced-by"[\s\S]*?<\/section>/)?.[0] ?? "";
    expect(panel).toContain(`Documents citing ${target} (3)`);
    expect(panel).toContain("the owners of the citing documents are told");
    expect(panel).toContain(`href="/docs/${manual}"`);
    expect(panel).toContain(`href="/docs/${qaDoc}"`);
    // The approver of Operations may not open the finance report: counted, never named.
    expect(panel).toContain("1 more in documents you may not open.");
    expect(page).not.toContain("薪酬异常调查报告");

    const zh = (await (await signedIn("approver", "zh-CN")).get(`/proposals/${proposalId}`)).text_;
    expect(zh).toContain(`引用 ${target} 的文档（3）`);
  });

  it("the panels and links fit a 390 px phone, in zh-CN", async () => {
    if (!chromiumAvailable()) throw new Error("Chromium is missing: .ci/run installs it with apt-get install chromium");
    const browser = await launchBrowser();
    try {
      for (const [username, pathName] of [
        ["approver", `/proposals/${proposalId}`],
        ["staff", `/docs/${target}`],
        ["staff", `/docs/${manual}`],
      ] as const) {
        const { context, page, consoleErrors } = await newPage(browser, { locale: "zh-CN" });
        try {
          await page.setViewportSize({ width: 390, height: 844 });
          await loginInBrowser(page, server.url, username);
          await step(page, `xref-phone-${pathName}`, async () => {
            await page.goto(server.url + pathName);
            const panel = page.locator(pathName.startsWith("/docs/" + manual) ? ".markdown a.doc-link" : "section.referenced-by").first();
            await panel.waitFor();
            const box = await panel.boundingBox();
            expect(box && box.x >= 0 && box.x + box.width <= 390, pathName).toBe(true);
            const width = await page.evaluate(() => document.documentElement.scrollWidth);
            expect(width, pathName).toBeLessThanOrEqual(390);
          });
          expect(consoleErrors).toEqual([]);
        } finally {
          await context.close();
        }
      }
    } finally {
      await browser.close();
    }
  });

  it("publishing it tells the owners of the citing documents, and their citations become broken references", async () => {
    const approver = await signedIn("approver");
    const first = await approver.post(`/proposals/${proposalId}`, { intent: "approve", password: PASSWORD, comment: "" });
    expect(first.status).toBe(302);
    const admin = await signedIn("admin");
    const final = await admin.post(`/proposals/${proposalId}`, { intent: "approve", password: PASSWORD, comment: "" });
    expect(final.status).toBe(302);
    expect(final.headers.get("location")).toContain("done=published");

    // The head of Quality owns the acceptance procedure; the head of Operations the manual; the head of Finance the report.
    const qahead = await signedIn("qahead");
    expect((await qahead.get("/notifications")).text_).toContain(`${target} 仓库盘点操作规程, cited by ${qaDoc}, was retired`);
    expect((await approver.get("/notifications")).text_).toContain(`${target} 仓库盘点操作规程, cited by ${manual}, was retired`);
    const finhead = await signedIn("finhead", "zh-CN");
    expect((await finhead.get("/notifications")).text_).toContain(`${secret} 引用的 ${target} 仓库盘点操作规程 已作废`);
    // Nobody who owns no citing document is told.
    expect((await (await signedIn("hrhead")).get("/notifications")).text_).not.toContain("cited by");

    // Citations update on retirement: the citing documents now cite a retired number ...
    const list = await brokenList(admin);
    for (const citing of [manual, qaDoc, secret]) expect(list).toContain(`href="/docs/${citing}"`);
    expect(list).toMatch(new RegExp(`${target}</td><td[^>]*>Retired`));
    expect(list).toContain(`${target}@v1`);
    // ... the retired procedure itself cites nothing any more ...
    expect((await admin.get("/docs/APR-001")).text_).not.toContain(`href="/docs/${target}"`);
    // ... and its links are marked retired for readers.
    const staff = await signedIn("staff");
    expect((await staff.get(`/docs/${manual}`)).text_).toContain(`<a class="doc-link doc-link-retired" href="/docs/${target}" title="仓库盘点操作规程">${target}</a>`);
    // A revision that cites something else instead leaves the list, and is listed where it now points.
    const revised = await fetch(`${server.url}/api/test-hooks/publish`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ actor: "editor", change: "minor", document: { number: qaDoc, body: "# 到货验收规程\n\n验收合格的货物按 MON-001 入库盘点。\n" } }),
    });
    expect(revised.status).toBe(200);
    const after = await brokenList(admin);
    expect(after).not.toContain(`href="/docs/${qaDoc}"`);
    expect(after).toContain(`href="/docs/${manual}"`);
    const mon = (await staff.get("/docs/MON-001")).text_.match(/<section class="panel referenced-by"[\s\S]*?<\/section>/)?.[0] ?? "";
    expect(mon).toContain(`href="/docs/${qaDoc}"`);
    expect(mon).toContain("到货验收规程");
    // A head of department sees the broken references of their own department only.
    const finList = (await (await signedIn("finhead")).get("/dashboard/references")).text_;
    expect(finList).toContain(`href="/docs/${secret}"`);
    expect(finList).not.toContain(`href="/docs/${manual}"`);
  });

  it("the editor's preview lists citations of retired and unknown numbers before submitting", async () => {
    const editor = await signedIn("editor");
    const preview = async (c: Client, markdown: string) => {
      const res = await fetch(`${server.url}/api/preview`, {
        method: "POST",
        headers: { Cookie: c.cookieHeader(), "Content-Type": "application/json", Origin: server.url, "X-CSRF-Token": c.csrf },
        body: JSON.stringify({ markdown }),
      });
      expect(res.status).toBe(200);
      return (await res.json()) as { html: string; brokenReferences: { number: string; version?: number; problem: string }[] };
    };
    const text = `盘点按${target}执行，验收见 ${UNKNOWN}，流程见 ${manual}@v9，审批见 APR-001。\n\n\`\`\`\n${UNKNOWN} 在代码里\n\`\`\`\n`;
    const body = await preview(editor, text);
    expect(body.brokenReferences).toEqual([
      { number: target, problem: "retired" },
      { number: UNKNOWN, problem: "unknown" },
      { number: manual, version: 9, problem: "unknown-version" },
    ]);
    expect(body.html).toContain("Check these references before you submit (3):");
    expect(body.html).toContain(`${target} is retired`);
    expect(body.html).toContain(`${UNKNOWN} does not exist`);
    expect(body.html).toContain(`${manual} has no version v9`);
    const zh = await preview(await signedIn("editor", "zh-CN"), text);
    expect(zh.html).toContain("提交前请检查以下引用（3）：");
    expect(zh.html).toContain(`${target} 已作废`);
    const clean = await preview(editor, "审批见 APR-001。");
    expect(clean.brokenReferences).toEqual([]);
    expect(clean.html).not.toContain("broken-refs");

    // Without JavaScript: the Preview button of the propose form shows the same list.
    const page = await editor.post(`/docs/${manual}/propose`, { intent: "preview", body: text, summary: "", change: "minor" });
    expect(page.status).toBe(200);
    expect(page.text_).toContain(`${target} is retired`);
  });
});
