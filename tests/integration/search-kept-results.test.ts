/**
 * Search results kept for repeated searches (decision 125): the same search
 * by readers who may read the same documents is answered once; a reader who
 * may read more or less (a department, a grant given or revoked) never gets
 * another's result; a publication is found at once.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createWorld, useWorldInProcess, type World } from "../helpers/world";
import { demoUser, publishTestDoc, startSearchInProcess } from "./search-fixtures";
import type { SearchEngine } from "~/search/engine.server";

let world: World;
let engine: SearchEngine;
let restricted: string;

beforeAll(async () => {
  delete process.env.MEILI_HOST;
  world = await createWorld();
  await useWorldInProcess(world);
  ({ engine } = await startSearchInProcess());
  restricted = (
    await publishTestDoc({
      category: "MON",
      type: "report",
      title: "季度审计备忘",
      body: "本备忘记录翡翠湾项目的调查细节。",
      confidentiality: "restricted",
      ownerDepartment: "fin",
    })
  ).number;
});
afterAll(async () => world?.cleanup());

async function search(username: string, q: string) {
  const { searchDocuments, parseSearchParams } = await import("~/search/search.server");
  const reader = await demoUser(username);
  return searchDocuments(reader, parseSearchParams(new URL(`http://x/search?q=${encodeURIComponent(q)}`)));
}

describe("kept search results", () => {
  it("answers a repeated search without searching again, and never across readers who may read different documents", async () => {
    const calls = vi.spyOn(engine, "search");
    const first = await search("staff", "翡翠湾");
    expect(first.result.total).toBe(0); // the body is restricted: staff may not learn that it holds the word
    const again = await search("staff", "翡翠湾");
    expect(again.result).toEqual(first.result);
    expect(calls).toHaveBeenCalledTimes(1);
    // The fin department's approver may read it: a search of its own, with the hit and its snippet.
    const head = await search("finhead", "翡翠湾");
    expect(head.result.hits.map((h) => h.number)).toEqual([restricted]);
    expect(head.result.hits[0].snippetHtml).toContain("<mark>翡翠湾</mark>");
    expect(calls).toHaveBeenCalledTimes(2);
    // And the staff reader still gets nothing.
    expect((await search("staff", "翡翠湾")).result.total).toBe(0);
    calls.mockRestore();
  });

  it("opens the body to a reader at once when a grant is given, and closes it when the grant is revoked", async () => {
    const { updateDb } = await import("~/data/db.server");
    const { insertGrant } = await import("~/access/grants.server");
    const staff = await demoUser("staff");
    const grant = await updateDb((data) =>
      insertGrant(data, { userId: staff.id, number: restricted, sections: "all", history: false, kind: "request", expiresAt: new Date(Date.now() + 86_400_000).toISOString() }),
    );
    expect((await search("staff", "翡翠湾")).result.hits.map((h) => h.number)).toEqual([restricted]);
    await updateDb((data) => {
      const g = (data as unknown as { grants: { id: string; revokedAt?: string }[] }).grants.find((x) => x.id === grant.id)!;
      g.revokedAt = new Date().toISOString();
    });
    expect((await search("staff", "翡翠湾")).result.total).toBe(0);
  });

  it("finds a new publication at once, and keeps the snippet links resolved for each reader", async () => {
    expect((await search("staff", "琥珀港")).result.total).toBe(0);
    const published = await publishTestDoc({ title: "码头巡检规程", body: `琥珀港码头每日巡检，记录见 ${restricted}。` });
    const after = await search("staff", "琥珀港");
    expect(after.result.hits.map((h) => h.number)).toEqual([published.number]);
    // The kept result is not changed by the links added for one reader.
    const again = await search("staff", "琥珀港");
    expect(again.result.hits[0].snippetHtml).toBe(after.result.hits[0].snippetHtml);
    expect(again.result.hits[0].snippetHtml!.match(/<a /g)?.length ?? 0).toBeLessThanOrEqual(1);
  });
});
