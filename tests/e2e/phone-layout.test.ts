/**
 * Phones: every page type at 360, 390 and 414 px wide, with and without
 * JavaScript, in zh-CN and en, holding the widest content we can make (a
 * ten-column table, unbroken URLs and tokens in the title, body, summary and
 * purpose). The page never scrolls sideways, the sticky header stays within
 * 64 px with the navigation behind a menu button, wide tables scroll inside
 * their own box with a readable first column, search filters fold away, and
 * screenshots at 390×844 are kept under test-results/phone/ to look at.
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { chromiumAvailable, launchBrowser, loginInBrowser, step } from "../helpers/browser";
import { signIn } from "../helpers/client";
import { ROOT } from "../helpers/paths";
import type { RunningServer } from "../helpers/server";
import { createWorld, useWorldInProcess, type World } from "../helpers/world";
import { publishTestDoc, reviseTestDoc } from "../integration/search-fixtures";

const SHOTS = path.join(ROOT, "test-results", "phone");
const LONG_TOKEN = "REGULA-WIDE-TOKEN-" + "0123456789ABCDEF".repeat(6);
const LONG_URL = `https://intranet.regula.example/policies/handbook/attachments/${"wide-table-appendix-".repeat(5)}final.pdf`;
const HEADER_MAX = 64;
const FIRST_COLUMN_MIN = 96; // px: about six Chinese characters or a short English phrase per line

function wideTable(rows: number, edit = ""): string {
  const head = ["条款 Article", "适用范围 Scope", "责任部门 Owner", "审批层级 Approval", "保存期限 Retention", "频次 Frequency", "依据 Basis", "备注 Notes", "联系人 Contact", "链接 Link"];
  const lines = [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`];
  for (let i = 1; i <= rows; i++) {
    lines.push(
      `| 第${i}条 年度预算编制与执行偏差说明${i === 2 ? edit : ""} | 全公司各事业部及其下属分支机构 | 财务部预算管理组 | 部门负责人 → 财务总监 → 总经理 | 自归档之日起十年 | 每季度一次 | 《预算管理办法》第${i + 3}条 | 超过预算百分之十的偏差须附书面说明 | finance-budget-${i}@regula.example | ${LONG_URL} |`,
    );
  }
  return lines.join("\n");
}

function wideBody(version: 1 | 2): string {
  return `# 宽表格与超长字符串示例 ${LONG_TOKEN}

## 第一章 总则

第一条 为规范预算编制、审批与执行，明确各部门在预算全过程中的职责，制定本办法。本条引用的系统编号为 ${LONG_TOKEN}，附件地址为 ${LONG_URL}。

## 第二章 预算责任矩阵

${wideTable(version === 1 ? 6 : 7, version === 2 ? "（修订）" : "")}

## 第三章 附则

\`${LONG_TOKEN}${LONG_TOKEN}\`

\`\`\`
curl -H "Authorization: Bearer ${LONG_TOKEN}" ${LONG_URL}?download=1&format=original&watermark=controlled-copy
\`\`\`

第${version === 1 ? "二" : "三"}条 本办法自发布之日起施行，由财务部负责解释。
`;
}

let world: World;
let server: RunningServer;
let browser: Browser;
let wide = "";
let proposalPath = "";
let draftPath = "";
let requestPath = "";
let guidePath = "";

beforeAll(async () => {
  if (!chromiumAvailable()) throw new Error("Chromium is missing: .ci/run installs it with apt-get install chromium");
  world = await createWorld();
  await useWorldInProcess(world);
  wide = (await publishTestDoc({ title: `预算责任矩阵（宽表格示例）${LONG_TOKEN}`, body: wideBody(1), ownerDepartment: "fin" })).number;
  await reviseTestDoc(wide, { body: wideBody(2) });
  server = await world.server();

  const editor = await signIn(server.url, "editor", { lang: "zh-CN" });
  const body = wideBody(2).replace("由财务部负责解释", `由财务部负责解释。修订编号 ${LONG_TOKEN}`);
  const submitted = await editor.post(`/docs/${wide}/propose`, { intent: "create-submit", change: "minor", summary: `补充修订编号 ${LONG_TOKEN}`, body, effectiveDate: "" });
  expect(submitted.status).toBe(302);
  proposalPath = submitted.headers.get("location")!;
  const draft = await editor.post(`/docs/${wide}/propose`, { intent: "create", change: "minor", summary: `草稿 ${LONG_URL}`, body: body + "\n补充一句。\n", effectiveDate: "" });
  expect(draft.status).toBe(302);
  draftPath = draft.headers.get("location")!;

  const staff = await signIn(server.url, "staff", { lang: "zh-CN" });
  const asked = await staff.post("/access/request", {
    intent: "request",
    number: "EXE-005",
    purpose: `核对薪资带宽与预算矩阵是否一致，工单 ${LONG_TOKEN}`,
    scope: "all",
    history: "current",
    days: "7",
  });
  expect(asked.status).toBe(302);
  requestPath = new URL(asked.headers.get("location")!, server.url).pathname;

  const admin = await signIn(server.url, "admin", { lang: "zh-CN" });
  const guides = await admin.get("/onboarding/guides");
  guidePath = /href="(\/onboarding\/guides\/[^"/?#]+)"/.exec(guides.text_)?.[1] ?? "";
  expect(guidePath).not.toBe("");

  browser = await launchBrowser();
  fs.mkdirSync(SHOTS, { recursive: true });
}, 400_000);

afterAll(async () => {
  await browser?.close();
  await world?.cleanup();
});

interface Visit {
  user: string | null;
  path: string;
  /** Name of the screenshot kept at 390 px (only the pages the issue names). */
  shot?: string;
}

function visits(): Visit[] {
  const doc = `/docs/${wide}`;
  return [
    { user: null, path: "/login" },
    { user: "staff", path: "/", shot: "home" },
    { user: "staff", path: "/categories" },
    { user: "staff", path: "/categories/EXE" },
    { user: "staff", path: doc, shot: "document" },
    { user: "staff", path: `${doc}/v/1` },
    { user: "staff", path: `${doc}/history`, shot: "history" },
    { user: "staff", path: `${doc}/diff?from=1&to=2`, shot: "diff" },
    { user: "staff", path: `${doc}/diff?from=1&to=2&view=inline` },
    { user: "staff", path: `${doc}/print` },
    { user: "staff", path: `/search?q=${encodeURIComponent("预算 偏差")}`, shot: "search" },
    { user: "staff", path: "/access" },
    { user: "staff", path: "/access/request?number=EXE-005" },
    { user: "staff", path: requestPath, shot: "access-request" },
    { user: "staff", path: "/notifications" },
    { user: "staff", path: "/onboarding" },
    { user: "staff", path: "/profile" },
    { user: "staff", path: "/settings/notifications" },
    { user: "editor", path: "/proposals" },
    { user: "editor", path: proposalPath, shot: "proposal" },
    { user: "editor", path: `${draftPath}/edit` },
    { user: "editor", path: `${doc}/propose` },
    { user: "editor", path: "/proposals/new" },
    { user: "approver", path: "/inbox" },
    { user: "approver", path: proposalPath },
    { user: "approver", path: "/dashboard" },
    { user: "hrhead", path: "/access/queue" },
    { user: "admin", path: "/admin" },
    { user: "admin", path: "/admin/users" },
    { user: "admin", path: "/admin/departments" },
    { user: "admin", path: "/admin/audit" },
    { user: "admin", path: "/admin/import" },
    { user: "admin", path: "/admin/backups" },
    { user: "admin", path: "/admin/attachment-text" },
    { user: "admin", path: "/admin/deliveries" },
    { user: "admin", path: "/admin/webhooks" },
    { user: "admin", path: "/admin/reviews" },
    { user: "admin", path: "/admin/access" },
    { user: "admin", path: "/admin/access/review" },
    { user: "admin", path: "/admin/access/emergency" },
    { user: "admin", path: "/admin/access/delegates" },
    { user: "admin", path: "/onboarding/guides" },
    { user: "admin", path: guidePath },
    { user: "admin", path: "/acknowledgements" },
    { user: "admin", path: "/suggestions" },
  ];
}

interface Layout {
  scrollWidth: number;
  innerWidth: number;
  rootOverflow: string;
  headerHeight: number;
  /** Elements sticking out to the right of the viewport (for the failure message). */
  culprits: string[];
}

/**
 * On a phone, content wider than the screen also widens the layout viewport
 * (the browser zooms out), so `innerWidth` is checked against the device width too.
 */
async function measure(page: Page, width: number): Promise<Layout> {
  return page.evaluate((width) => {
    const doc = document.documentElement;
    const innerWidth = window.innerWidth;
    const culprits: string[] = [];
    for (const el of Array.from(document.body.querySelectorAll("*"))) {
      const r = el.getBoundingClientRect();
      if (r.right > width + 0.5 && r.width > 0) {
        // Content scrolling inside its own box is fine.
        // (An absolutely positioned element is clipped only by scrollers inside its containing block.)
        let inScroller = false;
        const positioned = ["absolute", "fixed"].includes(getComputedStyle(el).position);
        const start = positioned ? (el as HTMLElement).offsetParent : el.parentElement;
        for (let a = start; a && a !== document.body && !inScroller; a = a.parentElement) inScroller = getComputedStyle(a).overflowX !== "visible";
        if (inScroller) continue;
        // Only the outermost offender: skip elements whose parent already sticks out.
        const parent = el.parentElement;
        if (parent && parent !== document.body && parent.getBoundingClientRect().right > width + 0.5) continue;
        culprits.push(`${el.tagName.toLowerCase()}.${String(el.className).split(" ").join(".")} right=${Math.round(r.right)}`);
      }
    }
    const header = document.querySelector(".site-header");
    return {
      scrollWidth: doc.scrollWidth,
      innerWidth,
      // Hiding the overflow on the root would pass the check while cutting text off.
      rootOverflow: `${getComputedStyle(doc).overflowX}/${getComputedStyle(document.body).overflowX}`,
      headerHeight: header ? Math.round(header.getBoundingClientRect().height) : 0,
      culprits: culprits.slice(0, 6),
    };
  }, width);
}

/**
 * A phone-sized page. `mobile` (the default) emulates a phone, whose layout
 * viewport widens to fit content that sticks out; without it the viewport
 * stays put, so the element that sticks out can be named in a failure.
 */
async function contextFor(
  width: number,
  user: string | null,
  options: { js: boolean; locale: "zh-CN" | "en"; mobile?: boolean },
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({
    viewport: { width, height: 844 },
    deviceScaleFactor: 1,
    isMobile: options.mobile ?? true,
    hasTouch: true,
    javaScriptEnabled: options.js,
    locale: options.locale,
  });
  await context.addCookies([{ name: "regula_lang", value: options.locale, url: server.url }]);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  if (user) await loginInBrowser(page, server.url, user);
  return { context, page, errors };
}

async function sweep(width: number, options: { js: boolean; locale: "zh-CN" | "en"; mobile?: boolean; shots?: boolean }) {
  const problems: string[] = [];
  const byUser = new Map<string | null, Visit[]>();
  for (const v of visits()) byUser.set(v.user, [...(byUser.get(v.user) ?? []), v]);
  for (const [user, list] of byUser) {
    const { context, page, errors } = await contextFor(width, user, options);
    try {
      for (const v of list) {
        const res = await page.goto(`${server.url}${v.path}`);
        if (!res || res.status() >= 400) problems.push(`${v.path}: status ${res?.status()}`);
        await page.locator("main").first().waitFor();
        const m = await measure(page, width);
        const label = `${width}px ${options.locale} ${options.js ? "js" : "no-js"} ${user ?? "anonymous"} ${v.path}`;
        if (m.scrollWidth > width || m.innerWidth !== width || m.scrollWidth > m.innerWidth)
          problems.push(`${label}: scrollWidth ${m.scrollWidth}, innerWidth ${m.innerWidth} on a ${width} px screen (${m.culprits.join("; ")})`);
        if (m.rootOverflow !== "visible/visible") problems.push(`${label}: root overflow-x is ${m.rootOverflow}`);
        if (m.headerHeight > HEADER_MAX) problems.push(`${label}: header ${m.headerHeight}px tall`);
        if (options.shots && v.shot) await page.screenshot({ path: path.join(SHOTS, `${v.shot}-${options.locale}-${options.js ? "js" : "nojs"}.png`) });
      }
      if (errors.length) problems.push(`${width}px ${user}: page errors ${errors.join(" | ")}`);
    } finally {
      await context.close();
    }
  }
  return problems;
}

describe("phone layout: no page scrolls sideways and the header stays small", () => {
  it("at 390 px with JavaScript, in Chinese (screenshots kept)", async () => {
    expect(await sweep(390, { js: true, locale: "zh-CN", shots: true })).toEqual([]);
  }, 600_000);

  it("at 390 px without JavaScript, in English (screenshots kept)", async () => {
    expect(await sweep(390, { js: false, locale: "en", mobile: false, shots: true })).toEqual([]);
  }, 600_000);

  it("at 360 px without JavaScript, in Chinese", async () => {
    expect(await sweep(360, { js: false, locale: "zh-CN" })).toEqual([]);
  }, 600_000);

  it("at 414 px with JavaScript, in English", async () => {
    expect(await sweep(414, { js: true, locale: "en", mobile: false })).toEqual([]);
  }, 600_000);
});

async function phonePage(user: string, options: { js?: boolean; locale?: "zh-CN" | "en"; width?: number } = {}) {
  return contextFor(options.width ?? 390, user, { js: options.js ?? true, locale: options.locale ?? "zh-CN" });
}

/** Number of lines the text of the first element matching `selector` takes. */
async function linesOf(page: Page, selector: string): Promise<number> {
  return page.$eval(selector, (el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    const tops = new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top)));
    return tops.size;
  }, 180_000);
}

describe("phone header", () => {
  for (const js of [true, false]) {
    it(`keeps the navigation behind a labelled menu button that opens it ${js ? "with" : "without"} JavaScript`, async () => {
      const { context, page } = await phonePage("editor", { js });
      try {
        await page.goto(`${server.url}/docs/${wide}`);
        expect(await page.locator(".site-header").evaluate((el) => el.getBoundingClientRect().height)).toBeLessThanOrEqual(HEADER_MAX);
        expect(await page.locator(".main-nav").isVisible()).toBe(false);
        expect(await page.locator("#header-q").isVisible()).toBe(false);
        // The toggle is named by its visible label ("菜单").
        expect(await page.getByRole("checkbox", { name: "菜单" }).count()).toBe(1);
        await step(page, `phone-menu-open-${js}`, async () => {
          await page.click("label.menu-button");
          await page.locator(".main-nav a", { hasText: "修订申请" }).waitFor({ state: "visible" });
        });
        expect(await page.locator("#header-q").isVisible()).toBe(true);
        expect(await page.locator(".user-menu button[type=submit]").isVisible()).toBe(true);
        await page.screenshot({ path: path.join(SHOTS, `menu-open-${js ? "js" : "nojs"}.png`) });
        const m = await measure(page, 390);
        expect(m.scrollWidth).toBeLessThanOrEqual(390);
        await Promise.all([page.waitForURL("**/proposals"), page.click(".main-nav a:has-text('修订申请')")]);
        await page.locator("main h1").first().waitFor();
        if (js) await page.locator(".main-nav").waitFor({ state: "hidden" }); // closed after the navigation
      } finally {
        await context.close();
      }
    }, 180_000);
  }

  it("reaches the menu button with the keyboard, shows focus on it, and opens and closes it (Escape) with keys", async () => {
    const { context, page } = await phonePage("staff");
    try {
      await page.goto(`${server.url}/`);
      // Escape is the page script's: wait until it listens (the menu itself opens without scripts).
      await page.locator("#site-menu-toggle[data-keys]").waitFor({ state: "attached" });
      let focused = "";
      for (let i = 0; i < 8 && focused !== "site-menu-toggle"; i++) {
        await page.keyboard.press("Tab");
        focused = await page.evaluate(() => document.activeElement?.id ?? "");
      }
      expect(focused).toBe("site-menu-toggle");
      const outline = await page.$eval("label.menu-button", (el) => getComputedStyle(el).outlineStyle);
      expect(outline).toBe("solid");
      await page.keyboard.press("Space");
      await page.locator(".main-nav").waitFor({ state: "visible" });
      await page.keyboard.press("Escape");
      await page.locator(".main-nav").waitFor({ state: "hidden" });
      expect(await page.evaluate(() => document.activeElement?.id)).toBe("site-menu-toggle");
    } finally {
      await context.close();
    }
  }, 180_000);

  it("has no serious or critical axe violations on a phone with the menu and the search filters open", async () => {
    const axePath = createRequire(`${ROOT}/`).resolve("axe-core/axe.min.js");
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: "zh-CN", bypassCSP: true });
    const page = await context.newPage();
    try {
      await loginInBrowser(page, server.url, "editor");
      const found: Record<string, string[]> = {};
      for (const p of [`/docs/${wide}`, `/search?q=${encodeURIComponent("预算")}`, `/docs/${wide}/history`]) {
        await page.goto(`${server.url}${p}`);
        await page.click("label.menu-button");
        if (p.startsWith("/search")) await page.click("label.filters-button");
        await page.addScriptTag({ path: axePath });
        found[p] = await page.evaluate(async () => {
          const axe = (window as unknown as { axe: { run: (o: unknown) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
          const result = await axe.run({ runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] });
          return result.violations
            .filter((v) => v.impact === "serious" || v.impact === "critical")
            .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
        });
      }
      expect(Object.values(found).flat()).toEqual([]);
    } finally {
      await context.close();
    }
  }, 180_000);

  it("keeps the full header on a desktop (no menu button)", async () => {
    const { context, page } = await contextFor(1280, "editor", { js: true, locale: "zh-CN" });
    try {
      await page.goto(`${server.url}/`);
      expect(await page.locator(".main-nav").isVisible()).toBe(true);
      expect(await page.locator("#header-q").isVisible()).toBe(true);
      expect(await page.locator("label.menu-button").isVisible()).toBe(false);
      expect(await page.locator(".site-header").evaluate((el) => el.getBoundingClientRect().height)).toBeLessThanOrEqual(HEADER_MAX);
    } finally {
      await context.close();
    }
  }, 180_000);
});

describe("wide tables", () => {
  for (const width of [390, 1280]) {
    it(`scroll inside their own box with readable columns at ${width} px`, async () => {
      const { context, page } = await contextFor(width, "staff", { js: true, locale: "zh-CN" });
      try {
        await page.goto(`${server.url}/docs/${wide}`);
        const table = page.locator(".markdown table").first();
        const box = await table.evaluate((el) => ({
          right: el.getBoundingClientRect().right,
          scrolls: el.scrollWidth > el.clientWidth + 1,
          widths: Array.from(el.querySelectorAll("tbody tr:first-child td")).map((td) => td.getBoundingClientRect().width),
          rowHeight: el.querySelector("tbody tr:first-child")!.getBoundingClientRect().height,
          lineHeight: parseFloat(getComputedStyle(el.querySelector("tbody td")!).lineHeight),
        }));
        expect(box.right).toBeLessThanOrEqual(width);
        expect(box.scrolls).toBe(true);
        expect(box.widths[0]).toBeGreaterThanOrEqual(FIRST_COLUMN_MIN);
        for (const w of box.widths) expect(w).toBeGreaterThanOrEqual(80);
        // No column is so narrow that a row turns into a tall strip: the longest cell, a
        // 170-character unbroken link, takes about 16 lines at 8em a column, 24 at 6em.
        expect(box.rowHeight / box.lineHeight).toBeLessThanOrEqual(18);
        // The first column's text takes a few lines at most, not one or two characters a line.
        expect(await linesOf(page, ".markdown table tbody tr:first-child td:first-child")).toBeLessThanOrEqual(width < 500 ? 3 : 2);
        // Scrolled sideways, the first column stays in view.
        const after = await table.evaluate((el) => {
          el.scrollLeft = 400;
          const first = el.querySelector("tbody tr:first-child td:first-child")!.getBoundingClientRect();
          return { first: first.left, table: el.getBoundingClientRect().left, scrolled: el.scrollLeft };
        });
        expect(after.scrolled).toBeGreaterThan(0);
        expect(Math.abs(after.first - after.table)).toBeLessThanOrEqual(2);
        if (width === 390) {
          await table.scrollIntoViewIfNeeded();
          await page.screenshot({ path: path.join(SHOTS, "document-table-scrolled.png") });
        }
        expect((await measure(page, width)).scrollWidth).toBeLessThanOrEqual(width);
      } finally {
        await context.close();
      }
    }, 180_000);
  }

  it("history: the author's name stays on one line", async () => {
    const { context, page } = await phonePage("staff", { width: 360 });
    try {
      await page.goto(`${server.url}/docs/${wide}/history`);
      expect(await linesOf(page, "table.list tbody tr:first-child td:nth-child(3)")).toBe(1);
      expect(await linesOf(page, "table.list tbody tr:first-child td:nth-child(2)")).toBeLessThanOrEqual(2);
    } finally {
      await context.close();
    }
  }, 180_000);
});

describe("search on a phone", () => {
  for (const js of [true, false]) {
    it(`folds the filters away so results are above the fold ${js ? "with" : "without"} JavaScript`, async () => {
      const { context, page } = await phonePage("staff", { js, locale: js ? "zh-CN" : "en" });
      try {
        await page.goto(`${server.url}/search?q=${encodeURIComponent("预算 偏差")}`);
        expect(await page.locator(".search-filters").isVisible()).toBe(false);
        const hit = await page.locator(".search-hit").first().evaluate((el) => el.getBoundingClientRect());
        expect(hit.top + 60).toBeLessThan(844);
        await page.click("label.filters-button");
        await page.locator("#filter-category").waitFor({ state: "visible" });
        await page.selectOption("#filter-category", "EXE");
        await Promise.all([page.waitForURL(/category=EXE/), page.click(".search-filters button[type=submit]")]);
        await page.locator(".search-hit").first().waitFor();
        expect(await page.locator("label.filters-button .badge").textContent()).toBe("1");
        expect((await measure(page, 390)).scrollWidth).toBeLessThanOrEqual(390);
      } finally {
        await context.close();
      }
    }, 180_000);
  }

  it("closes the suggestion list when Enter submits the typed words", async () => {
    for (const width of [1280, 390]) {
      const { context, page, errors } = await contextFor(width, "staff", { js: true, locale: "zh-CN" });
      try {
        await page.goto(`${server.url}/`);
        if (width < 500) await page.click("label.menu-button");
        await page.click("#header-q");
        await page.keyboard.type("预算", { delay: 30 });
        await page.locator("#header-suggest li[role=option]").first().waitFor();
        await Promise.all([page.waitForURL(/\/search\?q=/), page.keyboard.press("Enter")]);
        await page.locator(".search-hit").first().waitFor();
        await page.waitForTimeout(400);
        expect(await page.locator("#header-suggest").isHidden()).toBe(true);
        // Typed and submitted at once: an answer still on its way must not open the list either.
        if (width < 500) await page.click("label.menu-button");
        await page.fill("#header-q", "");
        await page.type("#header-q", "偏差");
        await Promise.all([page.waitForURL(/q=%E5%81%8F%E5%B7%AE/), page.keyboard.press("Enter")]);
        await page.waitForTimeout(600);
        expect(await page.locator("#header-suggest").isHidden()).toBe(true);
        expect(await page.getAttribute("#header-q", "aria-expanded")).toBe("false");
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    }
  }, 180_000);
});
