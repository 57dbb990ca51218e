/**
 * The revision workflow through real HTTP against the built portal: the
 * no-JavaScript forms (propose, preview, approve with a signature, resolve a
 * conflict), the live-preview endpoint, the JSON API with the same rules, the
 * approver inbox and service level, suggestions, and a future effective date
 * that takes effect after the portal restarts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, signIn } from "../helpers/client";
import type { RunningServer } from "../helpers/server";
import { createWorld, useWorldInProcess, type World } from "../helpers/world";
import { bodyOf, DAY, mainCommits, mainText, PASSWORD, publishDoc } from "./revisions-helpers";
import { apiRequest, apiToken } from "../helpers/api";

let world: World;
let server: RunningServer;
const docs: Record<string, string> = {};

const MANUAL = [
  "# 设备点检规程",
  "",
  "## 点检频率",
  "",
  "每班开机前点检一次。",
  "",
  "## 记录",
  "",
  "点检结果记入点检表。",
  "",
  "## 异常处理",
  "",
  "发现异常立即停机并报告班长。",
  "",
].join("\n");

beforeAll(async () => {
  world = await createWorld();
  await useWorldInProcess(world);
  // Documents this file works on, published through the real publisher before the portal starts.
  for (const key of ["form", "api", "conflict", "scheduled", "suggest", "overdue"]) {
    docs[key] = (await publishDoc({ title: `设备点检规程 ${key}`, body: MANUAL })).number;
  }
  // This process set REGULA_NO_SCHEDULER for its own modules; the portal runs its scheduler as in production.
  server = await world.server({ REGULA_NO_SCHEDULER: "0" });
});
afterAll(async () => world?.cleanup());

function signedIn(username: string) {
  return signIn(server.url, username);
}

async function hooks(body: Record<string, unknown>) {
  const res = await fetch(`${server.url}/api/test-hooks`, { method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "application/json" } });
  expect(res.status).toBe(200);
  return (await res.json()) as { offsetMs: number; now: string };
}

/** Today in the company's time zone on the server's (possibly moved) clock, plus `days`. */
function serverDate(now: string, days: number) {
  const d = new Date(Date.parse(now) + days * DAY);
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit" }).format(d);
}

const api = (token: string, method: string, path: string, body?: unknown) => apiRequest(server.url, token, method, path, body);

function proposalIdFrom(res: Response) {
  const location = res.headers.get("location") ?? "";
  const m = /\/proposals\/(P-\d+)/.exec(location);
  if (!m) throw new Error(`expected a redirect to a proposal, got ${res.status} ${location}`);
  return m[1];
}

describe("proposing and approving through the forms (no JavaScript)", () => {
  it("previews on the server, saves and submits, shows the diff, and publishes on a signed approval", async () => {
    const number = docs.form;
    const editor = await signedIn("editor");
    const page = await editor.get(`/docs/${number}/propose`);
    expect(page.status).toBe(200);
    expect(page.text_).toContain("每班开机前点检一次。");
    expect(page.text_).toContain('name="intent" value="preview"');

    const edited = MANUAL.replace("每班开机前点检一次。", "每班开机前和交接班时各点检一次。");
    const preview = await editor.post(`/docs/${number}/propose`, {
      intent: "preview",
      body: "**加粗** <script>alert(1)</script> <img src=x onerror=alert(2)>",
    });
    expect(preview.status).toBe(200);
    expect(preview.text_).toContain("<strong>加粗</strong>");
    expect(preview.text_).not.toContain("<script>alert(1)");
    expect(preview.text_).not.toMatch(/<img[^>]*onerror/);

    const created = await editor.post(`/docs/${number}/propose`, {
      intent: "create-submit",
      change: "minor",
      summary: "增加交接班点检",
      body: edited,
      "audienceDepartments[]": "",
    });
    expect(created.status).toBe(302);
    const id = proposalIdFrom(created);
    const view = await editor.get(`/proposals/${id}`);
    expect(view.status).toBe(200);
    expect(view.text_).toContain("In review");
    expect(view.text_).toContain("交接班时各点检一次");
    expect(view.text_).toMatch(/Changes against the current version \(v1\)/);
    expect(mainText(world.dataDir, number)).not.toContain("交接班");

    // Other editors and approvers are told a proposal is open; the document's readers are not.
    const approver = await signedIn("approver");
    expect((await approver.get(`/docs/${number}`)).text_).toContain(`Open proposals on this document: ${id}`);
    const staff = await signedIn("staff");
    expect((await staff.get(`/docs/${number}`)).text_).not.toContain(id);
    expect((await staff.get(`/proposals/${id}`)).status).toBe(404);
    expect((await staff.get(`/docs/${number}/propose`)).status).toBe(403);

    const inbox = await approver.get("/inbox");
    expect(inbox.text_).toContain(id);
    const wrong = await approver.post(`/proposals/${id}`, { intent: "approve", password: "wrong-password", comment: "" });
    expect(wrong.status).toBe(400);
    expect(wrong.text_).toContain("The password is not correct");
    expect(mainText(world.dataDir, number)).not.toContain("交接班");

    const signed = await approver.post(`/proposals/${id}`, { intent: "approve", password: PASSWORD, comment: "同意" });
    expect(signed.status).toBe(302);
    expect(signed.headers.get("location")).toBe(`/proposals/${id}?done=published`);
    const done = await approver.get(`/proposals/${id}`);
    expect(done.text_).toContain("Published as v2.");
    expect(done.text_).toMatch(/Signed by 李主管 \(approver\) on [^<]+ — approved/);
    const reader = await staff.get(`/docs/${number}`);
    expect(reader.text_).toContain("每班开机前和交接班时各点检一次。");
    expect(mainCommits(world.dataDir)[0].trailers).toMatchObject({
      Document: [number],
      Version: ["2"],
      Change: ["minor"],
      Proposal: [id],
      "Approved-by": ["approver"],
    });
  });

  it("answers the live preview with sanitised HTML and refuses it cross-site or without the form token", async () => {
    const editor = await signedIn("editor");
    const post = (headers: Record<string, string>) =>
      fetch(`${server.url}/api/preview`, {
        method: "POST",
        headers: { Cookie: editor.cookieHeader(), "Content-Type": "application/json", Origin: server.url, ...headers },
        body: JSON.stringify({ markdown: "## 标题\n\n[[EXE-001]] <script>x()</script>" }),
      });
    const ok = await post({ "X-CSRF-Token": editor.csrf });
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { html: string };
    expect(body.html).toContain('<h2 id="标题">标题</h2>');
    expect(body.html).toContain('href="/docs/EXE-001"');
    expect(body.html).not.toContain("<script");
    expect((await post({})).status).toBe(403);
    expect((await post({ "X-CSRF-Token": editor.csrf, Origin: "https://evil.example" })).status).toBe(403);
  });

  it("proposes a new document through its form with a reserved number", async () => {
    const editor = await signedIn("editor");
    expect((await editor.get("/proposals/new")).status).toBe(200);
    const bad = await editor.post("/proposals/new", {
      intent: "create",
      category: "INI",
      type: "form",
      title: "",
      ownerDepartment: "ops",
      confidentiality: "internal",
      body: "x",
    });
    expect(bad.status).toBe(400);
    const res = await editor.post("/proposals/new", {
      intent: "create",
      category: "INI",
      type: "form",
      title: "设备维修申请单",
      ownerDepartment: "ops",
      confidentiality: "internal",
      "audienceDepartments[]": ["", "qa"],
      body: "# 设备维修申请单\n\n| 项目 | 内容 |\n|---|---|\n| 设备 | |\n",
      summary: "新建维修申请单",
    });
    expect(res.status).toBe(302);
    const id = proposalIdFrom(res);
    const page = await editor.get(`/proposals/${id}`);
    const number = /<span class="doc-number">(INI-\d{3})<\/span>/.exec(page.text_)?.[1];
    expect(number).toBeTruthy();
    expect(page.text_).toContain("Text of the new document");
    expect((await editor.get(`/docs/${number}`)).status).toBe(404);
  });
});

describe("the JSON API follows the same rules", () => {
  it("creates, submits, refuses self-approval and reasonless rejection, records reasons, and approves with the password", async () => {
    const number = docs.api;
    const editorToken = await apiToken(await signedIn("editor"));
    const approverToken = await apiToken(await signedIn("approver"));
    const staffToken = await apiToken(await signedIn("staff"));

    expect((await api(staffToken, "POST", "/api/v1/proposals", { kind: "revision", number, change: "minor", body: "x" })).status).toBe(403);
    const created = await api(editorToken, "POST", "/api/v1/proposals", {
      kind: "revision",
      number,
      change: "minor",
      summary: "记录要求",
      body: MANUAL.replace("点检结果记入点检表。", "点检结果当班记入点检表并签名。"),
    });
    expect(created.status).toBe(201);
    const id = created.body.proposal.id as string;
    expect(created.body.proposal).toMatchObject({ number, status: "draft", baseVersion: 1, change: "minor" });

    const submitted = await api(editorToken, "POST", `/api/v1/proposals/${id}/submit`);
    expect(submitted.status).toBe(200);
    expect(submitted.body.proposal.stage).toMatchObject({ role: "approval", approvers: ["approver"] });
    const own = await api(editorToken, "POST", `/api/v1/proposals/${id}/approve`, { password: PASSWORD });
    expect(own.status).toBe(403);
    expect(own.body.error.message).toBe("You cannot decide on your own proposal");
    const noReason = await api(approverToken, "POST", `/api/v1/proposals/${id}/reject`, {});
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.fieldErrors).toHaveProperty("reason");
    const changes = await api(approverToken, "POST", `/api/v1/proposals/${id}/request-changes`, { reason: "请注明签名人为点检员。" });
    expect(changes.status).toBe(200);
    expect(changes.body).toMatchObject({ result: "changes-requested", proposal: { status: "changes-requested" } });

    const detail = await api(editorToken, "GET", `/api/v1/proposals/${id}`);
    expect(detail.body.proposal.decisions.at(-1)).toMatchObject({ decision: "changes-requested", by: "approver", reason: "请注明签名人为点检员。" });
    expect(detail.body.proposal.body).toContain("当班记入点检表并签名");
    expect((await api(staffToken, "GET", `/api/v1/proposals/${id}`)).status).toBe(404);
    const list = await api(staffToken, "GET", "/api/v1/proposals");
    expect(list.body.proposals.map((p: { id: string }) => p.id)).not.toContain(id);

    const revised = await api(editorToken, "POST", `/api/v1/proposals/${id}`, {
      body: MANUAL.replace("点检结果记入点检表。", "点检结果当班由点检员记入点检表并签名。"),
    });
    expect(revised.status).toBe(200);
    await api(editorToken, "POST", `/api/v1/proposals/${id}/submit`);
    const waiting = await api(approverToken, "GET", "/api/v1/proposals?waiting=1");
    expect(waiting.body.proposals.map((p: { id: string }) => p.id)).toContain(id);
    expect((await api(approverToken, "POST", `/api/v1/proposals/${id}/approve`, { password: "nope" })).status).toBe(400);
    const approved = await api(approverToken, "POST", `/api/v1/proposals/${id}/approve`, { password: PASSWORD });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ result: "published", proposal: { status: "published", publishedVersion: 2 } });
    expect(approved.body.proposal.decisions.find((d: { decision: string }) => d.decision === "approved")).toMatchObject({
      signed: true,
      meaning: "approved",
      by: "approver",
    });
    expect(mainText(world.dataDir, number)).toContain("点检结果当班由点检员记入点检表并签名。");
  });
});

describe("a stale proposal with a conflict, resolved in the browser form", () => {
  it("shows both sides and publishes the editor's resolution without losing the other change", async () => {
    const number = docs.conflict;
    const editor = await signedIn("editor");
    const approver = await signedIn("approver");
    const make = async (body: string, summary: string) =>
      proposalIdFrom(await editor.post(`/docs/${number}/propose`, { intent: "create-submit", change: "minor", summary, body }));
    const first = await make(MANUAL.replace("发现异常立即停机并报告班长。", "发现异常立即停机并报告设备主管。"), "报告对象");
    const second = await make(MANUAL.replace("发现异常立即停机并报告班长。", "发现异常立即停机、挂牌并报告班长。"), "挂牌");
    expect((await approver.post(`/proposals/${first}`, { intent: "approve", password: PASSWORD })).status).toBe(302);

    const page = await editor.get(`/proposals/${second}`);
    expect(page.text_).toContain("Needs update");
    expect(page.text_).toContain("The document changed after this proposal started from v1; the current version is v2.");
    const update = await editor.get(`/proposals/${second}/update`);
    expect(update.status).toBe(200);
    expect(update.text_).toContain("1 passage(s) were changed both in v2 and in your proposal");
    expect(update.text_).toContain("发现异常立即停机并报告设备主管。");
    expect(update.text_).toContain("发现异常立即停机、挂牌并报告班长。");
    const unresolved = await editor.post(`/proposals/${second}/update`, { intent: "resolve" });
    expect(unresolved.status).toBe(400);
    const resolved = await editor.post(`/proposals/${second}/update`, {
      intent: "resolve",
      "choice-0": "custom",
      "custom-0": "发现异常立即停机、挂牌并报告设备主管。",
    });
    expect(resolved.status).toBe(302);
    // The record says how the update went, in the reader's language.
    expect((await editor.get(`/proposals/${second}`)).text_).toContain("Conflicts with the current version resolved by the editor: 1.");
    const zh = await signIn(server.url, "editor", { lang: "zh-CN" });
    const record = (await zh.get(`/proposals/${second}`)).text_;
    expect(record).toContain("编写人已解决与现行版本的冲突：1 处。");
    expect(record).not.toMatch(/resolved \d+ conflict/);
    expect((await editor.post(`/proposals/${second}`, { intent: "submit" })).status).toBe(302);
    expect((await approver.post(`/proposals/${second}`, { intent: "approve", password: PASSWORD })).status).toBe(302);
    const text = bodyOf(mainText(world.dataDir, number));
    expect(text).toContain("发现异常立即停机、挂牌并报告设备主管。");
    expect(text).not.toContain("报告班长");
  });
});

describe("approver inbox and service level", () => {
  it("flags items overdue after 3 working days to the approver and to admins", async () => {
    const editor = await signedIn("editor");
    const id = proposalIdFrom(
      await editor.post(`/docs/${docs.overdue}/propose`, { intent: "create-submit", change: "minor", summary: "频率", body: MANUAL.replace("每班", "每日") })
    );
    const approver = await signedIn("approver");
    const admin = await signedIn("admin");
    expect((await approver.get("/inbox")).text_).not.toContain("waiting for you are overdue");
    await hooks({ advanceMs: 6 * DAY });
    try {
      const inbox = await approver.get("/inbox");
      expect(inbox.text_).toContain("1 item(s) waiting for you are overdue.");
      expect(inbox.text_).toContain(id);
      const adminInbox = await admin.get("/inbox");
      expect(adminInbox.text_).toMatch(/Overdue approvals across the portal \(\d+\)/);
      expect(adminInbox.text_).toContain(id);
      const home = await admin.get("/");
      expect(home.text_).toMatch(/approval\(s\) across the portal are overdue/);
    } finally {
      await hooks({ offsetMs: 0 });
    }
    expect((await approver.post(`/proposals/${id}`, { intent: "reject", reason: "频率不能降低" })).status).toBe(302);
  });
});

describe("suggestions", () => {
  it("staff suggest, the document shows it, editors of the owning department decline with a reason, the suggester sees it", async () => {
    const number = docs.suggest;
    const staff = await signedIn("staff");
    const sent = await staff.post(`/docs/${number}/suggestions`, { intent: "suggest", text: "点检表应增加温度一栏，夏季设备过热时有记录可查。" });
    expect(sent.status).toBe(302);
    const id = /#(S-\d+)/.exec(sent.headers.get("location") ?? "")?.[1];
    expect(id).toBeTruthy();
    expect((await staff.post(`/docs/${number}/suggestions`, { intent: "suggest", text: "x" })).status).toBe(400);
    expect((await staff.get(`/docs/${number}`)).text_).toContain("1 open suggestion(s) on this document.");
    // Staff cannot triage.
    expect((await staff.post(`/docs/${number}/suggestions`, { intent: "decline", id: id!, reason: "not needed" })).status).toBe(403);

    const editor = await signedIn("editor");
    const page = await editor.get(`/docs/${number}/suggestions`);
    expect(page.text_).toContain("点检表应增加温度一栏");
    expect(page.text_).toContain("Turn into a proposal");
    expect((await editor.post(`/docs/${number}/suggestions`, { intent: "decline", id: id!, reason: "" })).status).toBe(400);
    expect((await editor.post(`/docs/${number}/suggestions`, { intent: "decline", id: id!, reason: "温度已由设备自动记录，无需手工填写。" })).status).toBe(302);
    const mine = await staff.get("/suggestions");
    expect(mine.text_).toContain("Declined");
    expect(mine.text_).toContain("温度已由设备自动记录，无需手工填写。");

    const second = await staff.post(`/docs/${number}/suggestions`, { intent: "suggest", text: "异常处理应写明报告时限。" });
    const id2 = /#(S-\d+)/.exec(second.headers.get("location") ?? "")![1];
    const accepted = await editor.post(`/docs/${number}/suggestions`, { intent: "accept", id: id2, change: "minor" });
    expect(accepted.status).toBe(302);
    expect(accepted.headers.get("location")).toMatch(/^\/proposals\/P-\d+\/edit$/);
    expect((await staff.get("/suggestions")).text_).toContain("Turned into a proposal");

    const admin = await signedIn("admin");
    const report = await admin.get("/reports/suggestions");
    expect(report.status).toBe(200);
    expect(report.text_).toMatch(/data-figure="accepted">\d+</);
    expect((await staff.get("/reports/suggestions")).status).toBe(403);
  });
});

describe("effective dates", () => {
  it("shows readers the coming version, and makes it current on its date after a restart", async () => {
    const number = docs.scheduled;
    // Approve three days in the server's past with an effective date two days after that, i.e. yesterday.
    const { now } = await hooks({ offsetMs: -3 * DAY });
    const effective = serverDate(now, 2);
    const editor = await signedIn("editor");
    const approver = await signedIn("approver");
    const id = proposalIdFrom(
      await editor.post(`/docs/${number}/propose`, {
        intent: "create-submit",
        change: "minor",
        summary: "增加周检",
        body: MANUAL.replace("每班开机前点检一次。", "每班开机前点检一次，每周全面检查一次。"),
        effectiveDate: effective,
      })
    );
    const approved = await approver.post(`/proposals/${id}`, { intent: "approve", password: PASSWORD });
    expect(approved.headers.get("location")).toBe(`/proposals/${id}?done=scheduled`);
    const scheduledRecord = (await (await signIn(server.url, "editor", { lang: "zh-CN" })).get(`/proposals/${id}`)).text_;
    expect(scheduledRecord).toContain("新版本将于");
    expect(scheduledRecord).not.toContain("takes effect on");
    const staff = await signedIn("staff");
    const reader = await staff.get(`/docs/${number}`);
    expect(reader.text_).toContain("A new version (v2) takes effect on");
    expect(reader.text_).toContain(`/docs/${number}/upcoming`);
    expect(reader.text_).not.toContain("每周全面检查一次");
    const upcoming = await staff.get(`/docs/${number}/upcoming`);
    expect(upcoming.status).toBe(200);
    expect(upcoming.text_).toContain("每周全面检查一次");
    expect(mainText(world.dataDir, number)).not.toContain("每周全面检查");

    // Restart: the clock is back to today, past the effective date; the job catches up on start.
    await server.stop();
    server = await world.server({ REGULA_NO_SCHEDULER: "0" });
    const after = await signedIn("staff");
    let text = "";
    for (let i = 0; i < 100; i++) {
      text = (await after.get(`/docs/${number}`)).text_;
      if (text.includes("每周全面检查一次")) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(text).toContain("每班开机前点检一次，每周全面检查一次。");
    expect(text).not.toContain("takes effect on");
    const head = mainCommits(world.dataDir).find((c) => c.trailers.Document?.[0] === number)!;
    expect(head.trailers).toMatchObject({ Version: ["2"], Proposal: [id], "Approved-by": ["approver"] });
    expect(mainText(world.dataDir, number)).toContain(effective);
    const editorAfter = await signedIn("editor");
    expect((await editorAfter.get(`/proposals/${id}`)).text_).toContain("Published as v2.");
  });
});
