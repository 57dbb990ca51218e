/**
 * `npm run reindex` rebuilds the index from the repository with progress and
 * a summary, refuses to run beside a running portal or against an
 * unreachable Meilisearch; the search benchmark case runs on its own.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/paths";
import { freePort } from "../helpers/server";
import { createWorld, useWorldInProcess, type World } from "../helpers/world";
import { publishTestDoc } from "./search-fixtures";

let world: World;

beforeAll(async () => {
  world = await createWorld();
  await useWorldInProcess(world);
  await publishTestDoc({ title: "蝾螈饲养记录", body: "蝾螈缸水温保持在十八度。Axolotl tank temperature." });
  await publishTestDoc({ title: "蝾螈保密档案", body: "编号蝾螈七号的来源保密。", confidentiality: "restricted", ownerDepartment: "qa" });
});
afterAll(async () => world?.cleanup());

function run(script: string, args: string[] = [], env: Record<string, string> = {}) {
  const childEnv: Record<string, string | undefined> = { ...process.env, DATA_DIR: world.dataDir, CONTENT_DIR: path.join(ROOT, "content"), ...env };
  if (!env.MEILI_HOST) delete childEnv.MEILI_HOST;
  const result = spawnSync(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), path.join(ROOT, script), ...args], {
    cwd: ROOT,
    env: childEnv as NodeJS.ProcessEnv,
    encoding: "utf8",
    timeout: 120_000,
  });
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

describe("npm run reindex", () => {
  it("rebuilds the embedded index from the repository and reports what it did", async () => {
    fs.rmSync(path.join(world.dataDir, "search"), { recursive: true, force: true });
    const { status, out } = run("scripts/reindex.ts");
    expect(status, out).toBe(0);
    const { allLatest, indexedHead } = await import("~/documents/version-index.server");
    const total = allLatest().length;
    expect(out).toContain(`from ${total} documents`);
    expect(out).toMatch(/indexed \d+\/\d+ \(100%\)/);
    expect(out).toContain("Search index rebuilt (embedded)");
    expect(out).toMatch(new RegExp(`documents: ${total} \\(\\d+ current, \\d+ retired; [1-9]\\d* department or restricted\\)`));
    expect(out).toContain(`repository head: ${indexedHead()}`);
    const saved = JSON.parse(fs.readFileSync(path.join(world.dataDir, "search", "embedded.json"), "utf8"));
    expect(saved.head).toBe(indexedHead());
    expect(saved.docs.map((d: { title: string }) => d.title)).toContain("蝾螈饲养记录");
  });

  it("is used as is by the portal at its next start", async () => {
    const server = await world.server();
    try {
      expect(server.output()).toMatch(/\[search\] embedded index loaded/);
    } finally {
      await server.stop();
    }
  });

  it("refuses to run while the portal holds the data folder", async () => {
    const server = await world.server();
    try {
      const { status, out } = run("scripts/reindex.ts");
      expect(status).toBe(1);
      expect(out).toMatch(/is in use by .*Stop it first/);
    } finally {
      await server.stop();
    }
  });

  it("refuses to rebuild anything when the configured Meilisearch does not answer", async () => {
    const before = fs.statSync(path.join(world.dataDir, "search", "embedded.json")).mtimeMs;
    const port = await freePort();
    const { status, out } = run("scripts/reindex.ts", [], { MEILI_HOST: `http://127.0.0.1:${port}` });
    expect(status).toBe(1);
    expect(out).toContain(`Meilisearch at http://127.0.0.1:${port} is not reachable`);
    expect(out).toContain("nothing was rebuilt");
    expect(fs.statSync(path.join(world.dataDir, "search", "embedded.json")).mtimeMs).toBe(before);
  });
});

describe("the search benchmark case", () => {
  it("builds synthetic documents and reports latency percentiles when run alone", () => {
    const { status, out } = run("scripts/bench-search.ts", ["300"]);
    expect(status, out).toBe(0);
    expect(out).toMatch(/search \(embedded, 300 documents\): build \d+ ms; \d+ queries p50 [\d.]+ ms, p95 [\d.]+ ms/);
  });
});
