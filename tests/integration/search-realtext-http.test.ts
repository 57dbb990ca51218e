/**
 * Search on real text through the built portal: a named document is the
 * first API hit, the synonym list (admin page without JavaScript, validated,
 * audited) changes what searches find, and the portal keeps answering — with
 * a notice — while its index catches up with many long documents.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { regulationCorpus } from "../../scripts/bench/regulations";
import { signIn } from "../helpers/client";
import { healthDetails, startServer, type RunningServer } from "../helpers/server";
import { createWorld, useWorldInProcess, type World } from "../helpers/world";
import { publishTestDoc } from "./search-fixtures";

let world: World;
let server: RunningServer;
const docs: Record<string, string> = {};
/** Long regulation-shaped documents published before the catch-up test. */
const LONG_DOCUMENTS = 24;

beforeAll(async () => {
  world = await createWorld();
  await useWorldInProcess(world);
  docs.target = (await publishTestDoc({ title: "潮汐站值守规程", body: "潮汐站每日记录水位。" })).number;
  // Documents that mention the target's number many times (they used to outrank it).
  for (let i = 0; i < 3; i++) {
    const n = docs.target;
    await publishTestDoc({ title: `潮汐记录汇编 ${i + 1}`, body: `依照 ${n} 执行。${n} 第二节；${n} 第三节；另见 ${n}。` });
  }
  docs.travel = (await publishTestDoc({ title: "珊瑚岛差旅费用规程", body: "差旅费用按月报销，差旅审批由部门负责人签字。" })).number;
  // Regulation-shaped long documents, for the catch-up (about 100 KB each).
  const long = regulationCorpus({ documents: LONG_DOCUMENTS, minKB: 80, maxKB: 120, englishShare: 0, seed: 77 });
  for (const d of long) await publishTestDoc({ category: "APR", type: "policy", title: `${d.title}（潮汐站）`, body: d.markdown.replace(/^# .*\n/, "") });
  server = await world.server();
}, 900_000);
afterAll(async () => world?.cleanup());

describe("a number jump", () => {
  it("puts the named document first in the API answer, before documents that mention it more often", async () => {
    const c = await signIn(server.url, "staff", { lang: null });
    const seq = Number(docs.target.split("-")[1]);
    for (const q of [docs.target, `exe ${seq}`, `EXE${seq}`]) {
      const res = await c.json<{ numberMatch: { number: string }; hits: { number: string }[] }>(`/api/v1/search?q=${encodeURIComponent(q)}`);
      expect(res.body.numberMatch.number, q).toBe(docs.target);
      expect(res.body.hits[0].number, q).toBe(docs.target);
      expect(res.body.hits.length, q).toBeGreaterThanOrEqual(4);
    }
  });
});

describe("the synonym list", () => {
  it("is an admin page that works without JavaScript, refuses bad input in the reader's language, and is audited", async () => {
    const admin = await signIn(server.url, "admin", { lang: null });
    const page = await admin.get("/admin/search-synonyms");
    expect(page.status).toBe(200);
    expect(page.text_).toContain("搜索同义词");
    expect(page.text_).toContain("加班, 延长工作时间"); // the starting list
    // One term is not a group: 400 with the message in Chinese, nothing saved.
    const bad = await admin.post("/admin/search-synonyms", { intent: "create", terms: "出差" });
    expect(bad.status).toBe(400);
    expect(bad.text_).toContain("请至少填写两个词。");
    const taken = await admin.post("/admin/search-synonyms", { intent: "create", terms: "境外, 国外" });
    expect(taken.status).toBe(400);
    expect(taken.text_).toContain("有词语已属于另一组");
    // Before: 出差 finds nothing of the travel rules.
    const staff = await signIn(server.url, "staff", { lang: null });
    const before = await staff.json<{ total: number; hits: { number: string }[] }>(`/api/v1/search?q=${encodeURIComponent("出差")}`);
    expect(before.body.hits.map((h) => h.number)).not.toContain(docs.travel);
    const created = await admin.post("/admin/search-synonyms", { intent: "create", terms: "出差，差旅" });
    expect(created.status).toBe(302);
    expect(created.headers.get("location")).toBe("/admin/search-synonyms?saved=1");
    const after = await staff.json<{ hits: { number: string; snippetHtml: string }[] }>(`/api/v1/search?q=${encodeURIComponent("出差")}`);
    expect(after.body.hits[0].number).toBe(docs.travel);
    expect(after.body.hits[0].snippetHtml).toContain("<mark>差旅</mark>");
    // The page lists the new group; English readers see English.
    const en = await signIn(server.url, "admin", { lang: "en" });
    const listed = await en.get("/admin/search-synonyms");
    expect(listed.text_).toContain("Search synonyms");
    expect(listed.text_).toContain("出差, 差旅");
    const upTo = listed.text_.slice(0, listed.text_.indexOf('value="出差, 差旅"'));
    const id = [...upTo.matchAll(/name="id" value="([^"]+)"/g)].at(-1)?.[1];
    expect(id).toBeTruthy();
    // Deleting the group ends the match.
    expect((await admin.post("/admin/search-synonyms", { intent: "delete", id: id! })).status).toBe(302);
    const gone = await staff.json<{ hits: { number: string }[] }>(`/api/v1/search?q=${encodeURIComponent("出差")}`);
    expect(gone.body.hits.map((h) => h.number)).not.toContain(docs.travel);
    // Audited: who changed what.
    const { readAuditEntries } = await import("~/audit/audit.server");
    const actions = readAuditEntries()
      .filter((e) => e.action.startsWith("search.synonyms."))
      .map((e) => [e.actor, e.action]);
    expect(actions).toEqual([
      ["admin", "search.synonyms.create"],
      ["admin", "search.synonyms.delete"],
    ]);
  });

  it("is for administrators only", async () => {
    const staff = await signIn(server.url, "staff", { lang: null });
    expect((await staff.get("/admin/search-synonyms")).status).toBe(403);
    expect((await staff.post("/admin/search-synonyms", { intent: "restore-defaults" })).status).toBe(403);
  });
});

describe("while the index catches up", () => {
  it("answers /healthz and searches from what is indexed, with a translated notice, until every document is in", async () => {
    // Signed in before the restart (sessions live in the database), so nothing waits once the catch-up runs.
    const staff = await signIn(server.url, "staff", { lang: null });
    const english = await signIn(server.url, "staff", { lang: "en" });
    await server.stop();
    fs.rmSync(path.join(world.dataDir, "search", "embedded.json"));
    server = await startServer({ dataDir: world.dataDir, waitForSearch: false });
    staff.baseUrl = english.baseUrl = server.url;
    let catchingUp = 0;
    let searchesDuring = 0;
    let noticeZh = false;
    let noticeEn = false;
    let slowestHealthMs = 0;
    let lastDone = -1;
    // Bounded by the work: poll until the index reports it is level; every answer must come while it works.
    for (;;) {
      const started = performance.now();
      const { body: health } = await healthDetails<{
        checks: { search: { engine: string; state?: string; catchingUp?: { done: number; total: number } } };
      }>(server);
      slowestHealthMs = Math.max(slowestHealthMs, performance.now() - started);
      const search = health.checks.search;
      // Before the search step has started, or while the saved index is read, there is nothing to observe yet.
      if (search.engine !== "embedded" || search.state === "loading") {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      if (search.state !== "catching-up") break;
      catchingUp++;
      expect(search.catchingUp!.done).toBeLessThan(search.catchingUp!.total);
      expect(search.catchingUp!.done).toBeGreaterThanOrEqual(lastDone);
      lastDone = search.catchingUp!.done;
      const api = await staff.json<{ catchingUp: { indexed: number; total: number } | null; hits: unknown[] }>(`/api/v1/search?q=${encodeURIComponent("应当")}`);
      expect(api.status).toBe(200);
      if (api.body.catchingUp) {
        searchesDuring++;
        expect(api.body.catchingUp.indexed).toBeLessThan(api.body.catchingUp.total);
      }
      if (!noticeZh) noticeZh = (await staff.get(`/search?q=${encodeURIComponent("应当")}`)).text_.includes("搜索索引正在同步最近的变更");
      else if (!noticeEn) noticeEn = (await english.get(`/search?q=${encodeURIComponent("应当")}`)).text_.includes("The search index is catching up");
    }
    console.log(`catch-up observed ${catchingUp} times; slowest /healthz ${slowestHealthMs.toFixed(0)} ms`);
    expect(catchingUp).toBeGreaterThanOrEqual(1);
    expect(searchesDuring).toBeGreaterThanOrEqual(1);
    expect(noticeZh).toBe(true);
    // Once level: no notice, and every long document is found.
    const done = await staff.json<{ catchingUp: unknown; total: number }>(`/api/v1/search?q=${encodeURIComponent("潮汐站")}`);
    expect(done.body.catchingUp).toBeNull();
    expect(done.body.total).toBeGreaterThanOrEqual(LONG_DOCUMENTS + 1);
    expect((await staff.get(`/search?q=${encodeURIComponent("应当")}`)).text_).not.toContain("搜索索引正在同步最近的变更");
    expect(server.output()).toMatch(/\[search\] embedded index rebuilt \(\d+ documents\)/);
  }, 600_000); // bounded by the work of the catch-up, not by a deadline
});
