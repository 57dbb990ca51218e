/**
 * A category's list in pages of 50 documents (decision 128): the first page
 * says which documents of how many it shows, plain links (no JavaScript) lead
 * to the next and previous pages and keep the choice of retired documents, a
 * page number that does not exist shows the nearest page, and every document
 * is on exactly one page.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signIn, type Client } from "../helpers/client";
import type { RunningServer } from "../helpers/server";
import { createWorld, type World } from "../helpers/world";

let world: World;
let server: RunningServer;
let reader: Client;

const numbersOn = (html: string) => [...html.matchAll(/<a class="doc-number"[^>]* href="\/docs\/([A-Z]+-\d+)"/g)].map((m) => m[1]);
/** The pager link's address as path and query ("/categories/MON?page=2"; an empty query dropped). */
const hrefOf = (html: string, rel: "next" | "prev") => {
  const tag = [...html.matchAll(/<a [^>]*>/g)].map((m) => m[0]).find((a) => a.includes(`rel="${rel}"`));
  const href = tag ? /href="([^"]*)"/.exec(tag)?.[1]?.replace(/&amp;/g, "&") : undefined;
  if (href === undefined) return undefined;
  const url = new URL(href, "http://x/categories/MON");
  return url.pathname + url.search;
};

beforeAll(async () => {
  world = await createWorld();
  server = await world.server();
  // Enough documents in one category for two pages, published through the real publisher.
  for (let i = 0; i < 56; i++) {
    const res = await fetch(`${server.url}/api/test-hooks/publish`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ actor: "editor", change: "new", document: { category: "MON", title: `Paging check ${i}`, body: `# Paging ${i}\n\nText.\n` } }),
    });
    expect(res.status).toBe(200);
  }
  reader = await signIn(server.url, "staff");
});
afterAll(async () => {
  await world?.cleanup();
});

describe("a category's list", () => {
  it("shows 50 documents a page, with plain links to the others", async () => {
    const first = await reader.get("/categories/MON");
    expect(first.status).toBe(200);
    const total = Number(/Documents 1–50 of (\d+)/.exec(first.text_)?.[1]);
    expect(total).toBeGreaterThan(56);
    expect(total).toBeLessThanOrEqual(100);
    expect(numbersOn(first.text_)).toHaveLength(50);
    expect(first.text_).toContain("Page 1 of 2");
    expect(hrefOf(first.text_, "prev")).toBeUndefined();
    const next = hrefOf(first.text_, "next");
    expect(next).toBe("/categories/MON?page=2");

    const second = await reader.get(next!);
    expect(second.text_).toContain(`Documents 51–${total} of ${total}`);
    expect(second.text_).toContain("Page 2 of 2");
    expect(numbersOn(second.text_)).toHaveLength(total - 50);
    expect(hrefOf(second.text_, "next")).toBeUndefined();
    expect(hrefOf(second.text_, "prev")).toBe("/categories/MON");
    // Every document on exactly one page.
    const all = [...numbersOn(first.text_), ...numbersOn(second.text_)];
    expect(new Set(all).size).toBe(total);

    // A page that does not exist shows the nearest one; nonsense shows the first.
    expect(numbersOn((await reader.get("/categories/MON?page=9")).text_)).toEqual(numbersOn(second.text_));
    expect(numbersOn((await reader.get("/categories/MON?page=abc")).text_)).toEqual(numbersOn(first.text_));
    expect(numbersOn((await reader.get("/categories/MON?page=-3")).text_)).toEqual(numbersOn(first.text_));
  });

  it("keeps the choice of retired documents across pages, in Chinese too", async () => {
    const zh = await signIn(server.url, "staff", { lang: "zh-CN" });
    const withRetired = await zh.get("/categories/MON?retired=1");
    expect(withRetired.status).toBe(200);
    expect(withRetired.text_).toMatch(/第 1–50 份，共 \d+ 份/);
    expect(withRetired.text_).toContain("第 1 页，共 2 页");
    expect(hrefOf(withRetired.text_, "next")).toBe("/categories/MON?retired=1&page=2");
    const second = await zh.get("/categories/MON?retired=1&page=2");
    expect(hrefOf(second.text_, "prev")).toBe("/categories/MON?retired=1");
  });

  it("shows no pager when one page holds the whole list", async () => {
    const small = await reader.get("/categories/ACC");
    expect(small.status).toBe(200);
    expect(small.text_).not.toContain('class="pager"');
    expect(small.text_).not.toMatch(/Documents \d+–\d+ of/);
  });
});
