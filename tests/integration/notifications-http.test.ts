/**
 * The in-app side over real HTTP against the built portal: the header count,
 * the notification centre (open = mark read and go to the diff, mark all
 * read), what a reader without access sees, settings forms without
 * JavaScript, watching from a document's tab, tasks from other domains, and
 * the live stream read as raw Server-Sent Events (resume with Last-Event-ID).
 * Publications go through the portal's publisher via a test hook standing in
 * for the approval workflow.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, signIn } from "../helpers/client";
import type { RunningServer } from "../helpers/server";
import { createWorld, type World } from "../helpers/world";
import { emitOnServer, publish, waitFor } from "./notifications-receivers";

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

function unreadIn(html: string): number {
  return Number(/data-testid="unread-count"[^>]*>(\d+)</.exec(html)?.[1] ?? NaN);
}

/** Whether the checkbox/radio with this name and value is checked in the page. */
function isChecked(html: string, name: string, value: string): boolean {
  const tag = [...html.matchAll(/<input [^>]*>/g)].map((m) => m[0]).find((t) => t.includes(`name="${name}"`) && t.includes(`value="${value}"`));
  if (!tag) throw new Error(`no input ${name}=${value}`);
  return / checked=""/.test(tag);
}

/** The list item of the centre that mentions a document. */
function itemFor(html: string, number: string): string {
  return [...html.matchAll(/<li class="notification-item[\s\S]*?<\/li>/g)].map((m) => m[0]).filter((li) => li.includes(number)).join("\n");
}

function itemIds(html: string): string[] {
  return [...html.matchAll(/<li class="notification-item[^"]*" data-id="(n\d+)"/g)].map((m) => m[1]);
}

describe("the notification centre", () => {
  it("counts unread in the header, opens a notification at the diff and marks it read", async () => {
    const staff = await signedIn("staff");
    const before = unreadIn((await staff.get("/")).text_);
    const doc = await publish(server.url, { actor: "editor", document: { title: "夜班交接规程", body: "交接时核对钥匙。", ownerDepartment: "ops" } });
    await publish(server.url, { actor: "editor", change: "major", summary: "新增交接签字栏", document: { number: doc.number, body: "交接时核对钥匙并签字。" } });
    expect(unreadIn((await staff.get("/")).text_)).toBe(before + 2);

    const centre = await staff.get("/notifications");
    expect(centre.status).toBe(200);
    expect(centre.text_).toContain(`${doc.number} 夜班交接规程：v2 重大变更`);
    expect(centre.text_).toContain("新增交接签字栏");
    expect(centre.text_).toContain(`新文档 ${doc.number} 夜班交接规程（v1）`);
    const [newest] = itemIds(centre.text_);
    const open = await staff.get(`/notifications/${newest}`);
    expect(open.status).toBe(302);
    expect(open.headers.get("location")).toBe(`/docs/${doc.number}/diff?from=1&to=2`);
    expect(unreadIn((await staff.get("/")).text_)).toBe(before + 1);
    // Someone else's notification cannot be opened.
    const editor = await signedIn("editor");
    expect((await editor.get(`/notifications/${newest}`)).status).toBe(404);

    const unread = await staff.get("/notifications?show=unread");
    expect(itemIds(unread.text_)).not.toContain(newest);
    const all = await staff.post("/notifications", { intent: "read-all" });
    expect(all.status).toBe(302);
    expect(unreadIn((await staff.get("/")).text_)).toBe(0);
    expect((await staff.get("/notifications?show=unread")).text_).toContain("没有未读通知");
    expect((await staff.get("/notifications?page=0")).status).toBe(400);
    expect((await staff.post("/notifications", { intent: "read", id: "../etc" })).status).toBe(400);
  });

  it("tells a reader without access only that the document changed, and opens the document page, not the diff", async () => {
    const doc = await publish(server.url, {
      actor: "finhead",
      document: { category: "MON", type: "report", title: "费用报销抽查报告", body: "抽查发现代号白鹭的重复报销。", confidentiality: "restricted", ownerDepartment: "fin", audienceDepartments: ["ops"] },
    });
    await publish(server.url, { actor: "finhead", change: "major", summary: "补充白鹭案例", document: { number: doc.number, body: "白鹭案例明细。" } });
    const staff = await signedIn("staff");
    const centre = await staff.get("/notifications");
    const items = itemFor(centre.text_, doc.number);
    expect(items).toContain(`${doc.number} 费用报销抽查报告 已变更`);
    expect(items).toContain("您无权查阅此文档");
    expect(items).not.toMatch(/diff\?from|补充/);
    expect(centre.text_).not.toContain("白鹭");
    const id = itemIds(centre.text_)[0];
    expect((await staff.get(`/notifications/${id}`)).headers.get("location")).toBe(`/docs/${doc.number}`);
  });

  it("shows tasks from other domains to the people they wait for", async () => {
    const approver = await signedIn("approver");
    const db = JSON.parse(fs.readFileSync(path.join(server.dataDir, "db.json"), "utf8")) as { users: { id: string; username: string }[] };
    const id = db.users.find((u) => u.username === "approver")!.id;
    await emitOnServer(server.url, "approval.waiting", { kind: "access-request", id: "req-9", number: "EXE-001", title: "文檔編寫與修訂操作規程", approverIds: [id], dueAt: "2031-05-06T02:00:00.000Z", link: "/access/requests/req-9" });
    const centre = await approver.get("/notifications");
    expect(centre.text_).toContain("待您决定的查阅申请：EXE-001 文檔編寫與修訂操作規程");
    expect(centre.text_).toContain('href="/notifications/');
    const openId = itemIds(centre.text_)[0];
    expect((await approver.get(`/notifications/${openId}`)).headers.get("location")).toBe("/access/requests/req-9");
  });
});

describe("settings and watches (forms without JavaScript)", () => {
  it("saves channel choices, refuses bad values, and says when email is not set up", async () => {
    const c = await signedIn("newhire");
    const page = await c.get("/settings/notifications");
    expect(page.status).toBe(200);
    expect(page.text_).toContain("本服务器尚未配置邮件");
    expect(isChecked(page.text_, "email", "minor")).toBe(true);
    expect(page.text_).toContain("浏览器推送需要 JavaScript");
    const saved = await c.post("/settings/notifications", { intent: "prefs", email: "tasks", minorTiming: "immediate" });
    expect(saved.headers.get("location")).toBe("/settings/notifications?saved=prefs");
    const after = (await c.get("/settings/notifications")).text_;
    expect(isChecked(after, "email", "minor")).toBe(false);
    expect(isChecked(after, "email", "tasks")).toBe(true);
    expect(isChecked(after, "minorTiming", "immediate")).toBe(true);
    expect((await c.post("/settings/notifications", { intent: "prefs", email: "everything", minorTiming: "digest" })).status).toBe(400);
    expect((await c.post("/settings/notifications", { intent: "prefs", minorTiming: "digest" }, { csrf: false })).status).toBe(403);
    expect((await c.post("/settings/notifications", { intent: "watch-category", code: "NOPE" })).status).toBe(404);
  });

  it("lets anyone watch a document from its tab, and be told of its changes until they stop", async () => {
    const doc = await publish(server.url, { actor: "editor", document: { title: "仓库盘点流程", body: "每月盘点。", ownerDepartment: "ops" } });
    const it1 = await signedIn("itstaff");
    const tab = await it1.get(`/docs/${doc.number}/watch`);
    expect(tab.status).toBe(200);
    expect(tab.text_).toContain("Your department is not named on this document");
    expect((await it1.post(`/docs/${doc.number}/watch`, { intent: "watch", kind: "document" })).status).toBe(302);
    expect((await it1.get(`/docs/${doc.number}/watch`)).text_).toContain("Stop watching");
    await publish(server.url, { actor: "editor", change: "major", summary: "Count weekly", document: { number: doc.number } });
    expect((await it1.get("/notifications")).text_).toContain(`${doc.number} 仓库盘点流程: major change in v2`);
    const settings = await it1.get("/settings/notifications");
    expect(settings.text_).toContain(`href="/docs/${doc.number}"`);
    await it1.post("/settings/notifications", { intent: "unwatch", kind: "document", target: doc.number });
    await publish(server.url, { actor: "editor", change: "major", summary: "Count daily", document: { number: doc.number } });
    expect((await it1.get("/notifications")).text_).not.toContain("major change in v3");
    // A whole category.
    await it1.post("/settings/notifications", { intent: "watch-category", code: "acc" });
    const acc = await publish(server.url, { actor: "editor", document: { category: "ACC", type: "report", title: "季度验收报告", body: "验收合格。", ownerDepartment: "qa" } });
    expect((await it1.get("/notifications")).text_).toContain(`New document ${acc.number} 季度验收报告 (v1)`);
  });
});

describe("the live stream (Server-Sent Events)", () => {
  async function openStream(c: Client, lastEventId?: string) {
    const controller = new AbortController();
    const res = await fetch(`${server.url}/api/notifications/stream`, {
      headers: { Cookie: c.cookieHeader(), Accept: "text/event-stream", ...(lastEventId ? { "Last-Event-ID": lastEventId } : {}) },
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    const events: { event: string; id?: string; data: Record<string, unknown> }[] = [];
    const pump = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buffer += decoder.decode(value, { stream: true });
          let cut: number;
          while ((cut = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const fields = Object.fromEntries(block.split("\n").filter((l) => l && !l.startsWith(":")).map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trim()]));
            if (fields.event) events.push({ event: fields.event, id: fields.id, data: JSON.parse(fields.data) });
            else if (fields.retry) events.push({ event: "retry", data: { ms: Number(fields.retry) } });
          }
        }
      } catch {
        /* aborted */
      }
    })();
    return { res, events, close: async () => { controller.abort(); await pump; } };
  }

  it("streams new notifications with ids, and replays what a reconnecting page missed", async () => {
    const anon = await fetch(`${server.url}/api/notifications/stream`);
    expect(anon.status).toBe(401);
    const qa = await signedIn("qahead");
    const s1 = await openStream(qa);
    expect(s1.res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(s1.res.headers.get("cache-control")).toContain("no-transform");
    await waitFor(() => s1.events.find((e) => e.event === "hello"), "hello");
    expect(s1.events[0]).toEqual({ event: "retry", data: { ms: 3000 } });
    const doc = await publish(server.url, { actor: "editor", document: { title: "来料检验规程", body: "抽检 5%。", ownerDepartment: "qa" } });
    const live = await waitFor(() => s1.events.find((e) => e.event === "notification"), "live notification");
    expect(live.data).toMatchObject({ title: `新文档 ${doc.number} 来料检验规程（v1）`, toast: true });
    expect(Number(live.id)).toBeGreaterThan(0);
    await s1.close();

    // While no page is open, two more changes happen; a page reconnecting with Last-Event-ID gets both.
    await publish(server.url, { actor: "editor", change: "major", summary: "抽检比例提高到 10%", document: { number: doc.number } });
    await publish(server.url, { actor: "editor", change: "minor", summary: "修正单位", document: { number: doc.number } });
    const s2 = await openStream(qa, live.id);
    await waitFor(() => s2.events.find((e) => e.event === "hello"), "hello after resume");
    const missed = s2.events.filter((e) => e.event === "notification");
    expect(missed.map((e) => e.data.title)).toEqual([`${doc.number} 来料检验规程：v2 重大变更`, `${doc.number} 来料检验规程：v3 编辑性修改`]);
    expect(missed[1].data.toast).toBe(false); // editorial changes wait for the digest: count only, no toast
    // Marking read elsewhere updates the count on the open page.
    await qa.post("/notifications", { intent: "read-all" });
    await waitFor(() => s2.events.find((e) => e.event === "count" && e.data.unread === 0), "count event");
    await s2.close();
  });
});

describe("shutting down", () => {
  it("ends open streams at once when the portal is asked to stop, so they do not hold the server open", async () => {
    const c = await signedIn("staff");
    const res = await fetch(`${server.url}/api/notifications/stream`, { headers: { Cookie: c.cookieHeader() } });
    const reader = res.body!.getReader();
    await reader.read();
    let endedAt = 0;
    const ended = (async () => {
      for (;;) {
        const chunk = await reader.read().catch(() => ({ done: true }));
        if (chunk.done) return (endedAt = Date.now());
      }
    })();
    const started = Date.now();
    const stopping = server.stop("SIGTERM");
    await ended;
    expect(endedAt - started).toBeLessThan(10_000); // heartbeats come every 20 s: only the shutdown ends it this soon, even on a busy machine
    await stopping;
  });
});
