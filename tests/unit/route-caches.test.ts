/**
 * The route caches scripts/patch-router.mjs adds to the server-side router
 * builds (decisions 065 and 076): in place, and answers unchanged.
 */
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { MARKER, targets } from "../../scripts/patch-router.mjs";

const ROOT = path.resolve(import.meta.dirname, "../..");
const require = createRequire(import.meta.url);

describe("route caches", () => {
  it("are in every server-side router build (postinstall)", () => {
    for (const t of targets) expect(fs.readFileSync(path.join(ROOT, t.file), "utf8"), t.name).toContain(MARKER);
  });

  it("give the same matches on a second call, and a caller's changes do not reach the next one", () => {
    const { matchRoutes } = require(path.join(ROOT, "node_modules/@remix-run/router/dist/router.cjs.js"));
    const routes = [
      { id: "root", path: "/", children: [{ id: "doc", path: "docs/:number", children: [{ id: "index", index: true }] }, { id: "home", index: true }] },
    ];
    const first = matchRoutes(routes, "/docs/ACC-001");
    expect(first.map((m: { route: { id: string } }) => m.route.id)).toEqual(["root", "doc", "index"]);
    expect(first[1].params).toEqual({ number: "ACC-001" });
    first[1].params.number = "changed";
    first.pop();
    const second = matchRoutes(routes, "/docs/ACC-001");
    expect(second.map((m: { route: { id: string } }) => m.route.id)).toEqual(["root", "doc", "index"]);
    expect(second[1].params).toEqual({ number: "ACC-001" });
    expect(matchRoutes(routes, "/docs/ACC-002")[1].params).toEqual({ number: "ACC-002" });
    expect(matchRoutes(routes, "/nowhere/at/all")).toBeNull();
    expect(matchRoutes(routes, "/nowhere/at/all")).toBeNull();
  });
});
