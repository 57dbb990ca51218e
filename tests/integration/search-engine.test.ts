/**
 * The embedded engine on a real repository: Chinese fragments in both scripts,
 * English prefixes and typos, phrases, revisions and retirements reflected at
 * once, permission filtering inside the engine, facets and paging, and the
 * saved index (loaded, caught up, rebuilt).
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorld, useWorldInProcess, type World } from "../helpers/world";
import { demoUser, publishTestDoc, reviseTestDoc, startSearchInProcess } from "./search-fixtures";
import type { SearchEngine, SearchReader } from "~/search/engine.server";
import { scaled } from "../helpers/time";

let world: World;
let engine: SearchEngine;
let admin: SearchReader;
let staff: SearchReader;
let itstaff: SearchReader;
let finhead: SearchReader;

const numbers: Record<string, string> = {};

beforeAll(async () => {
  delete process.env.MEILI_HOST;
  world = await createWorld();
  await useWorldInProcess(world);
  ({ engine } = await startSearchInProcess());
  admin = await demoUser("admin");
  staff = await demoUser("staff");
  itstaff = await demoUser("itstaff");
  finhead = await demoUser("finhead");
  numbers.manual = (
    await publishTestDoc({
      title: "鯨魚標本修復規程",
      body: "# 目的\n\n發現鯨魚標本裂紋擴散時，應立即通知標本室。\n\n所有待鑑定的隕石碎片須在三個工作日內登記。\n\nThe taxidermy ledger is signed by the curator.",
    })
  ).number;
  numbers.english = (
    await publishTestDoc({
      category: "APR",
      type: "policy",
      title: "Quokka habitat permit rules",
      body: "Every quokka enclosure needs a microclimate questionnaire and two zookeeper approvals before the first feeding order.\n\n袋鼠围栏准入需要两级审批。",
    })
  ).number;
  numbers.restricted = (
    await publishTestDoc({
      category: "MON",
      type: "report",
      title: "蜂鸟计划审计备忘",
      body: "本备忘涉及紫藤计划的调查细节与证人信息。Codename wisteria.",
      confidentiality: "restricted",
      ownerDepartment: "fin",
    })
  ).number;
  numbers.department = (
    await publishTestDoc({
      title: "夜间值守交接单",
      body: "夜班交接时核对琥珀色告警灯与备用钥匙。Amber beacon handover.",
      confidentiality: "department",
      ownerDepartment: "ops",
    })
  ).number;
});
afterAll(async () => world?.cleanup());

async function numbersFor(q: string, reader: SearchReader = admin, filters = {}) {
  const result = await engine.search(q, { reader, filters, pageSize: 50 });
  return result.hits.map((h) => h.number);
}

/** The documents that match every part of the query (listed before those matching only some). */
async function matchingAll(q: string, reader: SearchReader = admin) {
  const result = await engine.search(q, { reader, pageSize: 50 });
  return result.hits.filter((h) => h.missing.length === 0).map((h) => h.number);
}

describe("Chinese", () => {
  it("finds a fragment from inside a word, across word boundaries, in either script", async () => {
    for (const q of ["裂纹扩散", "裂紋擴散", "隕石", "陨石", "石碎", "纹扩", "鉴定", "标本室", "鲸鱼标本"]) {
      expect(await numbersFor(q), q).toEqual([numbers.manual]);
    }
  });

  it("matches a title fragment in Simplified against a Traditional title", async () => {
    expect(await numbersFor("修复规程")).toEqual([numbers.manual]);
    expect(await numbersFor("標本修復")).toEqual([numbers.manual]);
  });

  it("lists documents matching only some parts of the query after the rest, naming what they miss, and nothing for an absent fragment", async () => {
    expect(await matchingAll("裂纹 袋鼠")).toEqual([]);
    const { hits } = await engine.search("裂纹 袋鼠", { reader: admin });
    expect(hits.length).toBeGreaterThan(0);
    // Each lists the one part it misses (裂纹 documents lack 袋鼠, and the other way round).
    expect(hits.every((h) => h.missing.length === 1 && ["裂纹", "袋鼠"].includes(h.missing[0]))).toBe(true);
    expect(hits.some((h) => h.missing[0] === "袋鼠")).toBe(true);
    expect(await numbersFor("裂扩")).toEqual([]);
  });

  it("marks the fragment in the snippet in the document's own script", async () => {
    const [hit] = (await engine.search("鉴定", { reader: admin })).hits;
    expect(hit.snippetHtml).toContain("待<mark>鑑定</mark>的隕石碎片");
  });
});

describe("English and mixed text", () => {
  it("finds an unfinished last word and forgives small typos, without stemming", async () => {
    expect(await numbersFor("microclim")).toEqual([numbers.english]);
    expect(await matchingAll("quokka habbitat")).toEqual([numbers.english]);
    expect(await matchingAll("taxidermi ledger")).toEqual([numbers.manual]);
    expect(await matchingAll("zookeeper approvals ")).toEqual([numbers.english]);
    expect((await numbersFor("quokka habbitat"))[0]).toBe(numbers.english);
    // No stemming: a finished short word does not match longer forms of it.
    expect(await numbersFor("feed ")).toEqual([]);
    expect(await numbersFor("feed")).toEqual([numbers.english]);
  });

  it("matches mixed Chinese and English queries", async () => {
    expect(await numbersFor("feeding 袋鼠围栏")).toEqual([numbers.english]);
    expect(await numbersFor("curator 标本")).toEqual([numbers.manual]);
  });

  it("matches a quoted phrase exactly and nothing else", async () => {
    expect(await numbersFor('"two zookeeper approvals"')).toEqual([numbers.english]);
    expect(await numbersFor('"zookeeper two"')).toEqual([]);
    expect(await numbersFor("「鯨魚標本裂紋」")).toEqual([numbers.manual]);
    expect(await numbersFor("「标本 裂纹」")).toEqual([]);
  });

  it("finds a document by its number in any spelling", async () => {
    const seq = numbers.english.split("-")[1];
    expect((await numbersFor(numbers.english))[0]).toBe(numbers.english);
    expect((await numbersFor(`apr${seq}`))[0]).toBe(numbers.english);
  });
});

describe("permissions inside the engine", () => {
  it("never matches restricted body text for a reader without access", async () => {
    expect(await numbersFor("紫藤计划", staff)).toEqual([]);
    expect(await numbersFor("wisteria", staff)).toEqual([]);
    expect(await numbersFor("紫藤", itstaff)).toEqual([]);
  });

  it("lets a reader without access find the number and title, with no snippet", async () => {
    const { hits } = await engine.search("蜂鸟计划", { reader: staff });
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ number: numbers.restricted, readable: false, snippetHtml: null, title: "蜂鸟计划审计备忘" });
    expect(hits[0].titleHtml).toBe("<mark>蜂鸟计划</mark>审计备忘");
  });

  it("does not combine a title word with a restricted body word", async () => {
    // Without access only the title word counts: the document is listed by its title, missing the body word.
    const { hits } = await engine.search("蜂鸟 紫藤", { reader: staff });
    expect(hits.map((h) => [h.number, h.readable, h.snippetHtml, h.missing])).toEqual([[numbers.restricted, false, null, ["紫藤"]]]);
    expect(await matchingAll("蜂鸟 紫藤", staff)).toEqual([]);
    expect(await matchingAll("蜂鸟 紫藤", admin)).toEqual([numbers.restricted]);
  });

  it("gives full matches and snippets to admins and the owning department's approver", async () => {
    for (const reader of [admin, finhead]) {
      const { hits } = await engine.search("紫藤计划", { reader });
      expect(hits.map((h) => [h.number, h.readable])).toEqual([[numbers.restricted, true]]);
      expect(hits[0].snippetHtml).toContain("<mark>紫藤计划</mark>");
    }
  });

  it("keeps department documents to their department", async () => {
    expect(await numbersFor("琥珀色告警", staff)).toEqual([numbers.department]);
    expect(await numbersFor("琥珀色告警", itstaff)).toEqual([]);
    expect((await engine.search("夜间值守交接单", { reader: itstaff })).hits.map((h) => [h.number, h.readable])).toEqual([[numbers.department, false]]);
  });

  it("opens body matches as soon as an access grant is active, and closes them when it expires", async () => {
    const { updateDb, mutableCollection } = await import("~/data/db.server");
    const { nowIso } = await import("~/utils/clock.server");
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    await updateDb((data) => {
      mutableCollection<Record<string, unknown>>(data, "grants").push({
        id: "grant-search-test",
        userId: staff.id,
        number: numbers.restricted,
        sections: "all",
        history: false,
        kind: "request",
        createdAt: nowIso(),
        expiresAt,
      });
    });
    expect(await numbersFor("紫藤计划", staff)).toEqual([numbers.restricted]);
    const { setClockOffset } = await import("~/utils/clock.server");
    setClockOffset(2 * 3_600_000);
    try {
      expect(await numbersFor("紫藤计划", staff)).toEqual([]);
    } finally {
      setClockOffset(0);
    }
  });

  it("agrees with the read policy for every account and document (the Meilisearch filter)", async () => {
    const { readDb } = await import("~/data/db.server");
    const { allLatest } = await import("~/documents/version-index.server");
    const { decideRead } = await import("~/access/policy.server");
    const { readScope, scopeAllows, scopeFilter } = await import("~/search/scope.server");
    let checked = 0;
    for (const user of readDb().users) {
      const scope = readScope(user);
      for (const record of allLatest()) {
        expect(scopeAllows(scope, record.meta), `${user.username} ${record.number}`).toBe(decideRead(user, record.meta).allowed);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(30);
    expect(scopeFilter(readScope(admin))).toBeNull();
    expect(scopeFilter(readScope(finhead))).toBe(
      '(confidentiality = "internal" OR (confidentiality = "department" AND (ownerDepartment = "fin" OR audienceDepartments = "fin")) OR (confidentiality = "restricted" AND ownerDepartment = "fin"))',
    );
  });
});

describe("current versions only", () => {
  it("reflects a revision at once: old wording stops matching, new wording matches", async () => {
    const doc = await publishTestDoc({ title: "鸵鸟围栏巡查", body: "鸵鸟围栏内限速每小时五公里。Ostrich paddock speed limit five." });
    expect(await numbersFor("五公里")).toEqual([doc.number]);
    const started = performance.now();
    await reviseTestDoc(doc.number, { body: "鸵鸟围栏内限速每小时八公里。Ostrich paddock speed limit eight." });
    expect(await numbersFor("五公里")).toEqual([]);
    expect(await numbersFor("八公里")).toEqual([doc.number]);
    expect(performance.now() - started).toBeLessThan(scaled(1000));
    const [hit] = (await engine.search("八公里", { reader: staff })).hits;
    expect(hit.version).toBe(2);
  });

  it("leaves retired documents out unless asked for, and flags them", async () => {
    const doc = await publishTestDoc({ title: "旧版月球差旅办法", body: "月球差旅补贴按登月天数计算。" });
    expect(await numbersFor("登月天数")).toEqual([doc.number]);
    await reviseTestDoc(doc.number, { retire: true });
    expect(await numbersFor("登月天数")).toEqual([]);
    const { hits } = await engine.search("登月天数", { reader: staff, filters: { includeRetired: true } });
    expect(hits.map((h) => [h.number, h.retired])).toEqual([[doc.number, true]]);
  });

  it("applies a change of confidentiality at once", async () => {
    const doc = await publishTestDoc({ title: "火烈鸟饲养方案", body: "投喂量参照火烈鸟体重档位。" });
    expect(await numbersFor("体重档位", itstaff)).toEqual([doc.number]);
    await reviseTestDoc(doc.number, { confidentiality: "restricted" });
    expect(await numbersFor("体重档位", itstaff)).toEqual([]);
  });
});

describe("facets and paging", () => {
  it("pages through results, best first, and counts every match per facet", async () => {
    const made: string[] = [];
    for (let i = 0; i < 23; i++) {
      const category = i % 3 === 0 ? "ACC" : "INI";
      made.push((await publishTestDoc({ category, type: i % 2 ? "form" : "record", title: `鹦鹉螺记录 ${i}`, body: `鹦鹉螺观测第 ${i} 号。` })).number);
    }
    // One more that mentions the word only in its body ranks below the title matches.
    made.push((await publishTestDoc({ title: "月度总结", body: "本月完成鹦鹉螺观测。" })).number);
    const first = await engine.search("鹦鹉螺", { reader: staff, pageSize: 10 });
    expect(first.total).toBe(24);
    expect(first.hits).toHaveLength(10);
    expect(first.facets.category).toEqual({ ACC: 8, INI: 15, EXE: 1 });
    const third = await engine.search("鹦鹉螺", { reader: staff, pageSize: 10, page: 3 });
    expect(third.hits).toHaveLength(4);
    expect(third.hits[third.hits.length - 1].title).toBe("月度总结");
    const all = [...first.hits, ...(await engine.search("鹦鹉螺", { reader: staff, pageSize: 10, page: 2 })).hits, ...third.hits];
    expect(new Set(all.map((h) => h.number)).size).toBe(24);
    const scores = all.map((h) => h.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    const acc = await engine.search("鹦鹉螺", { reader: staff, filters: { category: "ACC", type: "record" }, pageSize: 50 });
    expect(acc.hits.every((h) => h.category === "ACC" && h.type === "record")).toBe(true);
    expect(acc.total).toBe(acc.hits.length);
    expect(acc.facets.category).toEqual(first.facets.category);
  });
});

describe("the saved index", () => {
  it("is saved with the head it reflects and loaded as is at the next start", async () => {
    await engine.flush();
    const { indexedHead } = await import("~/documents/version-index.server");
    const file = path.join(world.dataDir, "search", "embedded.json");
    const saved = JSON.parse(fs.readFileSync(file, "utf8"));
    expect(saved.head).toBe(indexedHead());
    const restarted = await startSearchInProcess();
    expect(restarted.report.mode).toBe("loaded");
    expect((await restarted.engine.search("裂纹扩散", { reader: admin })).hits.map((h) => h.number)).toEqual([numbers.manual]);
    engine = restarted.engine;
  });

  it("catches up on versions published while search was not listening", async () => {
    const { resetEngineForTests } = await import("~/search/choice.server");
    const { on } = await import("~/documents/events.server");
    on("document.published", "search", () => {}); // search is "stopped"
    resetEngineForTests();
    await reviseTestDoc(numbers.english, { body: "Quokka enclosures now need a heatwave declaration." });
    const restarted = await startSearchInProcess();
    expect(restarted.report).toMatchObject({ mode: "caught-up", changed: 1, removed: 0 });
    expect(await restarted.engine.search("heatwave", { reader: staff })).toMatchObject({ total: 1 });
    expect((await restarted.engine.search("microclimate", { reader: staff })).total).toBe(0);
    engine = restarted.engine;
  });

  it("is repaired by the catch-up job when an update was missed", async () => {
    const { on } = await import("~/documents/events.server");
    const { runJobNow } = await import("~/utils/scheduler.server");
    const { subscribeToPublications } = await import("~/search/indexer.server");
    await import("~/search/boot.server"); // registers the catch-up job
    on("document.published", "search", () => {}); // the update is lost
    await reviseTestDoc(numbers.english, { body: "Quokka enclosures need shade sails." });
    // As a phrase: the words alone may occur elsewhere (a document matching one of two words is listed too).
    expect((await engine.search('"shade sails"', { reader: staff })).total).toBe(0);
    await engine.setHead(null); // what a failed update records
    expect(await runJobNow("search.catch-up")).toBe(true);
    expect((await engine.search('"shade sails"', { reader: staff })).total).toBe(1);
    expect((await engine.search("heatwave", { reader: staff })).total).toBe(0);
    subscribeToPublications(() => engine);
  });

  it("is rebuilt from the repository when the file is corrupt", async () => {
    await engine.flush();
    const file = path.join(world.dataDir, "search", "embedded.json");
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").slice(0, 5000));
    const restarted = await startSearchInProcess();
    expect(restarted.report.mode).toBe("rebuilt");
    expect((await restarted.engine.search("裂纹扩散", { reader: admin })).hits.map((h) => h.number)).toEqual([numbers.manual]);
    await restarted.engine.flush();
    expect(() => JSON.parse(fs.readFileSync(file, "utf8"))).not.toThrow();
    engine = restarted.engine;
  });
});
