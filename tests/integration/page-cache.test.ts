/**
 * The page cache (decision 105): a reader page rendered once is served again
 * for the same data, filled with the reader's own values. Two readers with the
 * same view of a document share one rendering and each gets their own name,
 * CSRF token and nonce, exactly as a fresh render would give them; a publish
 * gives the page new data, so the next visit shows the new version.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, signIn } from "../helpers/client";
import type { RunningServer } from "../helpers/server";
import { createWorld, type World } from "../helpers/world";
import { createReaders, nonceOf, parts } from "../helpers/rendered";

let world: World;
let server: RunningServer;

// Names that need escaping everywhere they stand: in the header's HTML and in the hydration script.
const READERS = [
  { username: "pcone", name: `O'Brien <b>&amp;</b> "一" \u2028 </script>`, email: "pcone@regula.example" },
  { username: "pctwo", name: `Zhou & Sons <i>'二'</i> \\ "q"`, email: "pctwo@regula.example" },
];
const PASSWORD = "page-cache-password";
const FRESH = { "x-regula-page-cache": "off" };

beforeAll(async () => {
  world = await createWorld();
  server = await world.server();
  await createReaders(server, READERS, PASSWORD);
});
afterAll(async () => {
  await world?.cleanup();
});

async function reader(i: number): Promise<Client> {
  return signIn(server.url, READERS[i].username, { password: PASSWORD });
}

describe("the page cache", () => {
  it("serves two readers one rendering, each with their own name, token and nonce, as a fresh render would", async () => {
    const path = "/docs/ACC-001";
    const [one, two] = [await reader(0), await reader(1)];
    const fresh = [await one.get(path, FRESH), await two.get(path, FRESH)];
    for (const f of fresh) {
      expect(f.status).toBe(200);
      expect(f.headers.get("x-regula-page-cache")).toBeNull();
    }
    // The first reader's visit renders the page for the cache; the second visit and the other reader's are served from it.
    const first = await one.get(path);
    const again = await one.get(path);
    const other = await two.get(path);
    expect(again.headers.get("x-regula-page-cache")).toBe("hit");
    expect(other.headers.get("x-regula-page-cache")).toBe("hit");

    const cases = [
      { page: first, fresh: fresh[0], me: READERS[0], them: READERS[1], client: one },
      { page: again, fresh: fresh[0], me: READERS[0], them: READERS[1], client: one },
      { page: other, fresh: fresh[1], me: READERS[1], them: READERS[0], client: two },
    ];
    const nonces = new Set<string>();
    for (const c of cases) {
      expect(c.page.status).toBe(200);
      expect(c.page.headers.get("cache-control")).toContain("no-store");
      expect(c.page.headers.get("set-cookie")).toBeNull();
      // Everything a reader sees and everything the browser hydrates from is what a fresh render gives.
      const got = await parts(c.page.text_);
      const want = await parts(c.fresh.text_);
      expect(got.markup).toBe(want.markup);
      expect(got.data).toEqual(want.data);
      // Their own name, escaped as text; never the other reader's; their own CSRF token in every form.
      const escaped = c.me.name.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#x27;");
      expect(c.page.text_).toMatch(new RegExp(`class="user-name"[^>]*>${escaped.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}</a>`));
      expect(c.page.text_).not.toContain(c.them.username);
      expect(c.page.text_).not.toContain(c.them.email);
      const tokens = new Set([...c.page.text_.matchAll(/name="_csrf" value="([^"]+)"/g)].map((m) => m[1]));
      expect([...tokens]).toEqual([c.client.csrf]);
      expect(c.page.text_).not.toContain(c.me.name);
      // A nonce of its own, the same in the header and on every script.
      const nonce = nonceOf(c.page)!;
      expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      const scriptNonces = new Set([...c.page.text_.matchAll(/<script[^>]* nonce="([^"]+)"/g)].map((m) => m[1]));
      expect([...scriptNonces]).toEqual([nonce]);
      nonces.add(nonce);
    }
    expect(nonces.size).toBe(3);
    expect(one.csrf).not.toBe(two.csrf);
  });

  it("shows a new version as soon as it is published", async () => {
    const path = "/docs/ACC-001";
    const one = await reader(0);
    await one.get(path);
    const before = await one.get(path);
    expect(before.headers.get("x-regula-page-cache")).toBe("hit");
    const marker = `Published while cached ${Date.now()}`;
    const res = await fetch(`${server.url}/api/test-hooks/publish`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ actor: "editor", change: "minor", summary: "Cache check", document: { number: "ACC-001", body: `# ${marker}\n\nNew text.\n` } }),
    });
    expect(res.status).toBe(200);
    const { version } = (await res.json()) as { version: number };
    const after = await one.get(path);
    expect(after.status).toBe(200);
    expect(after.headers.get("x-regula-page-cache")).toBeNull();
    expect(after.text_).toContain(marker);
    expect(after.text_).toContain(`data-article="ACC-001@${version}"`);
    expect(before.text_).not.toContain(marker);
    const fresh = await one.get(path, FRESH);
    expect((await parts(after.text_)).markup).toBe((await parts(fresh.text_)).markup);
    // And the new rendering is kept in turn.
    expect((await one.get(path)).headers.get("x-regula-page-cache")).toBe("hit");
  });

  it("serves a repeated search from one rendering, and shows a matching publication at once", async () => {
    const word = `cachedsearch${Date.now()}`;
    const path = `/search?q=${word}`;
    const [one, two] = [await reader(0), await reader(1)];
    const none = await one.get(path);
    expect(none.status).toBe(200);
    expect(none.text_).not.toContain('href="/docs/ACC-001"');
    expect((await one.get(path)).headers.get("x-regula-page-cache")).toBe("hit");
    const res = await fetch(`${server.url}/api/test-hooks/publish`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ actor: "editor", change: "minor", summary: "Search cache check", document: { number: "ACC-001", body: `# Expenses\n\nThe word ${word} is here.\n` } }),
    });
    expect(res.status).toBe(200);
    // The publication reaches the index (and so the kept result's key) as it is published.
    const found = await one.get(path);
    expect(found.headers.get("x-regula-page-cache")).toBeNull();
    expect(found.text_).toContain('href="/docs/ACC-001"');
    // Asked again, by the same reader or another of the same read class: one rendering, each with their own name.
    const again = await one.get(path);
    const other = await two.get(path);
    expect(again.headers.get("x-regula-page-cache")).toBe("hit");
    expect(other.headers.get("x-regula-page-cache")).toBe("hit");
    const fresh = await two.get(path, FRESH);
    expect((await parts(other.text_)).markup).toBe((await parts(fresh.text_)).markup);
    expect((await parts(other.text_)).data).toEqual((await parts(fresh.text_)).data);
    expect(other.text_).not.toContain(READERS[0].username);
    expect(again.text_).not.toContain(READERS[1].username);
  });

  it("keeps nothing for a reader who is not signed in: the sign-in redirect is answered as before", async () => {
    const anon = new Client(server.url);
    const res = await anon.get("/docs/ACC-001");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toContain("/login?redirectTo=");
  });
});
