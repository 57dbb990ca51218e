/**
 * Search through real HTTP against the built portal: the results page (a GET
 * form that works without JavaScript), number shortcuts, filters and paging,
 * restricted documents, the JSON API and suggestions, health, and the index
 * kept level with the repository across restarts (including a Meilisearch
 * host that does not answer).
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signIn } from "../helpers/client";
import { freePort, healthDetails, searchReady, type RunningServer } from "../helpers/server";
import { createWorld, useWorldInProcess, type World } from "../helpers/world";
import { publishTestDoc, reviseTestDoc } from "./search-fixtures";

let world: World;
let server: RunningServer;
const docs: Record<string, string> = {};

beforeAll(async () => {
  world = await createWorld();
  await useWorldInProcess(world);
  // Documents are published before the portal starts; it catches its index up at start.
  docs.manual = (
    await publishTestDoc({
      title: "珊瑚礁潛水安全手冊",
      body: "## 下潛前\n\n潛水員須檢查氣瓶壓力與減壓停留計劃。\n\nDivers log every decompression stop in the dive ledger.",
    })
  ).number;
  docs.restricted = (
    await publishTestDoc({
      category: "MON",
      type: "report",
      title: "灯塔项目调查报告",
      body: "调查发现灯塔项目存在虚报工时，涉及代号蓝鲸。Codename bluewhale.",
      confidentiality: "restricted",
      ownerDepartment: "fin",
    })
  ).number;
  docs.markup = (
    await publishTestDoc({
      category: "INI",
      type: "form",
      title: "<b>海藻</b> & 標籤申請單",
      body: "海藻樣本按 a < b & c 排序。",
    })
  ).number;
  for (let i = 0; i < 5; i++) {
    await publishTestDoc({ category: i < 2 ? "ACC" : "INI", type: "record", title: `珊瑚礁观测记录 ${i + 1}`, body: `第 ${i + 1} 次珊瑚礁观测。` });
  }
  server = await world.server();
});
afterAll(async () => world?.cleanup());

function signedIn(username = "staff") {
  return signIn(server.url, username, { lang: null });
}

function hitNumbers(html: string): string[] {
  return [...html.matchAll(/<li class="search-hit[^"]*">[\s\S]*?class="doc-number"[^>]*href="\/docs\/([A-Z]+-\d+)"/g)].map((m) => m[1]);
}

describe("the results page", () => {
  it("answers a GET form search with highlighted results and their details", async () => {
    const c = await signedIn("staff");
    const res = await c.get(`/search?q=${encodeURIComponent("减压停留")}`);
    expect(res.status).toBe(200);
    expect(hitNumbers(res.text_)).toEqual([docs.manual]);
    expect(res.text_).toContain("與<mark>減壓停留</mark>計劃");
    expect(res.text_).toContain("业务执行文档"); // category name
    expect(res.text_).toContain("归口部门：运营部");
    expect(res.text_).toContain("<span>v1</span>");
    expect(res.text_).toMatch(/“减压停留”的搜索结果：1 条/);
  });

  it("shows tips when there is nothing to search for, and a clear message when nothing matches", async () => {
    const c = await signedIn("staff");
    expect((await c.get("/search")).text_).toContain("搜索提示");
    const none = await c.get(`/search?q=${encodeURIComponent("不存在的词语组合")}`);
    expect(none.status).toBe(200);
    expect(none.text_).toContain("没有与“不存在的词语组合”匹配的现行文档");
  });

  it("goes straight to a document when the query is its number", async () => {
    const c = await signedIn("staff");
    const seq = Number(docs.manual.split("-")[1]);
    for (const q of [docs.manual, `exe ${seq}`, `EXE${seq}`, docs.manual.toLowerCase()]) {
      const res = await c.get(`/search?q=${encodeURIComponent(q)}`);
      expect(res.status, q).toBe(302);
      expect(res.headers.get("location")).toBe(`/docs/${docs.manual}`);
    }
    expect((await c.get("/search?q=exe+987654")).status).toBe(200);
  });

  it("filters by category and type, counts per facet, and pages", async () => {
    const c = await signedIn("staff");
    const all = await c.get(`/search?q=${encodeURIComponent("珊瑚礁")}`);
    expect(hitNumbers(all.text_)).toHaveLength(6);
    expect(all.text_).toMatch(/<option value="ACC">ACC 业务验收文档 \(2\)<\/option>/);
    const acc = await c.get(`/search?q=${encodeURIComponent("珊瑚礁")}&category=ACC&type=record`);
    expect(hitNumbers(acc.text_)).toHaveLength(2);
    expect(acc.text_).toContain('<option value="ACC" selected="">');
    const paged = await c.get(`/search?q=${encodeURIComponent("珊瑚礁")}&pageSize=4`);
    expect(hitNumbers(paged.text_)).toHaveLength(4);
    expect(paged.text_).toContain("第 1 页，共 2 页");
    const next = paged.text_.match(/<a [^>]*rel="next"[^>]*>/)?.[0].match(/href="([^"]+)"/)?.[1];
    expect(next).toMatch(/^\/search\?.*page=2/);
    const second = await c.get(next!.replace(/&amp;/g, "&"));
    expect(hitNumbers(second.text_)).toHaveLength(2);
    expect(new Set([...hitNumbers(paged.text_), ...hitNumbers(second.text_)]).size).toBe(6);
  });

  it("answers a bad filter with 400, not a server error", async () => {
    const c = await signedIn("staff");
    expect((await c.get("/search?q=x&confidentiality=secret")).status).toBe(400);
    expect((await c.get("/search?q=x&page=0")).status).toBe(400);
  });

  it("escapes titles and text: nothing in a document becomes markup", async () => {
    const c = await signedIn("staff");
    const res = await c.get(`/search?q=${encodeURIComponent("海藻")}`);
    expect(hitNumbers(res.text_)).toEqual([docs.markup]);
    expect(res.text_).toContain("&lt;b&gt;<mark>海藻</mark>&lt;/b&gt; &amp; 標籤申請單");
    expect(res.text_).toContain("a &lt; b &amp; c");
    expect(res.text_).not.toContain("<b>海藻</b>");
  });
});

describe("restricted documents", () => {
  it("shows a reader without access the number and title with a way to ask, never a snippet", async () => {
    const c = await signedIn("staff");
    const res = await c.get(`/search?q=${encodeURIComponent("灯塔项目")}`);
    expect(hitNumbers(res.text_)).toEqual([docs.restricted]);
    expect(res.text_).toContain(`/access/request?number=${docs.restricted}`);
    expect(res.text_).not.toContain("虚报工时");
    expect(res.text_).toContain("search-hit is-restricted");
  });

  it("never lets body words of a restricted document be found by those without access", async () => {
    const staff = await signedIn("staff");
    for (const q of ["虚报工时", "蓝鲸", "bluewhale"]) {
      expect(hitNumbers((await staff.get(`/search?q=${encodeURIComponent(q)}`)).text_), q).toEqual([]);
      const api = await staff.json<{ total: number }>(`/api/v1/search?q=${encodeURIComponent(q)}`);
      expect(api.body.total, q).toBe(0);
    }
    const finhead = await signedIn("finhead");
    const res = await finhead.get(`/search?q=${encodeURIComponent("虚报工时")}`);
    expect(hitNumbers(res.text_)).toEqual([docs.restricted]);
    expect(res.text_).toContain("<mark>虚报工时</mark>");
  });
});

describe("the JSON API and suggestions", () => {
  it("returns the same result shape with facets and paging", async () => {
    const c = await signedIn("staff");
    const res = await c.json<{
      total: number;
      page: number;
      pageSize: number;
      hits: Record<string, unknown>[];
      facets: Record<string, Record<string, number>>;
      numberMatch: unknown;
    }>(`/api/v1/search?q=${encodeURIComponent("珊瑚礁")}&pageSize=2&page=2`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ total: 6, page: 2, pageSize: 2, numberMatch: null });
    expect(res.body.hits).toHaveLength(2);
    expect(Object.keys(res.body.hits[0]).sort()).toEqual(
      [
        // null unless the snippet comes from an attachment (which one, where, its address)
        "attachment",
        "category",
        "confidentiality",
        "effectiveDate",
        "missing",
        "number",
        "ownerDepartment",
        "readable",
        "retired",
        "score",
        "snippetHtml",
        "title",
        "titleHtml",
        "type",
        "url",
        "version",
      ].sort(),
    );
    expect(res.body.hits[0].attachment).toBeNull();
    expect(res.body.facets.category).toEqual({ EXE: 1, ACC: 2, INI: 3 });
  });

  it("reports a number query and restricted hits without snippets", async () => {
    const c = await signedIn("itstaff");
    const byNumber = await c.json<{ numberMatch: { number: string; url: string } }>(`/api/v1/search?q=${docs.restricted}`);
    expect(byNumber.body.numberMatch).toMatchObject({ number: docs.restricted, url: `/docs/${docs.restricted}` });
    const res = await c.json<{ hits: { number: string; readable: boolean; snippetHtml: string | null }[] }>(
      `/api/v1/search?q=${encodeURIComponent("调查报告")}`,
    );
    expect(res.body.hits.find((h) => h.number === docs.restricted)).toMatchObject({ readable: false, snippetHtml: null });
  });

  it("refuses a missing query with 400 and an anonymous caller with 401", async () => {
    const c = await signedIn("staff");
    const missing = await c.json<{ error: { code: string; fieldErrors: Record<string, string> } }>("/api/v1/search");
    expect(missing.status).toBe(400);
    expect(missing.body.error.fieldErrors.q).toBe("required");
    const anonymous = await fetch(`${server.url}/api/v1/search?q=x`);
    expect(anonymous.status).toBe(401);
    expect((await fetch(`${server.url}/api/search/suggest?q=x`)).status).toBe(401);
  });

  it("suggests documents as you type, a number match first", async () => {
    const c = await signedIn("staff");
    const typed = await c.json<{ suggestions: { number: string; titleHtml: string; readable: boolean; url: string }[] }>(
      `/api/search/suggest?q=${encodeURIComponent("divers decomp")}`,
    );
    expect(typed.body.suggestions.map((s) => s.number)).toEqual([docs.manual]);
    expect(typed.body.suggestions[0].url).toBe(`/docs/${docs.manual}`);
    const seq = Number(docs.restricted.split("-")[1]);
    const byNumber = await c.json<{ suggestions: { number: string; readable: boolean }[] }>(`/api/search/suggest?q=mon%20${seq}`);
    expect(byNumber.body.suggestions[0]).toMatchObject({ number: docs.restricted, readable: false });
    const empty = await c.json<{ suggestions: unknown[] }>("/api/search/suggest?q=");
    expect(empty.body.suggestions).toEqual([]);
  });
});

describe("the index across restarts", () => {
  it("reports the engine and its documents in /healthz", async () => {
    const { body } = await healthDetails<{ checks: { search: { ok: boolean; engine: string; documents: number } } }>(server);
    expect(body.checks.search).toMatchObject({ ok: true, engine: "embedded" });
    expect(body.checks.search.documents).toBeGreaterThanOrEqual(8);
  });

  it("catches up at start with versions published while it was stopped", async () => {
    await server.stop();
    expect(server.output()).toMatch(/\[search\] embedded index (caught up|rebuilt)/);
    await reviseTestDoc(docs.manual, { body: "潛水員須檢查呼吸調節器。Divers check the regulator." });
    server = await world.server();
    expect(server.output()).toMatch(/\[search\] embedded index caught up \(1 updated, 0 removed\)/);
    const c = await signedIn("staff");
    expect(hitNumbers((await c.get(`/search?q=${encodeURIComponent("减压停留")}`)).text_)).toEqual([]);
    expect(hitNumbers((await c.get(`/search?q=${encodeURIComponent("呼吸调节器")}`)).text_)).toEqual([docs.manual]);
  });

  it("rebuilds a missing index and loads a current one as is", async () => {
    await server.stop();
    fs.rmSync(path.join(world.dataDir, "search", "embedded.json"));
    server = await world.server();
    await searchReady(server);
    expect(server.output()).toMatch(/\[search\] embedded index rebuilt \(\d+ documents\)/);
    await server.stop();
    server = await world.server();
    await searchReady(server);
    expect(server.output()).toMatch(/\[search\] embedded index loaded \(\d+ documents\)/);
    const c = await signedIn("staff");
    expect(hitNumbers((await c.get(`/search?q=${encodeURIComponent("呼吸调节器")}`)).text_)).toEqual([docs.manual]);
  }, 300_000); // two starts and a rebuild: bounded by the work, on a busy machine

  it("falls back to the embedded engine with a clear message when Meilisearch does not answer", async () => {
    await server.stop();
    const port = await freePort();
    server = await world.server({ MEILI_HOST: `http://127.0.0.1:${port}` });
    expect(server.output()).toContain(`[search] Meilisearch at http://127.0.0.1:${port} is not reachable`);
    expect(server.output()).toContain("using the embedded engine instead");
    const health = (await healthDetails<{ checks: { search: { engine: string; fallback: string } } }>(server)).body;
    expect(health.checks.search.engine).toBe("embedded");
    expect(health.checks.search.fallback).toMatch(/Meilisearch is not reachable/);
    expect(JSON.stringify(health)).not.toContain(`127.0.0.1:${port}`);
    const c = await signedIn("staff");
    expect(hitNumbers((await c.get(`/search?q=${encodeURIComponent("呼吸调节器")}`)).text_)).toEqual([docs.manual]);
  });
});
