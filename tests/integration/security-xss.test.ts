/**
 * Stored XSS: payloads go in through the portal's own entry points — the
 * admin forms (a user's display name, a department's names), the proposal
 * forms and the approval signature (document title, owner, body, change
 * summaries, approval comment, rejection reason), suggestions and their
 * decline reason, access and emergency-access requests and their refusal, and
 * the import upload (file names, a Word file's text and links) — and are then
 * shown in Chromium with JavaScript on, on every page that displays them.
 *
 * Detection. Every payload that could run calls `xssHit('<id>')` (a binding
 * exposed into every frame; no underscores, so markdown emphasis cannot blunt
 * a payload) or `alert('<id>')` (caught as a dialog). The browser context
 * bypasses the Content-Security-Policy, so what is tested is the escaping and
 * the sanitiser, not the second line of defence; a separate test shows the
 * policy blocks an injected handler on its own. After each page has loaded and
 * hydrated, a DOM scan looks for what a payload would leave even when it
 * needs a click to fire: event-handler attributes, javascript:/vbscript:/data:
 * URLs in any URL attribute (as the browser resolves them, so entity and
 * whitespace tricks are seen decoded), srcdoc, frames, objects, <base>,
 * meta refresh, scripts without the page's nonce, and anything outside the
 * sanitiser's allow-list inside rendered user content. Text fields must show
 * the payload verbatim as text. Controls prove each detector fires.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { Document, ExternalHyperlink, HeadingLevel, Packer, Paragraph, TextRun } from "docx";
import { chromiumAvailable, keepScreenshot, launchBrowser, loginInBrowser } from "../helpers/browser";
import { Client, signIn } from "../helpers/client";
import type { RunningServer } from "../helpers/server";
import { createWorld, type World } from "../helpers/world";

// ---- payloads -------------------------------------------------------------------

/** Markdown document body: one payload per block, each with its own id. */
const MD: [id: string, markdown: string][] = [
  // links and images with script URLs
  ["M01", "[js link](javascript:xssHit('M01'))"],
  ["M02", "[JS upper](JaVaScRiPt:xssHit('M02'))"],
  ["M03", "[vb link](vbscript:msgbox('M03'))"],
  ["M04", "[data link](data:text/html;base64,PHNjcmlwdD5wYXJlbnQueHNzSGl0KCdNMDQnKTwvc2NyaXB0Pg==)"],
  ["M05", "![js image](javascript:xssHit('M05'))"],
  ["M06", "![svg data image](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9Inhzc0hpdCgnTTA2JykiIHhtbG5zPSJodHRwOi8vd3d3LnczLm9yZy8yMDAwL3N2ZyIvPg==)"],
  ["M07", "[entity colon](javascript&#58;xssHit('M07'))"],
  ["M08", "[entity j](&#x6A;avascript:xssHit('M08'))"],
  ["M09", "[pointy](<javascript:xssHit('M09')>)"],
  ["M10", "[title break](https://ok.example/ \"t\\\" onmouseover=\\\"xssHit('M10')\")"],
  ["M11", "![quote break](/nope.png\" onerror=\"xssHit('M11'))"],
  ["M12", "[ref js][refjs] and ![ref image][refjs]\n\n[refjs]: javascript:xssHit('M12')"],
  ["M13", "<javascript:xssHit('M13')>"],
  ["M14", "<vbscript:msgbox('M14')>"],
  ["M15", "www.example.com/?\"onmouseover=\"xssHit('M15')\""],
  ["M16", "[alert link](javascript:alert('M16'))"],
  // raw HTML
  ["M17", "<script>xssHit('M17')</script>"],
  ["M18", "<img src=\"/nope.png\" onerror=\"xssHit('M18')\">"],
  ["M19", "<img src=x onerror=alert('M19')>"],
  ["M20", "<svg onload=\"xssHit('M20')\"></svg>"],
  ["M21", "<svg><script>xssHit('M21')</script></svg>"],
  ["M22", "<svg/onload=xssHit('M22')>"],
  ["M23", "<iframe srcdoc=\"<script>parent.xssHit('M23')</script>\"></iframe>"],
  ["M24", "<iframe src=\"javascript:parent.xssHit('M24')\"></iframe>"],
  ["M25", "<iframe src=\"data:text/html,<script>parent.xssHit('M25')</script>\"></iframe>"],
  ["M26", "<math><mtext><table><mglyph><style><img src=x onerror=\"xssHit('M26')\"></style></mglyph></table></mtext></math>"],
  ["M27", "<math href=\"javascript:xssHit('M27')\">CLICK</math>"],
  ["M28", "<svg></p><style><a id=\"</style><img src=x onerror=xssHit('M28')>\"></style></svg>"],
  ["M29", "<noscript><p title=\"</noscript><img src=x onerror=xssHit('M29')>\"></p></noscript>"],
  ["M30", "<a href=\"jav&#x09;ascript:xssHit('M30')\">tab in scheme</a>"],
  ["M31", "<a href=\"jav&#x0A;ascript:xssHit('M31')\">newline in scheme</a>"],
  ["M32", "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;xssHit('M32')\">decimal entities</a>"],
  ["M33", "<a href=\"javascript&colon;xssHit('M33')\">named colon</a>"],
  ["M34", "<a href=\"  javascript:xssHit('M34')\">leading spaces</a>"],
  ["M35", "<a href=\"data:text/html,<script>xssHit('M35')</script>\">data html</a>"],
  ["M36", "<a href=\"/docs/EXE-001\" class=\"doc-link\" onclick=\"xssHit('M36')\" onmouseover=\"xssHit('M36b')\">allowed class, handlers</a>"],
  ["M37", "<p style=\"background-image:url(javascript:xssHit('M37'))\">style url</p>"],
  ["M38", "<div style=\"width: expression(xssHit('M38'))\">style expression</div>"],
  ["M39", "<style>body{background:url(\"javascript:xssHit('M39')\")}</style>"],
  ["M40", "<object data=\"javascript:xssHit('M40')\"></object>"],
  ["M41", "<object data=\"data:text/html,<script>parent.xssHit('M41')</script>\"></object>"],
  ["M42", "<embed src=\"javascript:xssHit('M42')\">"],
  ["M43", "<form action=\"javascript:xssHit('M43')\"><button formaction=\"javascript:xssHit('M43b')\">go</button></form>"],
  ["M44", "<details open ontoggle=\"xssHit('M44')\"><summary>toggle</summary>x</details>"],
  ["M45", "<input type=\"checkbox\" autofocus onfocus=\"xssHit('M45')\" onclick=\"xssHit('M45b')\">"],
  ["M46", "<input type=\"text\" autofocus onfocus=\"xssHit('M46')\">"],
  ["M47", "<select autofocus onfocus=\"xssHit('M47')\"><option>a</option></select>"],
  ["M48", "<textarea autofocus onfocus=\"xssHit('M48')\">t</textarea>"],
  ["M49", "<video><source onerror=\"xssHit('M49')\"></video>"],
  ["M50", "<audio src=\"/nope.mp3\" onerror=\"xssHit('M50')\"></audio>"],
  ["M51", "<video poster=\"javascript:xssHit('M51')\" src=\"/nope.mp4\"></video>"],
  ["M52", "<svg><animate onbegin=\"xssHit('M52')\" attributeName=\"x\" dur=\"1s\"></animate></svg>"],
  ["M53", "<svg><a xlink:href=\"javascript:xssHit('M53')\"><text x=\"20\" y=\"20\">X</text></a></svg>"],
  ["M54", "<marquee onstart=\"xssHit('M54')\">m</marquee>"],
  ["M55", "<body onload=\"xssHit('M55')\">"],
  ["M56", "<base href=\"javascript:xssHit('M56')//\">"],
  ["M57", "<meta http-equiv=\"refresh\" content=\"0;url=javascript:xssHit('M57')\">"],
  ["M58", "<link rel=\"stylesheet\" href=\"javascript:xssHit('M58')\">"],
  ["M59", "<!--><img src=x onerror=xssHit('M59')>-->"],
  ["M60", "<![CDATA[<img src=x onerror=xssHit('M60')>]]>"],
  ["M61", "<scr<script>ipt>xssHit('M61')</scr</script>ipt>"],
  ["M62", "<<img src=x onerror=xssHit('M62')>>"],
  ["M63", "<img src=\"/nope.png\" alt=\"&quot; onerror=&quot;xssHit('M63')\">"],
  ["M64", "<xss onpointerover=\"xssHit('M64')\" style=\"display:block;width:100%;height:40px\">custom element</xss>"],
  ["M65", "<div class=\"note\"><img src=x onerror=\"xssHit('M65')\"></div>"],
  ["M66", "<code class=\"language-js\" onmouseover=\"xssHit('M66')\">code</code>"],
  ["M67", "<table background=\"javascript:xssHit('M67')\"><tr><td background=\"javascript:xssHit('M67b')\">bg</td></tr></table>"],
  ["M68", "<a href=\"https://ok.example/\" title=\"x&quot; onmouseover=&quot;xssHit('M68')\">title quote</a>"],
  // markdown structures carrying HTML
  ["M69", "| head <img src=x onerror=\"xssHit('M69')\"> | b |\n|---|---|\n| <script>xssHit('M69b')</script> | [x](javascript:xssHit('M69c')) |"],
  ["M70", "## Heading <img src=x onerror=\"xssHit('M70')\"> zqxhead"],
  ["M71", "### <a href=\"javascript:xssHit('M71')\">heading link</a>"],
  ["M72", "<img src=x onerror=xssHit('M72')>\n==="],
  ["M73", "Footnote here[^1].\n\n[^1]: <img src=x onerror=xssHit('M73')> note"],
  ["M74", "- <img src=x onerror=\"xssHit('M74')\"> list item\n- [ ] <svg onload=xssHit('M74b')> task"],
  ["M75", "> <svg onload=\"xssHit('M75')\"> quoted"],
  ["M76", "**<img src=x onerror=xssHit('M76')>** and _<a href=javascript:xssHit('M76b')>em</a>_"],
  ["M77", "[<img src=x onerror=xssHit('M77')>](https://ok.example/)"],
  ["M78", "![<img src=x onerror=xssHit('M78')>](/nope.png)"],
  // shown as code: must stay visible, as text
  ["M79", "`<script>xssHit('M79')</script> zqxsnippet`"],
  ["M80", "```html\n<img src=x onerror=\"xssHit('M80')\">\n```"],
];

/** Text that must appear verbatim (escaped) where the code-shaped payloads are shown. */
const CODE_TEXT = ["<script>xssHit('M79')</script> zqxsnippet", "<img src=x onerror=\"xssHit('M80')\">"];
const BODY_END = "End of payloads zqxend.";
const BODY_V1 = ["# Payload manual", "", "Opening paragraph zqxopen.", "", ...MD.flatMap(([, md]) => [md, ""]), BODY_END, ""].join("\n");
/** Lines added in v2: shown by the diff as text, rendered (sanitised) on the page. */
const DIFF_LINES = [
  ["D1", "<img src=\"/nope.png\" onerror=\"xssHit('D1')\"> zqxdiff added"],
  ["D2", "[diff link](javascript:xssHit('D2')) zqxdiff link"],
] as const;
const BODY_V2 = `${BODY_V1}\n${DIFF_LINES.map(([, l]) => l).join("\n\n")}\n`;

/** Plain-text fields: each must be shown as exactly this text wherever it appears. */
const TXT = {
  userName: `Eve<img src=x onerror="xssHit('user-name')">`,
  deptZh: `<svg onload=xssHit('dept-zh')>部门`,
  deptEn: `</td><script>xssHit('dept-en')</script>Dept`,
  title1: `Zqx <script>xssHit('title')</script><img src=x onerror="xssHit('title-img')"> manual`,
  title2: `Zqx {{constructor.constructor('xssHit("title-tpl")')()}} <iframe src="javascript:parent.xssHit('title-v2')"></iframe> v2`,
  summary1: `First <a href="javascript:xssHit('summary-1')">release</a>`,
  summary2: `"><img src=x onerror=xssHit('summary-2')> second`,
  approveComment: `<details open ontoggle="xssHit('approve-comment')">ok</details>`,
  summary3: `Reject me <body onload=xssHit('summary-3')>`,
  rejectReason: `No: <img src=x onerror="xssHit('reject-reason')"></textarea><script>xssHit('reject-2')</script>`,
  summary4: `Pending <math><mtext><table><mglyph><style><img src=x onerror=xssHit('summary-4')>`,
  suggestion: `Please fix <img src=x onerror="xssHit('suggestion')"> and [x](javascript:xssHit('suggestion-md'))`,
  suggestionOpen: `Open one <a href="javascript:xssHit('suggestion-open')" onclick="xssHit('suggestion-open2')">here</a>`,
  declineReason: `<script>alert('decline')</script> not now`,
  purpose: `Need it for <img src=x onerror="xssHit('purpose')"> audit work`,
  purposePending: `Pending need <svg><animate onbegin=xssHit('purpose-2') attributeName=x dur=1s>`,
  accessReject: `<svg><script>xssHit('access-reject')</script></svg> refused`,
  justification: `Urgent <iframe srcdoc="<script>parent.xssHit('justification')</script>"></iframe> payroll hearing today`,
  importTitle: `<img src=x onerror=xssHit('import-title')> imported`,
  query: `<script>xssHit('search-q')</script>zqx`,
  tokenLabel: `<img src=x onerror=xssHit('token')>`,
};

/** Import file names (no "/" or '"': a browser sends neither in a file name). */
const FILE_NAMES = {
  md: `<img src=x onerror=xssHit('file-1')>.md`,
  docx: `<svg onload=xssHit('file-2')>.docx`,
  js: `javascript:xssHit('file-3').md`,
  srcdoc: `<iframe srcdoc='<img src=x onerror=parent.xssHit(4)>'>.md`,
  pdf: `<b onmouseover=xssHit('file-5')>scan.pdf`,
  fm: `front-matter-title.md`,
};
const DOCX_TEXT = `<img src=x onerror=xssHit('docx-text')> docx words zqxdocx`;
const DOCX_HEADING = `<script>xssHit('docx-heading')</script> Docx title`;
const DOCX_LINK = "javascript:xssHit('docx-link')";

// ---- the world ------------------------------------------------------------------

let world: World;
let server: RunningServer;
let browser: Browser;
const ref = {
  number: "",
  published: "",
  rejected: "",
  pending: "",
  suggestion: "",
  rejectedRequest: "",
  importJob: "",
};

function signedIn(username: string, password = "demo1234") {
  return signIn(server.url, username, { password });
}

function expectRedirect(res: Response & { text_: string }, what: string): string {
  expect(res.status, `${what}: ${res.text_.slice(0, 400)}`).toBe(302);
  return res.headers.get("location") ?? "";
}

function proposalId(location: string) {
  const m = /\/proposals\/(P-\d+)/.exec(location);
  if (!m) throw new Error(`no proposal in ${location}`);
  return m[1];
}

async function approve(c: Client, id: string, comment = "") {
  await c.get(`/proposals/${id}`);
  expectRedirect(await c.post(`/proposals/${id}`, { intent: "approve", password: "demo1234", comment }), `approve ${id}`);
}

async function docxFile(): Promise<Buffer> {
  const doc = new Document({
    sections: [
      {
        children: [
          new Paragraph({ text: DOCX_HEADING, heading: HeadingLevel.HEADING_1 }),
          new Paragraph({ children: [new TextRun(DOCX_TEXT)] }),
          new Paragraph({
            children: [new ExternalHyperlink({ link: DOCX_LINK, children: [new TextRun("docx script link")] })],
          }),
        ],
      },
    ],
  });
  return Packer.toBuffer(doc);
}

async function upload(c: Client, fields: Record<string, string>, files: { name: string; data: Buffer | string }[]) {
  await c.get("/admin/import");
  return c.postFiles("/admin/import", fields, files);
}

/** Stores every payload through the portal's forms, as the people who would type them. */
async function storePayloads() {
  const users = JSON.parse(fs.readFileSync(path.join(world.dataDir, "db.json"), "utf8")).users as { id: string; username: string }[];
  const approverId = users.find((u) => u.username === "approver")!.id;

  const admin = await signedIn("admin");
  await admin.get("/admin/departments");
  expectRedirect(await admin.post("/admin/departments", { intent: "create", id: "xss", nameZh: TXT.deptZh, nameEn: TXT.deptEn, headUserId: approverId }), "department");
  await admin.get("/admin/users");
  expectRedirect(
    await admin.post("/admin/users", {
      intent: "create",
      username: "eve",
      name: TXT.userName,
      email: "eve@regula.example",
      departmentId: "ops",
      roles: ["staff", "editor"],
      password: "eve-long-password",
      locale: "en",
    }),
    "user",
  );

  // A new document by Eve, owned by the department with the payload names, approved in two stages.
  const eve = await signedIn("eve", "eve-long-password");
  await eve.get("/profile");
  expect((await eve.post("/profile", { intent: "create-token", label: TXT.tokenLabel })).status).toBe(200);
  await eve.get("/proposals/new");
  const created = await eve.post("/proposals/new", {
    intent: "create-submit",
    category: "EXE",
    type: "manual",
    title: TXT.title1,
    ownerDepartment: "xss",
    confidentiality: "internal",
    "audienceDepartments[]": "",
    body: BODY_V1,
    summary: TXT.summary1,
  });
  ref.published = proposalId(expectRedirect(created, "new document proposal"));
  const approver = await signedIn("approver");
  await approve(approver, ref.published, TXT.approveComment);
  await approve(admin, ref.published);
  const page = await eve.get(`/proposals/${ref.published}`);
  ref.number = /<span class="doc-number">(EXE-\d{3,})<\/span>/.exec(page.text_)?.[1] ?? "";
  expect(ref.number).toMatch(/^EXE-\d{3,}$/);
  expect((await eve.get(`/docs/${ref.number}`)).status).toBe(200);

  // v2: new title, added lines, a summary; minor, so the owner's head alone publishes it.
  const propose = (fields: Record<string, string>) =>
    eve.post(`/docs/${ref.number}/propose`, { intent: "create-submit", change: "minor", "audienceDepartments[]": "", ...fields });
  await eve.get(`/docs/${ref.number}/propose`);
  const v2 = proposalId(expectRedirect(await propose({ title: TXT.title2, summary: TXT.summary2, body: BODY_V2 }), "revision"));
  await approve(approver, v2);
  // A proposal rejected with a reason, and one left waiting in the approver's inbox.
  ref.rejected = proposalId(expectRedirect(await propose({ summary: TXT.summary3, body: `${BODY_V2}\nRejected line.\n` }), "to reject"));
  await approver.get(`/proposals/${ref.rejected}`);
  expectRedirect(await approver.post(`/proposals/${ref.rejected}`, { intent: "reject", reason: TXT.rejectReason }), "reject");
  ref.pending = proposalId(expectRedirect(await propose({ summary: TXT.summary4, body: `${BODY_V2}\nPending line.\n` }), "pending"));

  // A suggestion from staff, declined by an admin.
  const staff = await signedIn("staff");
  await staff.get(`/docs/${ref.number}/suggestions`);
  const sent = expectRedirect(await staff.post(`/docs/${ref.number}/suggestions`, { intent: "suggest", text: TXT.suggestion }), "suggestion");
  ref.suggestion = /sent=([^&#]+)/.exec(sent)?.[1] ?? "";
  expect(ref.suggestion).not.toBe("");
  await admin.get(`/docs/${ref.number}/suggestions`);
  expectRedirect(await admin.post(`/docs/${ref.number}/suggestions`, { intent: "decline", id: ref.suggestion, reason: TXT.declineReason }), "decline");
  const newhire = await signedIn("newhire");
  await newhire.get(`/docs/${ref.number}/suggestions`);
  expectRedirect(await newhire.post(`/docs/${ref.number}/suggestions`, { intent: "suggest", text: TXT.suggestionOpen }), "open suggestion");

  // Access to the restricted finance report: one request refused, one waiting, one emergency access.
  const request = async (username: string, purpose: string) => {
    const c = await signedIn(username);
    await c.get("/access/request?number=MON-004");
    const res = await c.post("/access/request?number=MON-004", { intent: "request", number: "MON-004", purpose, scope: "all", history: "current", days: "7" });
    return /\/access\/requests\/([^/?#]+)/.exec(expectRedirect(res, `access request by ${username}`))?.[1] ?? "";
  };
  ref.rejectedRequest = await request("itstaff", TXT.purpose);
  await request("staff", TXT.purposePending);
  const finhead = await signedIn("finhead");
  await finhead.get("/access/queue");
  expectRedirect(await finhead.post("/access/queue", { intent: "reject", id: ref.rejectedRequest, reason: TXT.accessReject }), "access reject");
  await newhire.get("/access/request?number=MON-004");
  expectRedirect(
    await newhire.post("/access/request?number=MON-004", { intent: "emergency", number: "MON-004", justification: TXT.justification, history: "current", days: "3", confirm: "yes" }),
    "emergency access",
  );

  // The import: payload file names, a Word file with script text and a script link, a title in front matter.
  const checked = await upload(admin, { intent: "check", category: "INI", type: "procedure", ownerDepartment: "qa", confidentiality: "internal" }, [
    { name: FILE_NAMES.md, data: "# Imported markdown\n\nText zqximport.\n" },
    { name: FILE_NAMES.docx, data: await docxFile() },
    { name: FILE_NAMES.js, data: "# Script-named file\n\nText.\n" },
    { name: FILE_NAMES.srcdoc, data: "# Srcdoc-named file\n\nText.\n" },
    { name: FILE_NAMES.pdf, data: "%PDF-1.4" },
    { name: FILE_NAMES.fm, data: `---\ntitle: "${TXT.importTitle}"\n---\n\nImported body.\n` },
  ]);
  expect(checked.status, checked.text.slice(0, 400)).toBe(302);
  ref.importJob = checked.location;
}

beforeAll(async () => {
  if (!chromiumAvailable()) throw new Error("Chromium is missing: .ci/run installs it with apt-get install chromium");
  world = await createWorld();
  server = await world.server();
  await storePayloads();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await world?.cleanup();
});

// ---- the browser side -------------------------------------------------------------

interface Seen {
  page: Page;
  context: BrowserContext;
  hits: { id: string; url: string }[];
  dialogs: string[];
  pageErrors: string[];
  consoleErrors: string[];
}

/** A signed-in browser with the CSP bypassed, the sentinel bound and dialogs recorded. */
async function browse(username: string, options: { password?: string; bypassCSP?: boolean } = {}): Promise<Seen> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-US", bypassCSP: options.bypassCSP ?? true });
  await context.addCookies([{ name: "regula_lang", value: "en", url: server.url }]);
  const seen: Seen = { page: undefined as unknown as Page, context, hits: [], dialogs: [], pageErrors: [], consoleErrors: [] };
  await context.exposeBinding("xssHit", ({ frame }, id: unknown) => {
    seen.hits.push({ id: String(id), url: frame.url() });
  });
  const page = await context.newPage();
  seen.page = page;
  page.on("dialog", (d) => {
    seen.dialogs.push(d.message());
    void d.dismiss().catch(() => undefined);
  });
  page.on("pageerror", (e) => seen.pageErrors.push(String(e)));
  page.on("console", (m) => {
    // Payload images point at missing files on purpose; their 404s are expected noise.
    if (m.type() === "error" && !/Failed to load resource/.test(m.text())) seen.consoleErrors.push(m.text());
  });
  await loginInBrowser(page, server.url, username, options.password);
  return seen;
}

/** Everything a payload would leave behind in the DOM, even one that waits for a click. */
function scanDom(): string[] {
  const out: string[] = [];
  const bad = (el: Element, why: string) => out.push(`<${el.tagName.toLowerCase()}> ${why}`);
  const URL_ATTRS = new Set(["href", "src", "action", "formaction", "data", "poster", "background", "ping", "codebase", "cite", "dynsrc", "lowsrc", "srcset", "manifest", "icon", "longdesc", "usemap", "classid", "archive"]);
  const FORBIDDEN = new Set(["IFRAME", "FRAME", "FRAMESET", "OBJECT", "EMBED", "APPLET", "BASE", "PORTAL"]);
  const USER_TAGS = new Set([
    "H1", "H2", "H3", "H4", "H5", "H6", "P", "BR", "HR", "BLOCKQUOTE", "PRE", "CODE", "UL", "OL", "LI", "STRONG", "EM", "DEL", "INS",
    "SUP", "SUB", "MARK", "KBD", "TABLE", "THEAD", "TBODY", "TFOOT", "TR", "TH", "TD", "CAPTION", "A", "IMG", "SPAN", "DIV", "DL", "DT", "DD", "INPUT",
  ]);
  for (const el of Array.from(document.querySelectorAll("*"))) {
    if (FORBIDDEN.has(el.tagName)) bad(el, "frame, object or base element");
    if (el instanceof HTMLScriptElement && !el.nonce && !(el.src && new URL(el.src).origin === location.origin)) bad(el, `script without the page nonce: ${el.textContent?.slice(0, 60)}`);
    if (el.tagName === "META" && /refresh/i.test(el.getAttribute("http-equiv") ?? "")) bad(el, "meta refresh");
    for (const a of Array.from(el.attributes)) {
      const name = a.name.toLowerCase();
      if (name.startsWith("on")) bad(el, `event handler ${name}="${a.value.slice(0, 60)}"`);
      if (name === "srcdoc") bad(el, "srcdoc");
      if (URL_ATTRS.has(name) || name.endsWith(":href")) {
        const parts = name === "srcset" ? a.value.split(",").map((s) => s.trim().split(/\s+/)[0]) : [a.value];
        for (const part of parts) {
          let protocol = "";
          try {
            protocol = new URL(part, location.href).protocol;
          } catch {
            continue;
          }
          const safeImage = protocol === "data:" && el.tagName === "IMG" && /^\s*data:image\/(png|gif|jpeg|webp)[;,]/i.test(part);
          if (!["http:", "https:", "mailto:"].includes(protocol) && !safeImage) bad(el, `${name}="${part.slice(0, 60)}"`);
        }
      }
      if (name === "style" && /expression\s*\(|javascript:|vbscript:|url\s*\(\s*['"]?\s*(javascript|vbscript|data):/i.test(a.value)) bad(el, `style="${a.value.slice(0, 60)}"`);
    }
  }
  for (const el of Array.from(document.querySelectorAll(".markdown *, .hit-title *, .hit-snippet *, #header-suggest li span *"))) {
    if (!USER_TAGS.has(el.tagName)) bad(el, "outside the sanitiser's allow-list in user content");
    if (el instanceof HTMLInputElement && el.type !== "checkbox") bad(el, "non-checkbox input in user content");
  }
  return out;
}

/** What a person sees: the page text and the values of its fields. */
function visibleText(): string {
  const values = Array.from(document.querySelectorAll("input, textarea")).map((e) => (e as HTMLInputElement).value);
  return `${document.body.innerText}\n${values.join("\n")}`;
}

async function hydrated(page: Page) {
  await page.waitForFunction(() => Object.keys(document.body).some((k) => k.startsWith("__reactFiber")), undefined, { timeout: 15_000 });
  // Handlers that fire on focus or animation start get a moment to do so.
  await page.waitForTimeout(250);
}

/**
 * Opens a page, lets it hydrate, and asserts nothing ran, nothing dangerous
 * is in the DOM, and each expected text is shown as text.
 */
async function check(seen: Seen, url: string, shows: string[] = [], options: { status?: number } = {}) {
  const { page } = seen;
  const hitsBefore = seen.hits.length;
  const dialogsBefore = seen.dialogs.length;
  try {
    const res = await page.goto(server.url + url);
    expect(res?.status(), url).toBe(options.status ?? 200);
    await hydrated(page);
    // Collapsed parts (the proposal preview) are opened, so what they hold is shown and scanned too.
    const opened = await page.evaluate(() => {
      const closed = Array.from(document.querySelectorAll("details:not([open])"));
      for (const d of closed) (d as HTMLDetailsElement).open = true;
      return closed.length;
    });
    if (opened) await page.waitForTimeout(250);
    const findings = await page.evaluate(scanDom);
    expect(findings, `${url}: dangerous markup`).toEqual([]);
    const text = await page.evaluate(visibleText);
    for (const s of shows) expect(text.includes(s), `${url} shows ${JSON.stringify(s)} as text`).toBe(true);
    expect(new URL(page.url()).origin, `${url} navigated away`).toBe(server.url);
    expect(seen.hits.slice(hitsBefore), `${url}: a payload ran`).toEqual([]);
    expect(seen.dialogs.slice(dialogsBefore), `${url}: a dialog opened`).toEqual([]);
    expect(seen.pageErrors, `${url}: page errors`).toEqual([]);
    expect(seen.consoleErrors, `${url}: console errors`).toEqual([]);
  } catch (error) {
    const file = await keepScreenshot(page, `xss-${url}`);
    (error as Error).message += `\n(screenshot: ${file})`;
    throw error;
  }
}

async function done(seen: Seen) {
  expect(seen.hits).toEqual([]);
  expect(seen.dialogs).toEqual([]);
  await seen.context.close();
}

// ---- tests ------------------------------------------------------------------------

describe("the detectors (positive controls)", () => {
  it("has more than 50 distinct payloads", () => {
    const files = Object.values(FILE_NAMES).filter((n) => /xssHit/.test(n));
    const all = new Set([...MD.map(([, m]) => m), ...DIFF_LINES.map(([, l]) => l), ...Object.values(TXT), ...files, DOCX_TEXT, DOCX_HEADING, DOCX_LINK]);
    expect(all.size).toBeGreaterThanOrEqual(100);
  });

  it("sees an injected handler run, a dialog open and dangerous markup in the DOM", async () => {
    const seen = await browse("staff");
    try {
      await check(seen, `/docs/${ref.number}`);
      await seen.page.evaluate(() => {
        document.querySelector(".markdown")!.insertAdjacentHTML("beforeend", `<img src="/nope.png" onerror="xssHit('control')"><a href="jav&#x09;ascript:void(0)">c</a>`);
      });
      await expect.poll(() => seen.hits.map((h) => h.id), { timeout: 5_000 }).toContain("control");
      const findings = await seen.page.evaluate(scanDom);
      expect(findings.some((f) => f.includes("onerror"))).toBe(true);
      expect(findings.some((f) => f.includes("href="))).toBe(true);
      await seen.page.evaluate(() => setTimeout(() => alert("control-dialog"), 0));
      await expect.poll(() => seen.dialogs, { timeout: 5_000 }).toContain("control-dialog");
    } finally {
      await seen.context.close();
    }
  });

  it("without the bypass, the Content-Security-Policy alone stops an injected inline handler (second line)", async () => {
    const seen = await browse("staff", { bypassCSP: false });
    try {
      await seen.page.goto(`${server.url}/docs/${ref.number}`);
      await hydrated(seen.page);
      await seen.page.evaluate(() => {
        document.body.insertAdjacentHTML("beforeend", `<img src="/nope.png" onerror="xssHit('csp-control')">`);
      });
      await seen.page.waitForTimeout(500);
      expect(seen.hits).toEqual([]);
    } finally {
      await seen.context.close();
    }
  });
});

describe("document content, front matter and history", () => {
  it("renders the body without running any of its payloads, keeps code as text, and shows title and owner as text", async () => {
    const seen = await browse("staff");
    const n = ref.number;
    await check(seen, `/docs/${n}`, [TXT.title2, TXT.deptEn, "zqxopen", BODY_END, "zqxdiff added", ...CODE_TEXT]);
    await check(seen, `/docs/${n}/v/1`, [TXT.title1, BODY_END, ...CODE_TEXT]);
    await check(seen, `/docs/${n}/print`, [TXT.title2, BODY_END, ...CODE_TEXT]);
    await check(seen, `/docs/${n}/v/1/print`, [TXT.title1, BODY_END]);
    await check(seen, `/docs/${n}/history`, [TXT.summary1, TXT.summary2, TXT.title2]);
    // The formatted diff (default) renders the added lines through the sanitiser; the source views show them as text.
    await check(seen, `/docs/${n}/diff?from=1&to=2`, [TXT.title1, TXT.title2, "zqxdiff added", "zqxdiff link"]);
    await check(seen, `/docs/${n}/diff?from=1&to=2&expand=0`, [TXT.title1, TXT.title2, "zqxdiff added"]);
    await check(seen, `/docs/${n}/diff?from=1&to=2&view=split`, [TXT.title1, TXT.title2, "onerror=\"xssHit('D1')\"", "javascript:xssHit('D2')"]);
    await check(seen, `/docs/${n}/diff?from=1&to=2&view=inline`, ["onerror=\"xssHit('D1')\""]);
    await check(seen, `/categories/EXE`, [TXT.title2]);
    await check(seen, "/", [TXT.title2]);
    await done(seen);
  });

  it("shows the owner department's Chinese name as text too", async () => {
    const seen = await browse("approver");
    await seen.context.addCookies([{ name: "regula_lang", value: "zh-CN", url: server.url }]);
    await check(seen, `/docs/${ref.number}`, [TXT.deptZh, TXT.title2]);
    await done(seen);
  });

  it("raw source is served as markdown text, never as HTML", async () => {
    const c = await signedIn("staff");
    const res = await c.get(`/docs/${ref.number}/raw`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/markdown/);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const api = await c.json<{ html: string; title: string }>(`/api/v1/documents/${ref.number}`);
    expect(api.body.title).toBe(TXT.title2);
    // Text inside the HTML is escaped, so only real tags start with "<": check those.
    const tags = api.body.html.match(/<[a-z][^>]*>/gi) ?? [];
    expect(tags.length).toBeGreaterThan(50);
    for (const tag of tags) {
      expect(tag).toMatch(/^<(h[1-6]|p|br|hr|blockquote|pre|code|ul|ol|li|strong|em|del|ins|sup|sub|mark|kbd|table|thead|tbody|tfoot|tr|th|td|caption|a|img|span|div|dl|dt|dd|input)[\s/>]/);
      for (const [, name, value = ""] of tag.matchAll(/\s([^\s=/>]+)(?:="([^"]*)")?/g)) {
        expect(["href", "src", "alt", "title", "id", "class", "rel", "align", "start", "type", "checked", "disabled", "width", "height", "colspan", "rowspan", "loading"], tag).toContain(name);
        if (name !== "href" && name !== "src") continue;
        const decoded = value
          .replace(/&#x([0-9a-f]+);?/gi, (_m, h: string) => String.fromCodePoint(parseInt(h, 16)))
          .replace(/&#(\d+);?/g, (_m, d: string) => String.fromCodePoint(Number(d)))
          .replace(/&amp;/g, "&")
          .replace(/[\u0000-\u0020]/g, "");
        expect(decoded, tag).not.toMatch(/^(?!https?:|mailto:)[a-z][a-z0-9+.-]*:/i);
      }
    }
  });
});

describe("the revision workflow", () => {
  it("proposal pages, the list and the approver's inbox show summaries, comments, reasons and the author as text", async () => {
    const approver = await browse("approver");
    await check(approver, `/proposals/${ref.published}`, [TXT.title1, TXT.summary1, TXT.approveComment, TXT.userName]);
    await check(approver, `/proposals/${ref.rejected}`, [TXT.summary3, TXT.rejectReason]);
    await check(approver, `/proposals/${ref.pending}`, [TXT.summary4, TXT.userName, BODY_END, "Pending line.", ...CODE_TEXT]);
    await check(approver, `/proposals/${ref.pending}?view=inline`, [TXT.summary4]);
    await check(approver, "/proposals?view=all", [TXT.title2]);
    await check(approver, "/inbox", [TXT.title2, TXT.summary4, TXT.userName]);
    await done(approver);
    const eve = await browse("eve", { password: "eve-long-password" });
    await check(eve, `/proposals/${ref.rejected}`, [TXT.rejectReason, TXT.userName]);
    await check(eve, `/proposals/${ref.pending}/edit`, [TXT.summary4]);
    await check(eve, "/notifications", [TXT.rejectReason]);
    await done(eve);
  });

  it("suggestion pages and notifications show the suggestion and the decline reason as text", async () => {
    const staff = await browse("staff");
    await check(staff, `/docs/${ref.number}/suggestions`, [TXT.suggestion, TXT.declineReason]);
    await check(staff, "/notifications", [TXT.declineReason]);
    await done(staff);
    const admin = await browse("admin");
    await check(admin, "/suggestions", [TXT.suggestionOpen]);
    await check(admin, `/docs/${ref.number}/suggestions`, [TXT.suggestion, TXT.suggestionOpen, TXT.declineReason]);
    await check(admin, "/reports/suggestions");
    await done(admin);
  });
});

describe("access requests", () => {
  it("the queue, the request page, the requester's list and notifications show purposes and reasons as text", async () => {
    const finhead = await browse("finhead");
    await check(finhead, "/access/queue", [TXT.purposePending, TXT.justification]);
    await done(finhead);
    const itstaff = await browse("itstaff");
    await check(itstaff, `/access/requests/${ref.rejectedRequest}`, [TXT.purpose, TXT.accessReject]);
    await check(itstaff, "/access");
    await check(itstaff, "/notifications", [TXT.accessReject]);
    await done(itstaff);
    const admin = await browse("admin");
    await check(admin, "/admin/access/emergency", [TXT.justification]);
    await check(admin, "/admin/access");
    await done(admin);
  });
});

describe("administration and the import report", () => {
  it("admin pages show the user's and the department's names as text", async () => {
    const admin = await browse("admin");
    await check(admin, "/admin/users", [TXT.userName, TXT.deptEn]);
    await check(admin, "/admin/departments", [TXT.deptZh, TXT.deptEn]);
    await check(admin, "/admin/audit");
    await check(admin, "/dashboard");
    await done(admin);
    const eve = await browse("eve", { password: "eve-long-password" });
    await check(eve, "/profile", [TXT.userName, TXT.tokenLabel]);
    await done(eve);
  });

  it("the import report names payload files as text, and the imported documents render safely", async () => {
    const admin = await browse("admin");
    const names = Object.values(FILE_NAMES);
    await check(admin, ref.importJob, [...names, TXT.importTitle]);
    // Run the import in the browser, as an administrator would.
    await admin.page.click("button[name=intent][value=run]");
    await admin.page.waitForFunction(() => !document.getElementById("import-progress") && document.querySelector("tr.outcome-imported"), undefined, { timeout: 30_000 });
    await check(admin, ref.importJob, [...names, TXT.importTitle]);
    await check(admin, "/admin/import");
    const html = await admin.page.content();
    expect(html).not.toContain("<img src=x onerror=xssHit('file-1')>");
    const c = await signedIn("admin");
    const api = await c.json<{ documents: { number: string; title: string }[] }>("/api/v1/documents?category=INI");
    const byTitle = (pred: (t: string) => boolean) => api.body.documents.find((d) => pred(d.title))?.number;
    const docxDoc = byTitle((t) => t.includes("Docx title"));
    const fmDoc = byTitle((t) => t === TXT.importTitle);
    const namedDoc = byTitle((t) => t === "Imported markdown");
    expect(docxDoc && fmDoc && namedDoc).toBeTruthy();
    await check(admin, `/docs/${docxDoc}`, [DOCX_TEXT, "docx script link", DOCX_HEADING]);
    await check(admin, `/docs/${fmDoc}`, [TXT.importTitle]);
    await check(admin, `/docs/${namedDoc}/history`);
    await done(admin);
  });
});

describe("search", () => {
  it("results, snippets and the reflected query are text; suggestions while typing are escaped", async () => {
    const staff = await browse("staff");
    // The index follows publication in the background; wait until it has the document.
    const c = await signedIn("staff");
    for (const [q, expected] of [["zqxsnippet", ref.number], ["zqxdocx", "zqxdocx"], ["onerror import", "imported"]]) {
      await expect.poll(async () => (await c.get(`/search?q=${encodeURIComponent(q)}`)).text_.includes(expected), { timeout: 20_000 }).toBe(true);
    }
    await check(staff, "/search?q=zqxsnippet", [TXT.title2, "<script>xssHit('M79')</script> zqxsnippet"]);
    await check(staff, "/search?q=zqxhead", [TXT.title2]);
    await check(staff, "/search?q=zqxdocx", ["zqxdocx"]);
    // Matches inside payload text are marked: escaping and <mark> must not split or re-open a tag.
    await check(staff, `/search?q=${encodeURIComponent("onerror import")}`, [TXT.importTitle]);
    expect(await staff.page.locator(".hit-title mark, .hit-snippet mark").count()).toBeGreaterThan(0);
    await check(staff, `/search?q=${encodeURIComponent(TXT.query)}`, [TXT.query]);
    await check(staff, `/search?q=${encodeURIComponent(`"><img src=x onerror=xssHit('search-q2')>`)}&category=${encodeURIComponent("<svg onload=xssHit('search-cat')>")}`, [], { status: 400 });
    await staff.page.click("#header-q");
    await staff.page.keyboard.type("Zqx", { delay: 20 });
    await staff.page.waitForSelector("#header-suggest li[role=option]");
    await staff.page.waitForTimeout(250);
    expect(await staff.page.evaluate(scanDom)).toEqual([]);
    expect(await staff.page.locator("#header-suggest").innerText()).toContain(TXT.title2);
    await done(staff);
  });

  it("a script URL in the sign-in return address is not followed", async () => {
    const seen = await browse("newhire");
    await seen.context.clearCookies();
    await seen.page.goto(`${server.url}/login?redirectTo=${encodeURIComponent("javascript:xssHit('redirect')")}`);
    await seen.page.fill("#username", "newhire");
    await seen.page.fill("#password", "demo1234");
    await Promise.all([seen.page.waitForURL((u) => !u.pathname.startsWith("/login")), seen.page.click("form.form button[type=submit]")]);
    await hydrated(seen.page);
    expect(new URL(seen.page.url()).origin).toBe(server.url);
    for (const target of ["javascript:xssHit('redirect')", "//evil.example/", "https://evil.example/", "/\\evil.example"]) {
      const c = new Client(server.url);
      await c.get("/login");
      const res = await c.post("/login", { username: "qahead", password: "demo1234", redirectTo: target });
      expect(res.status).toBe(302);
      const location = res.headers.get("location") ?? "";
      expect(location, target).toMatch(/^\/(?![/\\])/);
    }
    await done(seen);
  });
});
