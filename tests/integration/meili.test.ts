/**
 * The Meilisearch engine against a real server. These tests run only when
 * MEILI_HOST (and MEILI_API_KEY if the server needs one) point at a running
 * Meilisearch; otherwise they are skipped and say why. No fake server stands
 * in for it. Each run uses its own index and deletes it afterwards.
 *
 *   MEILI_HOST=http://127.0.0.1:7700 MEILI_API_KEY=… npx vitest run tests/integration/meili.test.ts
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import path from "node:path";
import { createWorld, useWorldInProcess, type World } from "../helpers/world";
import { demoUser, publishTestDoc, reviseTestDoc } from "./search-fixtures";
import { loadRelevanceSet, relevanceReport, runRelevance } from "./search-relevance-runner";
import type { SearchReader } from "~/search/engine.server";
import type { MeiliEngine } from "~/search/meili.server";

const HOST = process.env.MEILI_HOST;
const SKIP_REASON =
  "MEILI_HOST is not set, so there is no Meilisearch server to test against. Start one and run: " +
  "MEILI_HOST=http://127.0.0.1:7700 MEILI_API_KEY=<key> npx vitest run tests/integration/meili.test.ts";

if (!HOST) {
  console.log(`[meili.test] skipped: ${SKIP_REASON}`);
  describe("Meilisearch engine", () => {
    it.skip(`skipped: ${SKIP_REASON}`, () => {});
  });
} else {
  let world: World;
  let engine: MeiliEngine;
  let admin: SearchReader;
  let staff: SearchReader;
  let itstaff: SearchReader;
  const numbers: Record<string, string> = {};

  beforeAll(async () => {
    world = await createWorld();
    await useWorldInProcess(world);
    numbers.manual = (await publishTestDoc({ title: "鯨魚標本修復規程", body: "發現鯨魚標本裂紋擴散時，應立即通知標本室。所有待鑑定的隕石碎片須登記。The taxidermy ledger is signed." })).number;
    numbers.restricted = (
      await publishTestDoc({ category: "MON", type: "report", title: "蜂鸟计划审计备忘", body: "本备忘涉及紫藤计划的调查细节。Codename wisteria.", confidentiality: "restricted", ownerDepartment: "fin" })
    ).number;
    numbers.department = (await publishTestDoc({ title: "夜间值守交接单", body: "核对琥珀色告警灯。", confidentiality: "department", ownerDepartment: "ops" })).number;
    const { MeiliEngine } = await import("~/search/meili.server");
    const { syncIndex, subscribeToPublications } = await import("~/search/indexer.server");
    engine = new MeiliEngine({
      host: HOST,
      apiKey: process.env.MEILI_API_KEY,
      index: `regula_test_${process.pid}_${Date.now()}`,
      stateFile: path.join(world.dataDir, "search", "meilisearch-test.json"),
    });
    const health = await engine.health();
    if (!health.ok) throw new Error(`MEILI_HOST is set but Meilisearch does not answer: ${String(health.error)}`);
    subscribeToPublications(() => engine);
    await syncIndex(engine, { full: true });
    admin = await demoUser("admin");
    staff = await demoUser("staff");
    itstaff = await demoUser("itstaff");
  }, 300_000);
  afterAll(async () => {
    await engine?.drop().catch(() => undefined);
    await world?.cleanup();
  });

  const numbersFor = async (q: string, reader: SearchReader = admin) => (await engine.search(q, { reader, pageSize: 50 })).hits.map((h) => h.number);

  describe(`Meilisearch engine at ${HOST}`, () => {
    it("passes the relevance set with full recall and precision on fragment queries", async () => {
      const rows = await runRelevance(engine, loadRelevanceSet(), admin);
      console.log(relevanceReport("meilisearch", rows));
      for (const r of rows.filter((r) => r.kind === "fragment" || r.kind === "traditional")) {
        expect({ q: r.q, recall: r.recall, precision: r.precision }).toEqual({ q: r.q, recall: 1, precision: 1 });
      }
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      expect(mean(rows.map((r) => r.recall))).toBeGreaterThanOrEqual(0.95);
      expect(mean(rows.map((r) => r.precision))).toBeGreaterThanOrEqual(0.95);
    });

    it("matches Chinese fragments inside words in both scripts", async () => {
      for (const q of ["裂纹扩散", "裂紋擴散", "隕石", "石碎", "鉴定"]) expect(await numbersFor(q), q).toEqual([numbers.manual]);
      expect(await numbersFor("裂扩")).toEqual([]);
    });

    it("filters by permission inside the engine: title only for readers without access", async () => {
      expect(await numbersFor("紫藤计划", staff)).toEqual([]);
      expect(await numbersFor("wisteria", staff)).toEqual([]);
      const { hits } = await engine.search("蜂鸟计划", { reader: staff });
      expect(hits.map((h) => [h.number, h.readable, h.snippetHtml])).toEqual([[numbers.restricted, false, null]]);
      expect(await numbersFor("蜂鸟 紫藤", staff)).toEqual([]);
      expect(await numbersFor("琥珀色告警", itstaff)).toEqual([]);
      expect(await numbersFor("琥珀色告警", staff)).toEqual([numbers.department]);
    });

    it("reflects a publication within a second, old wording gone", async () => {
      const started = performance.now();
      await reviseTestDoc(numbers.manual, { body: "標本室改為每週登記一次隕鐵。" });
      expect(performance.now() - started).toBeLessThan(1000);
      expect(await numbersFor("裂纹扩散")).toEqual([]);
      expect(await numbersFor("陨铁")).toEqual([numbers.manual]);
    });

    it("counts facets and pages like the embedded engine", async () => {
      for (let i = 0; i < 5; i++) await publishTestDoc({ category: i < 2 ? "ACC" : "INI", type: "record", title: `鹦鹉螺记录 ${i}`, body: "鹦鹉螺观测。" });
      const first = await engine.search("鹦鹉螺", { reader: staff, pageSize: 2 });
      expect(first.total).toBe(5);
      expect(first.facets.category).toEqual({ ACC: 2, INI: 3 });
      const filtered = await engine.search("鹦鹉螺", { reader: staff, filters: { category: "ACC" } });
      expect(filtered.total).toBe(2);
      expect(filtered.facets.category).toEqual({ ACC: 2, INI: 3 });
    });

    it("rebuilds into a staging index and swaps it in", async () => {
      const { syncIndex } = await import("~/search/indexer.server");
      const report = await syncIndex(engine, { full: true });
      expect(report.mode).toBe("rebuilt");
      expect(await engine.health()).toMatchObject({ ok: true, engine: "meilisearch", documents: report.documents });
      expect(await numbersFor("陨铁")).toEqual([numbers.manual]);
    });
  });
}
