/**
 * User journeys end to end in a real browser (Debian's Chromium through
 * playwright-core), each step kept as a screenshot when it fails:
 *  1. a reader searches in Chinese from the header and reads the current version;
 *  2. a major revision: drafted, pre-reviewed and finally approved with signatures,
 *     pushed live to a reader's open page, then read and acknowledged;
 *  3. an access request granted for a few days, read, and refused again once the
 *     grant has expired (server clock moved by the test hook);
 *  4. emergency access taken by another department's head, reported to the
 *     document controller, and ratified by the owning department's head;
 *  5. the interface in Chinese and English, kept across a reload and a new sign-in;
 *  6. axe-core on the home page, a document and a proposal under review;
 *  7. without JavaScript: read, history, diff, and a proposal saved and submitted.
 */
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { chromiumAvailable, launchBrowser, loginInBrowser, signedInSession, step, type BrowserSession } from "../helpers/browser";
import { Client } from "../helpers/client";
import { ROOT } from "../helpers/paths";
import type { RunningServer } from "../helpers/server";
import { createWorld, type World } from "../helpers/world";
import { scaled } from "../helpers/time";

const DAY = 86_400_000;
const MARKER = "RESTRICTED-MARKER-7Q4Z"; // in the sample's restricted EXE-005 body

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

type Session = BrowserSession;

const signedIn = (base: string, username: string, options: { javaScriptEnabled?: boolean; locale?: string } = {}) => signedInSession(browser, base, username, options);

async function closeAll(...sessions: (Session | undefined)[]) {
  for (const s of sessions) await s?.context.close();
}

const text = async (page: Page, selector: string) => ((await page.locator(selector).first().textContent()) ?? "").replace(/\s+/g, " ").trim();

async function unread(page: Page): Promise<number> {
  return Number(await page.textContent("[data-testid=unread-count]"));
}

/** The date part of an instant in the company's time zone, as the notices print it. */
function shanghaiDate(ms: number): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(ms));
}

/** The markdown body (without front matter) of a document's current version, as an editor downloads it. */
async function currentBody(c: Client, number: string): Promise<string> {
  const res = await c.get(`/docs/${number}/raw`);
  if (res.status !== 200) throw new Error(`raw ${number}: ${res.status}`);
  return res.text_.replace(/^---\n[\s\S]*?\n---\n/, "");
}

/** The next instant (ms) at the given whole UTC hour, at least a minute from now. */
function nextUtcHour(hour: number): number {
  const d = new Date(Date.now() + 60_000);
  const at = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), hour, 5);
  return at > d.getTime() ? at : at + DAY;
}

async function testHook(base: string, body: Record<string, unknown>) {
  const res = await fetch(`${base}/api/test-hooks`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`test hook failed: ${res.status}`);
  return (await res.json()) as { offsetMs: number; now: string };
}

describe("journey 1: searching in Chinese", () => {
  it("finds a document by words of its body from the header and opens its current version", async () => {
    const s = await signedIn(server.url, "staff");
    const { page } = s;
    try {
      await step(page, "j1-type", async () => {
        await page.click("#header-q");
        await page.keyboard.type("版本控制失效", { delay: 20 });
        await page.locator("#header-suggest li[role=option]", { hasText: "查看“版本控制失效”的全部结果" }).waitFor();
      });
      await step(page, "j1-all-results", async () => {
        await Promise.all([
          page.waitForURL(/\/search\?q=/),
          page.locator("#header-suggest li[role=option]", { hasText: "查看“版本控制失效”的全部结果" }).click(),
        ]);
        await page.locator(".search-hit").first().waitFor();
      });
      const hit = page.locator(".search-hit", { hasText: "MON-002" });
      expect(await hit.count()).toBe(1);
      expect(await hit.locator(".hit-title").textContent()).toContain("採購流程手冊多版本流通問題糾正措施報告");
      expect(await hit.locator(".hit-snippet mark").first().textContent()).toBe("版本控制失效");

      await step(page, "j1-open", async () => {
        await Promise.all([page.waitForURL(/\/docs\/MON-002$/), hit.locator(".hit-title").click()]);
        await page.locator(".doc-header h1").waitFor();
      });
      expect(await text(page, ".doc-header h1")).toBe("MON-002 採購流程手冊多版本流通問題糾正措施報告");
      // The current version is the latest of the history: v2.
      const version = page.locator(".doc-meta div", { hasText: "版本" }).locator("dd");
      expect(await version.first().textContent()).toBe("v2");
      expect(await page.locator(".markdown h2", { hasText: "二、原因分析" }).count()).toBe(1);
      expect(await page.locator(".markdown").first().textContent()).toContain("流程文檔版本控制失效");
      await page.click(`.doc-tabs a[href="/docs/MON-002/history"]`);
      await page.locator("table.list .badge-current").waitFor();
      expect(await page.locator("table.list tbody tr").count()).toBe(2);
      expect(await text(page, "table.list tbody tr:has(.badge-current) td:first-child")).toBe("v2 现行版本");
      expect(s.consoleErrors).toEqual([]);
    } finally {
      await closeAll(s);
    }
  });
});

describe("journey 2: a major revision from draft to acknowledgement", () => {
  it("is drafted, submitted, pre-reviewed and finally approved with signatures, arrives live on a reader's page, and is acknowledged", async () => {
    const number = "EXE-003";
    const summary = "新增第 9 章：系統停機時的應急請購";
    const addition = "\n\n## 9 系統停機時的應急請購\n\n系統停機超過四小時，可使用紙本請購單，恢復後兩個工作日內補錄。\n";
    let reader: Session | undefined;
    let editor: Session | undefined;
    let pre: Session | undefined;
    let final: Session | undefined;
    try {
      // A reader in the audience (ops) has the home page open the whole time.
      reader = await signedIn(server.url, "staff");
      const rp = reader.page;
      await rp.goto(`${server.url}/`);
      await step(rp, "j2-reader-live", () => rp.waitForSelector(".notification-bell[data-live=live]", { timeout: 15_000 }));
      const before = await unread(rp);
      await rp.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));

      // The editor starts a proposal from the document page.
      editor = await signedIn(server.url, "editor");
      const ep = editor.page;
      await step(ep, "j2-propose-open", async () => {
        await ep.goto(`${server.url}/docs/${number}`);
        await Promise.all([ep.waitForURL(`**/docs/${number}/propose`), ep.click(`.doc-tabs a[href="/docs/${number}/propose"]`)]);
        await ep.locator("#body-editor").waitFor();
      });
      expect(await text(ep, "h2")).toContain(number);
      await ep.check('input[name="change"][value="major"]');
      await ep.fill("#summary", summary);
      const body = await ep.inputValue("#body-editor");
      expect(body).toContain("# 採購申請處理流程手冊");
      await ep.fill("#body-editor", body.trimEnd() + addition);
      await step(ep, "j2-preview", () => ep.locator(".md-preview .markdown h2", { hasText: "9 系統停機時的應急請購" }).waitFor({ timeout: 10_000 }));
      await step(ep, "j2-save", async () => {
        await Promise.all([ep.waitForURL(/\/proposals\/P-\d+$/), ep.click('button[name="intent"][value="create"]')]);
        await ep.locator(".badge.status-draft").waitFor();
      });
      const proposalPath = new URL(ep.url()).pathname;
      const proposalId = proposalPath.split("/").pop()!;
      expect(await text(ep, ".proposal-page h1")).toContain(`${proposalId} · ${number}`);
      expect(await text(ep, ".proposal-page")).toContain("重大修订");
      // The formatted diff is the default view: an added paragraph is an added block, a changed one has <ins> marks.
      expect(await ep.locator(".fd .fd-add, .fd ins", { hasText: "系統停機超過四小時" }).count()).toBeGreaterThan(0);
      await step(ep, "j2-submit", async () => {
        await Promise.all([ep.waitForURL(/done=submit/), ep.click('button[name="intent"][value="submit"]')]);
        await ep.locator(".form-ok", { hasText: "已提交审批。" }).waitFor();
      });
      expect(await ep.locator(".badge.status-in-review").count()).toBe(1);
      expect(await text(ep, ".stage-panel h2")).toBe("等待预审（第 1 步，共 2 步）");
      expect(await text(ep, ".stage-panel")).toContain("李主管 (approver)");

      // Pre-review: the owning department's head finds it in the inbox and signs with the password.
      pre = await signedIn(server.url, "approver");
      const pp = pre.page;
      await step(pp, "j2-pre-inbox", async () => {
        await pp.goto(`${server.url}/inbox`);
        await Promise.all([pp.waitForURL(`**${proposalPath}`), pp.locator(".inbox-item a.proposal-id", { hasText: proposalId }).click()]);
        await pp.locator(".decide-panel").waitFor();
      });
      expect(await text(pp, ".signature-statement")).toContain("预审通过");
      await pp.fill("#comment", "同意，請補充停機判定標準。");
      await pp.fill("#password", "not-my-password");
      await step(pp, "j2-pre-wrong-password", async () => {
        await pp.click('.decide-panel button:has-text("签署：预审通过")');
        await pp.locator(".decide-panel .field-error").waitFor();
      });
      expect(await pp.locator(".badge.status-in-review").count()).toBe(1);
      expect(await text(pp, ".stage-panel h2")).toBe("等待预审（第 1 步，共 2 步）");
      await pp.fill("#password", "demo1234");
      await step(pp, "j2-pre-sign", async () => {
        await Promise.all([pp.waitForURL(/done=next-stage/), pp.click('.decide-panel button:has-text("签署：预审通过")')]);
        await pp.locator(".form-ok", { hasText: "已批准，申请进入下一审批环节。" }).waitFor();
      });
      expect(await text(pp, ".stage-panel h2")).toBe("等待终审（第 2 步，共 2 步）");
      expect(await pp.locator(".decide-panel").count()).toBe(0);

      // Final review: the category's final reviewer (EXE: admin) signs; with no effective date it is published at once.
      final = await signedIn(server.url, "admin");
      const fp = final.page;
      await step(fp, "j2-final-inbox", async () => {
        await fp.goto(`${server.url}/inbox`);
        await Promise.all([fp.waitForURL(`**${proposalPath}`), fp.locator(".inbox-item a.proposal-id", { hasText: proposalId }).click()]);
        await fp.locator(".decide-panel").waitFor();
      });
      expect(await text(fp, ".signature-statement")).toContain("终审通过");
      await fp.fill("#password", "demo1234");
      await step(fp, "j2-final-sign", async () => {
        await Promise.all([fp.waitForURL(/done=published/), fp.click('.decide-panel button:has-text("签署：终审通过")')]);
        await fp.locator(".form-ok", { hasText: "已批准并发布。" }).waitFor();
      });
      expect(await text(fp, ".banner-ok")).toContain("已发布为 v5。");

      // The reader's open page hears about it without a reload.
      await step(rp, "j2-live-toast", () => rp.locator(".toast .toast-title", { hasText: `${number} 採購申請處理流程手冊：v5 重大变更` }).waitFor({ timeout: 15_000 }));
      expect(await text(rp, ".toast:has-text('v5 重大变更')")).toContain(summary);
      await expect.poll(() => unread(rp)).toBe(before + 1);
      expect(await rp.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);

      // They follow the toast to what changed, then read and acknowledge the new version.
      await step(rp, "j2-toast-open", async () => {
        await Promise.all([rp.waitForURL(new RegExp(`/docs/${number}/diff\\?from=4&to=5`)), rp.locator(".toast .toast-title", { hasText: "v5 重大变更" }).click()]);
        await rp.locator(".fd").waitFor();
      });
      expect(await rp.locator(".fd .fd-add, .fd ins", { hasText: "系統停機超過四小時" }).count()).toBeGreaterThan(0);
      await step(rp, "j2-read-tab", async () => {
        await Promise.all([rp.waitForURL(new RegExp(`/docs/${number}$`)), rp.click(`.doc-tabs a[href="/docs/${number}"]`)]);
        await rp.locator(".markdown h2", { hasText: "9 系統停機時的應急請購" }).waitFor();
      });
      expect(await text(rp, ".doc-meta")).toContain("v5");
      expect(await rp.locator(".markdown h2", { hasText: "9 系統停機時的應急請購" }).count()).toBe(1);
      const owed = rp.locator(".banner", { hasText: "此版本含重大变更。" });
      expect(await owed.textContent()).toContain("确认已阅读 v5");
      // They confirm at 01:00 in Shanghai, when UTC still has the day before: the date shown is the company's.
      const at = nextUtcHour(17);
      await testHook(server.url, { offsetMs: at - Date.now() });
      await step(rp, "j2-acknowledge", async () => {
        await Promise.all([rp.waitForURL(/acknowledged=5/), owed.locator("button", { hasText: "我已阅读并理解 v5" }).click()]);
        await rp.locator(".banner-ok", { hasText: "确认阅读 v5" }).waitFor();
      });
      expect(await rp.locator("button", { hasText: "我已阅读并理解 v5" }).count()).toBe(0);
      expect(await text(rp, ".banner-ok")).toBe(`您已于 ${shanghaiDate(at)} 确认阅读 v5。`);
      // The acknowledgement page agrees.
      await rp.goto(`${server.url}/docs/${number}/ack`);
      expect(await text(rp, ".ack-page .form-ok")).toMatch(/^您已于 .+ 确认阅读 v5。$/);

      for (const s of [reader, editor, final]) expect(s.consoleErrors).toEqual([]);
      // The wrong password is answered 400 with the field message, which Chromium logs; nothing else is.
      expect(pre.consoleErrors).toHaveLength(1);
      expect(pre.consoleErrors[0]).toMatch(/^Failed to load resource: the server responded with a status of 400 \(Bad Request\) \(.*\/proposals\/P-\d+.*\)$/);
    } finally {
      await testHook(server.url, { offsetMs: 0 });
      await closeAll(reader, editor, pre, final);
    }
  }, scaled(120_000));
});

describe("journey 3: an access grant that runs out", () => {
  let w: World;
  let srv: RunningServer;
  beforeAll(async () => {
    // Its own world: this journey moves the server clock.
    w = await createWorld();
    srv = await w.server({ REGULA_NO_SCHEDULER: "1" });
  });
  afterAll(async () => {
    await w?.cleanup();
  });

  it("is requested, granted for two days, read, and refused again after it expires, with a way to ask again", async () => {
    const number = "EXE-005";
    const purpose = "核對新入職員工的職級與薪資帶寬，準備季度調薪方案";
    let reader: Session | undefined;
    let head: Session | undefined;
    try {
      reader = await signedIn(srv.url, "staff");
      const rp = reader.page;
      await step(rp, "j3-denied", async () => {
        await rp.goto(`${srv.url}/docs/${number}`);
        await rp.locator("#denied-title").waitFor();
      });
      expect(await text(rp, "#denied-title")).toBe("阅读此文档需要权限");
      expect(await rp.content()).not.toContain(MARKER);
      await step(rp, "j3-request", async () => {
        await Promise.all([rp.waitForURL(/\/access\/request\?number=EXE-005/), rp.click("a:has-text('申请查阅')")]);
        await rp.fill("#purpose", purpose);
        await rp.fill("#days", "5");
        await Promise.all([rp.waitForURL(/\/access\/requests\/[0-9a-f-]{36}\?sent=1/), rp.click("button:has-text('提交申请')")]);
      });
      expect(await text(rp, ".access-purpose")).toBe(purpose);

      // The owning department's head (HR) grants fewer days than asked.
      head = await signedIn(srv.url, "hrhead");
      const hp = head.page;
      const item = hp.locator("article.access-item", { hasText: purpose });
      await step(hp, "j3-grant", async () => {
        await hp.goto(`${srv.url}/access/queue`);
        await item.waitFor();
        expect(await text(hp, `article.access-item:has-text("${purpose}") .access-facts`)).toContain("张员工");
        await item.locator('input[name="days"]').fill("2");
        await Promise.all([hp.waitForURL(/done=approve/), item.locator("form.access-approve button[type=submit]").click()]);
        await hp.locator(".form-ok", { hasText: "已批准：授权已生效。" }).waitFor();
      });
      expect(await item.count()).toBe(0);
      const grantedAt = Date.now();

      // The reader reads it, and is told until when.
      await step(rp, "j3-read", async () => {
        await rp.goto(`${srv.url}/docs/${number}`);
        await rp.locator(".markdown").first().waitFor();
      });
      expect(await rp.content()).toContain(MARKER);
      const notice = await text(rp, ".banner-info");
      expect(notice).toMatch(/^您正依据查阅授权阅读此受限文档，授权截止 \d{4}-\d{2}-\d{2} \d{2}:\d{2}。$/);
      expect([shanghaiDate(grantedAt + 2 * DAY), shanghaiDate(Date.now() + 2 * DAY)]).toContain(/授权截止 (\S+)/.exec(notice)![1]);

      // Two days and an hour later, after the scheduled jobs have run.
      await testHook(srv.url, { advanceMs: 2 * DAY + 3_600_000, runJobs: true });
      await step(rp, "j3-expired", async () => {
        await rp.goto(`${srv.url}/docs/${number}`);
        await rp.locator("#denied-title").waitFor();
      });
      expect(await rp.content()).not.toContain(MARKER);
      expect(await text(rp, "section[aria-labelledby=denied-title]")).toContain("这是受限文档，查阅申请获批后方可阅读。");
      await step(rp, "j3-ask-again", async () => {
        await Promise.all([rp.waitForURL(/\/access\/request\?number=EXE-005/), rp.click("a:has-text('申请查阅')")]);
        await rp.locator("#purpose").waitFor();
      });
      expect(await rp.locator(".banner-ok").count()).toBe(0);
      expect(await rp.locator("button:has-text('提交申请')").count()).toBe(1);
      // Their list shows the grant as expired, and they were told.
      await rp.goto(`${srv.url}/access`);
      expect(await text(rp, `table.list tr:has-text("${number}")`)).toContain("已到期");
      await rp.goto(`${srv.url}/notifications`);
      expect(await rp.locator(".notification-item", { hasText: `您对 ${number} 薪酬職級與薪資帶寬制度 的查阅权限已到期` }).count()).toBe(1);
      for (const s of [reader, head]) expect(s.consoleErrors).toEqual([]);
    } finally {
      await closeAll(reader, head);
    }
  }, scaled(90_000));
});

describe("journey 4: emergency access", () => {
  it("is taken by another department's head with a justification, reported, and ratified by the owning head", async () => {
    const number = "MON-004";
    const justification = "供應商質量事故調查今晚須向董事會匯報，需立即核對審計發現 F2 的原始記錄。";
    let taker: Session | undefined;
    let controller: Session | undefined;
    let owner: Session | undefined;
    try {
      taker = await signedIn(server.url, "qahead");
      const tp = taker.page;
      await step(tp, "j4-request-page", async () => {
        await tp.goto(`${server.url}/docs/${number}`);
        await Promise.all([tp.waitForURL(/\/access\/request\?number=MON-004/), tp.click("a:has-text('申请查阅')")]);
      });
      expect(await tp.content()).not.toContain("Summary of findings");
      await step(tp, "j4-take", async () => {
        await tp.click("details.access-emergency summary");
        expect(await text(tp, "details.access-emergency")).toContain("须在 7 天内追认");
        await tp.fill("#justification", justification);
        // The confirmation is required: without it the browser does not send the form, and says why.
        const posts: string[] = [];
        tp.on("request", (r) => void (r.method() === "POST" && posts.push(r.url())));
        await tp.click("details.access-emergency button:has-text('立即紧急调阅')");
        await tp.waitForTimeout(300);
        expect(posts).toEqual([]);
        expect(await tp.locator("details.access-emergency input[name=confirm]").evaluate((el) => (el as HTMLInputElement).validationMessage)).not.toBe("");
        await tp.check("details.access-emergency input[name=confirm]");
        await Promise.all([tp.waitForURL(new RegExp(`/docs/${number}$`)), tp.click("details.access-emergency button:has-text('立即紧急调阅')")]);
        await tp.locator(".markdown h2", { hasText: "Summary of findings" }).waitFor();
      });
      expect(await text(tp, ".banner-warn")).toMatch(/^紧急调阅：如未经审批人追认，将于 .+ 终止。$/);

      // The document controller sees it on the emergency report, still unratified.
      controller = await signedIn(server.url, "admin");
      const cp = controller.page;
      await step(cp, "j4-report", async () => {
        await cp.goto(`${server.url}/admin/access/emergency`);
        await cp.locator("table.access-unratified").waitFor();
      });
      const row = cp.locator("table.access-unratified tbody tr", { hasText: number });
      expect(await row.count()).toBe(1);
      expect(await text(cp, `table.access-unratified tbody tr:has-text("${number}")`)).toContain(justification);
      expect(await text(cp, `table.access-unratified tbody tr:has-text("${number}")`)).toMatch(/周质量.*剩余 1\d\d 小时/);

      // The owning department's head (finance, who works in English) ratifies it from the queue.
      owner = await signedIn(server.url, "finhead");
      const op = owner.page;
      const item = op.locator("article.access-item-emergency", { hasText: justification });
      await step(op, "j4-ratify", async () => {
        await op.goto(`${server.url}/access/queue`);
        await item.waitFor();
        expect(await text(op, "article.access-item-emergency h2")).toContain(number);
        await item.locator('input[name="days"]').fill("3");
        await Promise.all([op.waitForURL(/done=approve/), item.locator("form.access-approve button:has-text('Ratify')").click()]);
        await op.locator(".form-ok", { hasText: "Approved: access granted." }).waitFor();
      });
      expect(await item.count()).toBe(0);

      const ratifiedAt = Date.now();

      // The reader now holds an ordinary grant for the days ratified; the report has nothing left to ratify.
      await tp.reload();
      const notice = await text(tp, ".banner-info");
      expect(notice).toMatch(/^您正依据查阅授权阅读此受限文档，授权截止 \d{4}-\d{2}-\d{2} \d{2}:\d{2}。$/);
      expect([shanghaiDate(ratifiedAt + 3 * DAY), shanghaiDate(Date.now() + 3 * DAY)]).toContain(/授权截止 (\S+)/.exec(notice)![1]);
      expect(await tp.locator(".banner-warn", { hasText: "紧急调阅" }).count()).toBe(0);
      await tp.goto(`${server.url}/access`);
      expect(await text(tp, `table.list tr:has-text("${number}")`)).toContain("已追认");
      await cp.reload();
      expect(await text(cp, "main")).toContain("所有紧急调阅均已追认或驳回。");
      expect(await text(cp, `table.list tbody tr:has-text("${number}")`)).toContain("已追认");
      for (const s of [taker, controller, owner]) expect(s.consoleErrors).toEqual([]);
    } finally {
      await closeAll(taker, controller, owner);
    }
  }, scaled(90_000));
});

describe("journey 5: the interface in Chinese and English", () => {
  it("switches language from the header, keeps it across a reload and a new sign-in, and switches back", async () => {
    const s = await signedIn(server.url, "newhire");
    const { page } = s;
    const nav = () => page.locator("nav.main-nav a").allTextContents();
    const cards = () => page.locator(".card .card-title").allTextContents();
    try {
      await page.goto(`${server.url}/categories`);
      expect(await page.getAttribute("html", "lang")).toBe("zh-CN");
      expect(await nav()).toEqual(expect.arrayContaining(["首页", "文档分类", "入职指引", "查阅权限"]));
      expect(await cards()).toEqual(expect.arrayContaining(["业务执行文档", "业务审批文档"]));

      await step(page, "j5-to-english", async () => {
        await page.click(".lang-switch button:has-text('English')");
        await page.waitForFunction(() => document.documentElement.lang === "en");
      });
      expect(new URL(page.url()).pathname).toBe("/categories");
      expect(await nav()).toEqual(expect.arrayContaining(["Home", "Categories", "Onboarding", "Access"]));
      expect(await cards()).toEqual(expect.arrayContaining(["Execution", "Approval"]));
      expect(await page.locator(".lang-switch button").textContent()).toBe("中文");

      await page.reload();
      expect(await page.getAttribute("html", "lang")).toBe("en");
      expect(await cards()).toEqual(expect.arrayContaining(["Execution"]));
      await page.goto(`${server.url}/`);
      expect(await text(page, "main h1")).toBe("Welcome, 赵新人");
      expect(await cards()).toEqual(expect.arrayContaining(["Initiation", "Monitoring", "Acceptance"]));

      // The choice is the account's: signing in from another browser (Chinese, no cookie) shows English too.
      const elsewhere = await signedIn(server.url, "newhire", { locale: "zh-CN" });
      try {
        await elsewhere.page.locator("nav.main-nav").waitFor(); // the signed-in page has rendered
        expect(await elsewhere.page.getAttribute("html", "lang")).toBe("en");
        expect(await elsewhere.page.locator("nav.main-nav a").allTextContents()).toEqual(expect.arrayContaining(["Home", "Categories"]));
      } finally {
        await closeAll(elsewhere);
      }

      await step(page, "j5-to-chinese", async () => {
        await page.click(".lang-switch button:has-text('中文')");
        await page.waitForFunction(() => document.documentElement.lang === "zh-CN");
      });
      expect(await nav()).toContain("首页");
      await page.reload();
      expect(await cards()).toEqual(expect.arrayContaining(["业务执行文档"]));
      expect(s.consoleErrors).toEqual([]);
    } finally {
      await closeAll(s);
    }
  });
});

describe("journey 6: accessibility", () => {
  it("has no serious or critical axe violations on the home page, a document and a proposal under review", async () => {
    // A proposal waiting for the approver, made over HTTP like any editor would.
    const editor = new Client(server.url);
    await editor.login("editor");
    const made = await editor.post("/docs/INI-005/propose", {
      intent: "create-submit",
      change: "minor",
      summary: "補充聯絡窗口",
      body: `${await currentBody(editor, "INI-005")}\n## 聯絡窗口\n\n由運營部文員統一受理。\n`,
      effectiveDate: "",
    });
    expect(made.status).toBe(302);
    const proposalPath = made.headers.get("location")!;
    expect(proposalPath).toMatch(/^\/proposals\/P-\d+$/);

    const axePath = createRequire(`${ROOT}/`).resolve("axe-core/axe.min.js");
    // axe is injected as a script, so these contexts bypass the page's Content-Security-Policy.
    const check = async (username: string, paths: string[]) => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "zh-CN", bypassCSP: true });
      const page = await context.newPage();
      try {
        await loginInBrowser(page, server.url, username);
        const found: Record<string, string[]> = {};
        for (const p of paths) {
          await step(page, `j6-axe-${username}-${p}`, async () => {
            await page.goto(`${server.url}${p}`);
            await page.locator("main h1").first().waitFor();
            await page.addScriptTag({ path: axePath });
            found[p] = await page.evaluate(async () => {
              const axe = (window as unknown as { axe: { run: (o: unknown) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
              const result = await axe.run({ runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] });
              return result.violations
                .filter((v) => v.impact === "serious" || v.impact === "critical")
                .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
            });
          });
        }
        return found;
      } finally {
        await context.close();
      }
    };
    expect(await check("staff", ["/", "/docs/EXE-003"])).toEqual({ "/": [], "/docs/EXE-003": [] });
    // The approver sees the proposal with its diff and the signing forms.
    expect(await check("approver", [proposalPath])).toEqual({ [proposalPath]: [] });
  }, scaled(90_000));
});

describe("journey 7: without JavaScript", () => {
  it("signs in, reads a document, opens its history and a diff, and saves and submits a proposal with the plain form", async () => {
    const number = "INI-002";
    const s = await signedIn(server.url, "editor", { javaScriptEnabled: false });
    const { page } = s;
    try {
      await step(page, "j7-read", async () => {
        await page.goto(`${server.url}/docs/${number}`);
        await page.locator(".markdown h2").first().waitFor();
      });
      expect(await text(page, ".doc-header h1")).toBe("INI-002 業務發起申請表");
      expect(await text(page, ".doc-meta")).toContain("v3");
      expect(await page.locator(".markdown h2", { hasText: "一、基本資料" }).count()).toBe(1);

      await step(page, "j7-history", async () => {
        await Promise.all([page.waitForURL(`**/docs/${number}/history`), page.click(`.doc-tabs a[href="/docs/${number}/history"]`)]);
      });
      expect(await page.locator("table.list tbody tr").count()).toBe(3);
      expect(await text(page, "table.list tbody tr:first-child")).toContain("改為系統提交");
      // The compare form is a GET form: choose v2 → v3 and send it.
      await page.selectOption('select[name="from"]', "2");
      await page.selectOption('select[name="to"]', "3");
      await step(page, "j7-diff", async () => {
        await Promise.all([page.waitForURL(/\/diff\?from=2&to=3/), page.click("form.toolbar button[type=submit]")]);
        await page.locator(".fd").waitFor();
      });
      expect(await page.locator(".fd .fd-add, .fd ins", { hasText: "系統自動生成" }).count()).toBeGreaterThan(0);
      expect(await page.locator(".fd .fd-del, .fd del", { hasText: "文控中心登記後填寫" }).count()).toBeGreaterThan(0);
      await Promise.all([page.waitForURL(/view=inline/), page.click('a[href*="view=inline"]')]);
      expect(await page.locator("table.diff-inline").count()).toBe(1);
      expect(await page.locator("table.diff-inline ins", { hasText: "系統自動生成" }).count()).toBeGreaterThan(0);

      await step(page, "j7-propose", async () => {
        await Promise.all([page.waitForURL(`**/docs/${number}/propose`), page.click(`.doc-tabs a[href="/docs/${number}/propose"]`)]);
      });
      // Without JavaScript the Preview button is there, and the editor is a plain textarea.
      expect(await page.locator('button[value="preview"]').count()).toBe(1);
      const body = await page.inputValue("#body-editor");
      await page.fill("#summary", "申請表增加預計完成日期欄位");
      await page.fill("#body-editor", body.replace("## 二、業務事項", "申請人須同時填寫預計完成日期。\n\n## 二、業務事項"));
      await step(page, "j7-save", async () => {
        await Promise.all([page.waitForURL(/\/proposals\/P-\d+$/), page.click('button[name="intent"][value="create"]')]);
      });
      expect(await text(page, ".proposal-page h1")).toContain(number);
      expect(await text(page, ".badge.status-draft")).toBe("草稿");
      expect(await page.locator(".fd .fd-add, .fd ins", { hasText: "申請人須同時填寫預計完成日期。" }).count()).toBeGreaterThan(0);
      await step(page, "j7-submit", async () => {
        await Promise.all([page.waitForURL(/done=submit/), page.click('button[name="intent"][value="submit"]')]);
      });
      expect(await text(page, ".form-ok")).toBe("已提交审批。");
      expect(await text(page, ".badge.status-in-review")).toBe("审批中");
      expect(await text(page, ".stage-panel h2")).toBe("等待审批（第 1 步，共 1 步）");
    } finally {
      await closeAll(s);
    }
  });
});
