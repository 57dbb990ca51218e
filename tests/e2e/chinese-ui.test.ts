/**
 * The Chinese interface, walked in Chromium as every demo role: every page
 * type and the main error paths, with the interface set to zh-CN. Two things
 * must hold on each page once it has loaded and hydrated:
 *
 * 1. No English sentence outside document content. "English sentence" = a run
 *    of two or more English words (letters only, two or more letters each)
 *    separated only by spaces or simple punctuation, in the visible text of
 *    the page. Not counted: document content and what people wrote (the
 *    rendered document body, the diff, document titles and summaries, names
 *    and usernames — all marked in the page by the selectors in CONTENT),
 *    text an element marks as another language (`lang="en"`, e.g. the
 *    language switch), numbers and codes, and the short ALLOWED list below.
 * 2. No console error and no page error (React hydration errors #418/#423
 *    included), also on a document whose body and title are full of hostile
 *    HTML, on its print view, history and diff.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { chromiumAvailable, launchBrowser, loginInBrowser, newPage } from "../helpers/browser";
import type { RunningServer } from "../helpers/server";
import { createWorld, type World } from "../helpers/world";

let world: World;
let server: RunningServer;
let browser: Browser;
let hostile = "";

/**
 * Where document content and people's own words are shown: not interface text.
 * Each selector is a place the portal shows what someone wrote or named.
 */
const CONTENT = [
  ".markdown", // rendered document bodies (reading, print, preview, guides)
  ".diff", // the text of two versions
  ".diff-view",
  "pre",
  "code",
  "kbd",
  "[data-content]", // titles, summaries, reasons, comments, names marked as user content
  "a[href^='/docs/']", // links to documents: their numbers, titles and change summaries
  ".doc-title",
  ".doc-number",
  ".user-name",
  ".brand", // the product's name
  "[lang=en]", // text marked as English on purpose (the language switch)
  "input",
  "textarea",
  "select",
  "option",
];

/** Phrases that may appear in English in the Chinese interface, each with its reason. */
const ALLOWED: [RegExp, string][] = [
  [/^Regula\b/, "the product's name"],
  [/^API\b/i, "the technical term API (as in API 令牌)"],
  [/^(YYYY|MM|DD)\b/, "the date format shown to people who type dates"],
  [/^npm run\b/, "a command an administrator types (the restore instructions)"],
  [/^git bundle\b/, "the name of the repository's backup format"],
  [/^Authorization: Bearer\b/, "the HTTP header an API client sends (token help)"],
  [/^(Markdown|Word|PDF|DingTalk|WeCom|Feishu|Slack|Webhook|JSON|CSV|SMTP|HTTPS?|URL)\b/i, "names of formats, products and protocols"],
];

beforeAll(async () => {
  if (!chromiumAvailable()) throw new Error("Chromium is missing: .ci/run installs it with apt-get install chromium");
  world = await createWorld();
  server = await world.server({ REGULA_NO_SCHEDULER: "1" });
  browser = await launchBrowser();
  hostile = await publishHostileDocument();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await world?.cleanup();
});

/** HTML and markdown that a careless renderer or a table layout would let escape its container. */
const HOSTILE_BODY = [
  "# 危险内容 <img src=/favicon.svg onerror=alert(1)>",
  "<td>stray cell</td><tr><td>stray row</td></tr>",
  "<tbody><tr><th>stray head</th></tr></tbody><thead><caption>cap</caption></thead>",
  "<table><p>foster</p><tr><td>a</td></tr></table>",
  "<p><div>block in paragraph</div></p>",
  "<a href='/docs/EXE-001'>outer <a href='/docs/EXE-002'>inner</a></a>",
  "<h2>heading <h3>nested</h3></h2>",
  "<li>loose item</li><dd>loose dd</dd><dt>loose dt</dt>",
  "<script>alert(2)</script><style>body{display:none}</style>",
  "<svg onload=alert(3)><circle/></svg><math><mi>x</mi></math>",
  "<iframe src=javascript:alert(4)></iframe><object data=x></object>",
  "<form><input name=a><button>press</button></form>",
  "<select><option>o</option></select><textarea>t</textarea>",
  "<div class=note>note <span class=doc-ref>[[EXE-001]]</span></div>",
  "<p>unclosed <strong>bold <em>both</p> after",
  "</div></td></tr></tbody></table></div></main> escaped end tags",
  "<table><tr><td><table><tr><td>nested table</td></tr></table></td></tr></table>",
  "| a | b |\n|---|---|\n| <td>x</td> | <tr>y</tr> |",
  "<input type=checkbox checked> task <input type=text value=x>",
  "<!-- comment --><![CDATA[ cdata ]]><?php echo 1 ?>",
  "&lt;escaped&gt; &amp;amp; &#x3C;td&#x3E; &nbsp;",
  "<noscript><td>no script</td></noscript><template><tr><td>t</td></tr></template>",
  "<details><summary>sum</summary>body</details><dialog open>dialog</dialog>",
  "<p>日期 2024-01-01 与 <time>2024-01-01T00:00:00Z</time></p>",
].join("\n\n");

async function publishHostileDocument(): Promise<string> {
  const res = await fetch(`${server.url}/api/test-hooks/publish`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ actor: "editor", change: "new", summary: "首次发布 <td>x</td>", document: { title: "<td>标题</td> <script>x</script>", category: "EXE", body: HOSTILE_BODY } }),
  });
  const first = (await res.json()) as { number: string };
  const second = await fetch(`${server.url}/api/test-hooks/publish`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ actor: "editor", change: "minor", summary: "<tr>修订</tr>", document: { number: first.number, body: `${HOSTILE_BODY}\n\n<td>second version</td>` } }),
  });
  expect(second.status).toBe(200);
  return first.number;
}

/** The visible interface text of the page: document content and marked-up names left out. */
async function interfaceText(page: Page): Promise<string> {
  return page.evaluate((content: string[]) => {
    const skip = new Set<Element>();
    for (const sel of content) for (const el of document.querySelectorAll(sel)) skip.add(el);
    const parts: string[] = [];
    const walk = (node: Node) => {
      if (node.nodeType === Node.ELEMENT_NODE) {
        const el = node as HTMLElement;
        if (skip.has(el)) return;
        if (el.tagName === "SCRIPT" || el.tagName === "STYLE" || el.tagName === "NOSCRIPT" || el.tagName === "TEMPLATE") return;
        const style = getComputedStyle(el);
        if (style.display === "none" || style.visibility === "hidden") return;
        for (const attr of ["placeholder", "title", "aria-label", "alt"]) {
          const v = el.getAttribute(attr);
          if (v) parts.push(v);
        }
      } else if (node.nodeType === Node.TEXT_NODE) {
        parts.push(node.textContent ?? "");
      }
      for (const child of node.childNodes) walk(child);
    };
    walk(document.body);
    return parts.join(" \n ");
  }, CONTENT);
}

/** English sentences in a text, as defined above. */
export function englishSentences(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/[A-Za-z]{2,}(?:[ \t]*[,'’:;-]?[ \t]+[A-Za-z]{2,})+/g)) {
    const phrase = m[0];
    if (ALLOWED.some(([re]) => re.test(phrase))) continue;
    found.push(phrase);
  }
  return found;
}

interface Visit {
  path: string;
  /** The HTTP status this page is expected to answer with (error paths). */
  status?: number;
}

function pagesFor(role: string, links: Record<string, string>): Visit[] {
  const common: Visit[] = [
    { path: "/" },
    { path: "/categories" },
    { path: "/categories/EXE" },
    { path: "/docs/EXE-001" },
    { path: "/docs/EXE-001/history" },
    { path: "/docs/EXE-001/diff?from=1&to=2" },
    { path: "/docs/EXE-001/diff?from=1&to=2&view=inline" },
    { path: "/docs/EXE-001/print" },
    { path: "/docs/EXE-001/v/1" },
    { path: "/docs/EXE-001/v/1/print" },
    { path: "/docs/EXE-001/suggestions" },
    { path: `/docs/${hostile}` },
    { path: `/docs/${hostile}/print` },
    { path: `/docs/${hostile}/v/1/print` },
    { path: `/docs/${hostile}/history` },
    { path: `/docs/${hostile}/diff?from=1&to=2` },
    { path: `/docs/${hostile}/v/1` },
    { path: "/search?q=制度" },
    { path: "/search?q=handbook" },
    { path: "/search?q=zzzzqqq" },
    { path: "/onboarding" },
    { path: "/access" },
    { path: "/access/request?number=EXE-005" },
    { path: "/notifications" },
    { path: "/settings/notifications" },
    { path: "/acknowledgements" },
    { path: "/profile" },
    { path: "/suggestions" },
    // error paths
    { path: "/docs/EXE-999", status: 404 },
    { path: "/docs/zzz", status: 404 },
    { path: "/nope/nowhere", status: 404 },
    { path: "/docs/EXE-001/diff?from=abc", status: 400 },
    { path: `/search?q=${"长".repeat(300)}`, status: 400 },
    { path: "/proposals/P-9999", status: 404 },
    { path: "/notifications/zzz", status: 404 },
  ];
  const byRole: Record<string, Visit[]> = {
    staff: [{ path: "/docs/EXE-005", status: 200 }, { path: "/docs/EXE-005/history", status: 403 }, { path: "/docs/EXE-005/diff?from=1&to=2", status: 403 }, { path: "/docs/EXE-005/raw", status: 403 }],
    editor: [{ path: "/proposals" }, { path: "/proposals?view=all" }, { path: "/proposals/new" }, { path: "/docs/EXE-001/propose" }, ...(links.proposal ? [{ path: links.proposal }] : [])],
    approver: [{ path: "/inbox" }, { path: "/proposals?view=open" }, { path: "/access/queue" }, { path: "/dashboard" }, { path: "/dashboard/approvals" }, { path: "/reports/suggestions" }, { path: "/acknowledgements/report" }, { path: "/onboarding/report" }],
    admin: [
      { path: "/admin" },
      { path: "/admin/users" },
      { path: "/admin/departments" },
      { path: "/admin/directory" },
      { path: "/admin/audit" },
      { path: "/admin/audit?outcome=denied" },
      { path: "/admin/access" },
      { path: "/admin/access/emergency" },
      { path: "/admin/access/review" },
      { path: "/admin/access/delegates" },
      { path: "/admin/backups" },
      { path: "/admin/import" },
      { path: "/admin/reviews" },
      { path: "/admin/webhooks" },
      { path: "/admin/deliveries" },
      { path: "/onboarding/guides" },
      { path: "/dashboard" },
      { path: "/dashboard/access" },
      { path: "/dashboard/emergency" },
      { path: "/dashboard/suggestions" },
      { path: "/proposals?view=all" },
      ...(links.guide ? [{ path: links.guide }] : []),
    ],
    newhire: [...(links.guide ? [{ path: links.guide }] : [])],
  };
  // Staff and the admin walk every common page; the other roles the pages that differ for them.
  const short = new Set(["/", "/docs/EXE-001", `/docs/${hostile}`, `/docs/${hostile}/print`, "/docs/EXE-999", "/nope/nowhere", "/onboarding", "/access"]);
  const mine = role === "staff" || role === "admin" ? common : common.filter((v) => short.has(v.path));
  return [...mine, ...(byRole[role] ?? [])];
}

const ROLES = ["staff", "editor", "approver", "admin", "newhire"];

describe("the Chinese interface as every role", () => {
  for (const role of ROLES) {
    it(`${role}: every page in Chinese, without console errors`, async () => {
      const s = await newPage(browser, { locale: "zh-CN" });
      await s.context.addCookies([{ name: "regula_lang", value: "zh-CN", url: server.url }]);
      await loginInBrowser(s.page, server.url, role);
      const links: Record<string, string> = {};
      await s.page.goto(`${server.url}/proposals?view=all`);
      links.proposal = (await s.page.locator("a[href^='/proposals/P-']").first().getAttribute("href").catch(() => null)) ?? "";
      await s.page.goto(`${server.url}/onboarding`);
      links.guide = (await s.page.locator("a[href^='/onboarding/guides/']").first().getAttribute("href", { timeout: 2000 }).catch(() => null)) ?? "";
      const problems: string[] = [];
      for (const visit of pagesFor(role, links)) {
        s.consoleErrors.length = 0;
        const res = await s.page.goto(`${server.url}${visit.path}`, { waitUntil: "load" });
        // Hydration has finished when React has attached to the document (the script module ran).
        await s.page.waitForLoadState("networkidle").catch(() => undefined);
        const status = res?.status() ?? 0;
        if (visit.status !== undefined && status !== visit.status) problems.push(`${visit.path}: status ${status}, expected ${visit.status}`);
        if (visit.status === undefined && status !== 200) problems.push(`${visit.path}: status ${status}`);
        // The browser tab's title is interface text too, except on pages named after a document or a search.
        const tabTitle = /^\/(docs|search|proposals\/P-)/.test(visit.path) ? "" : await s.page.title();
        const english = englishSentences(`${await interfaceText(s.page)} \n ${tabTitle}`);
        if (english.length) problems.push(`${visit.path}: English: ${[...new Set(english)].slice(0, 8).join(" | ")}`);
        // The browser reports a failed page load (4xx) on the console itself; that is the expected answer, not an error.
        const errors = s.consoleErrors.filter((e) => !(status >= 400 && /Failed to load resource: the server responded with a status of \d+/.test(e)));
        if (errors.length) problems.push(`${visit.path}: console: ${errors.slice(0, 3).join(" | ").slice(0, 400)}`);
      }
      await s.context.close();
      expect(problems).toEqual([]);
    }, 600_000);
  }

  it("the detector finds an English sentence and ignores allowed words and content", () => {
    expect(englishSentences("请更正 Please correct the highlighted fields 谢谢")).toEqual(["Please correct the highlighted fields"]);
    expect(englishSentences("Regula 文档 EXE-001 v2 2024-01-01")).toEqual([]);
    expect(englishSentences("wrong password")).toEqual(["wrong password"]);
    expect(englishSentences("请按 YYYY-MM-DD 格式")).toEqual([]);
  });
});
