/**
 * Read acknowledgements and periodic review over real HTTP against the built
 * portal: the notice and "I have read and understood vN" button on the
 * document page, refusing a stale version, "what changed since you last read
 * it", what a person owes, the manager report after a sequence of
 * publications with manual and automatic reminders, and the review report
 * with "no revision needed". Publications go through the portal's publisher
 * via a test hook standing in for the approval workflow.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signIn } from "../helpers/client";
import type { RunningServer } from "../helpers/server";
import { createWorld, type World } from "../helpers/world";
import { hook, publish } from "./notifications-receivers";

let world: World;
let server: RunningServer;

beforeAll(async () => {
  world = await createWorld();
  server = await world.server({ REGULA_NO_SCHEDULER: "1" });
});
afterAll(async () => world?.cleanup());

function signedIn(username: string) {
  return signIn(server.url, username, { lang: null });
}

/** Report rows as "user:status" for a document. */
function reportRows(html: string, number: string): string[] {
  return [...html.matchAll(/<tr data-user="([^"]+)" data-number="([^"]+)" data-status="([^"]+)"/g)]
    .filter((m) => m[2] === number)
    .map((m) => `${m[1]}:${m[3]}`)
    .sort();
}

describe("acknowledging a major change", () => {
  it("asks affected readers on the document page, binds the confirmation to the version, and shows what changed since", async () => {
    const doc = await publish(server.url, { actor: "editor", document: { title: "危险品存放规定", body: "危险品存放于 A 区。", ownerDepartment: "ops", audienceDepartments: ["qa"] } });
    await publish(server.url, { actor: "editor", change: "major", summary: "改存 B 区并加锁", document: { number: doc.number, body: "危险品存放于 B 区，加锁管理。" } });

    const staff = await signedIn("staff");
    const page = await staff.get(`/docs/${doc.number}`);
    expect(page.text_).toContain("此版本含重大变更。请在");
    expect(page.text_).toContain("我已阅读并理解 v2</button>");
    expect(page.text_).toContain(`action="/docs/${doc.number}/ack"`);
    expect(page.text_).toContain(">待确认 1</a>"); // the header says a confirmation is owed
    const owed = await staff.get("/acknowledgements");
    expect(owed.text_).toContain(`href="/docs/${doc.number}"`);
    expect(owed.text_).toContain("重大变更");

    // Only the current version can be acknowledged.
    const stale = await staff.post(`/docs/${doc.number}/ack`, { intent: "acknowledge", version: "1" });
    expect(stale.status).toBe(409);
    expect(stale.text_).toContain(`${doc.number} 的 v1 不是现行版本`); // in the reader's language (zh-CN)
    const ok = await staff.post(`/docs/${doc.number}/ack`, { intent: "acknowledge", version: "2" });
    expect(ok.status).toBe(302);
    expect(ok.headers.get("location")).toBe(`/docs/${doc.number}?acknowledged=2`);
    const after = await staff.get(`/docs/${doc.number}`);
    expect(after.text_).toMatch(/您已于 \d{4}-\d{2}-\d{2} 确认阅读 v2/);
    expect(after.text_).not.toContain("我已阅读并理解");
    const done = await staff.get("/acknowledgements");
    expect(done.text_).toContain("您已完成所有要求的确认");
    expect(done.text_).not.toContain("待确认 1");

    // An editorial change and then a major one: staff sees what changed since v2, and is asked again.
    await publish(server.url, { actor: "editor", change: "minor", summary: "措辞", document: { number: doc.number } });
    await publish(server.url, { actor: "editor", change: "major", summary: "新增双人领用", document: { number: doc.number } });
    const again = await staff.get(`/docs/${doc.number}`);
    expect(again.text_).toContain("自您上次确认阅读后已有变更（v2 → v4）");
    expect(again.text_).toContain(`href="/docs/${doc.number}/diff?from=2&amp;to=4"`);
    expect(again.text_).toContain("我已阅读并理解 v4</button>");
    // The dedicated page works too (the button's fallback).
    const ackPage = await staff.get(`/docs/${doc.number}/ack`);
    expect(ackPage.text_).toContain("确认已阅");
    expect(ackPage.text_).toContain("我已阅读并理解 v4");
  });

  it("refuses people who may not read the document, and forged posts", async () => {
    const doc = await publish(server.url, {
      actor: "finhead",
      document: { category: "MON", type: "report", title: "内部审计底稿", body: "底稿。", confidentiality: "restricted", ownerDepartment: "fin" },
    });
    const staff = await signedIn("staff");
    expect((await staff.post(`/docs/${doc.number}/ack`, { intent: "acknowledge", version: "1" })).status).toBe(403);
    expect((await staff.post(`/docs/${doc.number}/ack`, { intent: "acknowledge", version: "1" }, { csrf: false })).status).toBe(403);
    expect((await staff.post(`/docs/NOPE-1/ack`, { intent: "acknowledge", version: "1" })).status).toBe(404);
    expect((await staff.post(`/docs/${doc.number}/ack`, { intent: "acknowledge", version: "x" })).status).toBe(400);
  });
});

describe("the acknowledgement report", () => {
  it("is right after a sequence of publications, and reminds people by hand and automatically", async () => {
    const doc = await publish(server.url, { actor: "editor", document: { title: "冷库进出规定", body: "两人同行。", ownerDepartment: "ops", audienceDepartments: ["qa"] } });
    const n = doc.number;
    await publish(server.url, { actor: "editor", change: "major", summary: "须携带氧气检测仪", document: { number: n } }); // v2
    const approver = await signedIn("approver");
    let report = await approver.get(`/acknowledgements/report?number=${n}`);
    expect(report.status).toBe(200);
    expect(reportRows(report.text_, n)).toEqual(["approver:pending", "newhire:pending", "qahead:pending", "staff:pending"]);

    const staff = await signedIn("staff");
    const newhire = await signedIn("newhire");
    const qahead = await signedIn("qahead");
    await staff.get(`/docs/${n}`); // only an opened version can be acknowledged
    await staff.post(`/docs/${n}/ack`, { intent: "acknowledge", version: "2" });
    await publish(server.url, { actor: "editor", change: "minor", summary: "错别字", document: { number: n } }); // v3
    await newhire.get(`/docs/${n}`); // only an opened version can be acknowledged
    await newhire.post(`/docs/${n}/ack`, { intent: "acknowledge", version: "3" });
    report = await approver.get(`/acknowledgements/report?number=${n}`);
    expect(reportRows(report.text_, n)).toEqual(["approver:pending", "newhire:acknowledged", "qahead:pending", "staff:acknowledged"]);

    await publish(server.url, { actor: "editor", change: "major", summary: "登记改用平板", document: { number: n } }); // v4
    await qahead.get(`/docs/${n}`); // only an opened version can be acknowledged
    await qahead.post(`/docs/${n}/ack`, { intent: "acknowledge", version: "4" });
    await hook(server.url, { advanceMs: 15 * 86400_000 });
    report = await approver.get(`/acknowledgements/report?number=${n}`);
    expect(reportRows(report.text_, n)).toEqual(["approver:overdue", "newhire:overdue", "qahead:acknowledged", "staff:overdue"]);
    const byDoc = /<tr data-number="[^"]+">[\s\S]*?<\/tr>/.exec(report.text_)![0];
    expect(byDoc).toMatch(/data-col="acknowledged">1</);
    expect(byDoc).toMatch(/data-col="overdue">3</);
    const qaOnly = await approver.get(`/acknowledgements/report?number=${n}&department=qa`);
    expect(reportRows(qaOnly.text_, n)).toEqual(["qahead:acknowledged"]);

    // Staff and department heads of other departments cannot see it.
    expect((await staff.get("/acknowledgements/report")).status).toBe(403);
    const hrhead = await signedIn("hrhead");
    expect(reportRows((await hrhead.get(`/acknowledgements/report?number=${n}`)).text_, n)).toEqual([]);

    // A reminder by hand for one person.
    const row = new RegExp(`<tr data-user="newhire" data-number="${n}"[\\s\\S]*?name="ids" value="([^"]+)"`).exec(report.text_)!;
    const sent = await approver.post("/acknowledgements/report", { intent: "remind", ids: row[1], number: n });
    expect(sent.status).toBe(302);
    expect(sent.headers.get("location")).toContain("reminded=1");
    expect((await newhire.get("/notifications")).text_).toContain(`提醒：请确认已阅读 ${n} 冷库进出规定 v4`);
    // Automatic reminders for everyone overdue, once a day.
    await hook(server.url, { runJobs: "acknowledgements.overdue" });
    const staffCentre = (await staff.get("/notifications")).text_;
    expect(staffCentre).toMatch(/提醒：(请确认已阅读|有 \d+ 份文档等待您确认已阅)/);
    const count = (html: string) => (html.match(/提醒：/g) ?? []).length;
    await hook(server.url, { runJobs: "acknowledgements.overdue" });
    expect(count((await staff.get("/notifications")).text_)).toBe(count(staffCentre));

    // The home page shows what each person owes.
    expect((await newhire.get("/")).text_).toContain("份文档等待您确认");
    await hook(server.url, { advanceMs: -15 * 86400_000 });
  });
});

describe("periodic review", () => {
  it("lists overdue reviews, reminds owners, and records 'no revision needed'", async () => {
    const doc = await publish(server.url, { actor: "editor", document: { title: "叉车年检制度", body: "每年年检。", ownerDepartment: "hr", nextReviewDate: "2020-01-31" } });
    const admin = await signedIn("admin");
    const list = await admin.get("/admin/reviews?show=overdue");
    expect(list.status).toBe(200);
    expect(list.text_).toMatch(new RegExp(`<tr data-number="${doc.number}" data-status="overdue"`));

    await hook(server.url, { runJobs: "reviews.reminders" });
    const hrhead = await signedIn("hrhead");
    const centre = (await hrhead.get("/notifications")).text_;
    expect(centre).toMatch(new RegExp(`${doc.number} 叉车年检制度 的复审已于 2020/01/31 到期|本部门有 \\d+ 份文档复审已逾期`));

    // Only the owning department's approvers (and admins) record the outcome.
    const approver = await signedIn("approver");
    const refused = await approver.post("/admin/reviews", { intent: "no-revision", number: doc.number, note: "看过了" });
    expect(refused.status).toBe(403);
    expect((await (await signedIn("staff")).get("/admin/reviews")).status).toBe(403);
    const empty = await hrhead.post("/admin/reviews", { intent: "no-revision", number: doc.number, note: "" });
    expect(empty.status).toBe(400);
    const done = await hrhead.post("/admin/reviews", { intent: "no-revision", number: doc.number, note: "与现行法规一致，无需修订" });
    expect(done.status).toBe(302);
    const row = new RegExp(`<tr data-number="${doc.number}" data-status="([^"]+)"[\\s\\S]*?</tr>`).exec((await hrhead.get(`/admin/reviews?number=${doc.number}`)).text_)!;
    expect(row[1]).toBe("ok");
    expect(row[0]).toContain("无需修订 — 孙人事");
    expect(row[0]).toContain("与现行法规一致，无需修订");
    expect(row[0]).toContain("文档记载 2020/01/31");
    expect(row[0]).toContain(`href="/docs/${doc.number}/propose"`);
  });
});
