/**
 * Start-up on a fresh machine: an empty DATA_DIR is seeded with the sample
 * documents (with history) and demo accounts; DEMO=0 creates no accounts and
 * says how to make the first admin; an unwritable DATA_DIR fails clearly.
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Client } from "../helpers/client";
import { ROOT } from "../helpers/paths";
import { startServer } from "../helpers/server";

const dirs: string[] = [];
function tempDir() {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "regula-boot-"));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe("first start", () => {
  it("seeds an empty DATA_DIR: demo accounts work and native git reads the history", async () => {
    const dataDir = tempDir();
    const server = await startServer({ dataDir, env: { REGULA_NO_SCHEDULER: "1" } });
    try {
      expect(server.output()).toMatch(/seeded \d+ sample versions/);
      const c = new Client(server.url);
      await c.login("newhire");
      expect((await c.get("/")).status).toBe(200);
      const count = Number(execFileSync("git", ["-C", path.join(dataDir, "repo"), "rev-list", "--count", "HEAD"], { encoding: "utf8" }).trim());
      const versions = fs.readdirSync(path.join(ROOT, "content/documents")).filter((n) => /^[A-Z]+-\d+$/.test(n))
        .reduce((n, doc) => n + JSON.parse(fs.readFileSync(path.join(ROOT, "content/documents", doc, "history.json"), "utf8")).length, 0);
      expect(count).toBe(versions);
      execFileSync("git", ["-C", path.join(dataDir, "repo"), "fsck", "--full", "--strict"], { stdio: "pipe" });
      expect(fs.existsSync(path.join(dataDir, "session-secret"))).toBe(true);
    } finally {
      await server.stop();
    }
    // A second start reuses everything and seeds nothing.
    const again = await startServer({ dataDir, env: { REGULA_NO_SCHEDULER: "1" } });
    try {
      expect(again.output()).not.toMatch(/seeded/);
    } finally {
      await again.stop();
    }
  });

  it("DEMO=0 creates no accounts and explains how to create the first admin", async () => {
    const dataDir = tempDir();
    const server = await startServer({ dataDir, env: { DEMO: "0", REGULA_NO_SCHEDULER: "1" } });
    try {
      expect(server.output()).toContain("npm run create-admin");
      const c = new Client(server.url);
      await c.get("/login");
      expect((await c.post("/login", { username: "admin", password: "demo1234" })).status).toBe(401);
    } finally {
      await server.stop();
    }
    const result = spawnSync(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), "scripts/create-admin.ts", "chief", "a-strong-password", "docctl", "文控主管"], {
      cwd: ROOT,
      env: { ...process.env, DATA_DIR: dataDir, CONTENT_DIR: path.join(ROOT, "content") },
      encoding: "utf8",
    });
    expect(result.stdout + result.stderr).toContain("Created admin chief");
    const again = await startServer({ dataDir, env: { DEMO: "0", REGULA_NO_SCHEDULER: "1" } });
    try {
      const c = new Client(again.url);
      await c.login("chief", "a-strong-password");
      expect((await c.get("/admin/users")).status).toBe(200);
    } finally {
      await again.stop();
    }
  });

  it("refuses to start on an unwritable DATA_DIR with a clear message", async () => {
    const parent = tempDir();
    const file = path.join(parent, "not-a-dir");
    fs.writeFileSync(file, "x");
    await expect(startServer({ dataDir: path.join(file, "data"), timeoutMs: 20_000 })).rejects.toThrow(/DATA_DIR .* is not writable/);
  });

  it("refuses a second writer on the same DATA_DIR", async () => {
    const dataDir = tempDir();
    const server = await startServer({ dataDir, env: { REGULA_NO_SCHEDULER: "1" } });
    try {
      const result = spawnSync(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), "scripts/create-admin.ts", "x2", "a-strong-password", "docctl"], {
        cwd: ROOT,
        env: { ...process.env, DATA_DIR: dataDir, CONTENT_DIR: path.join(ROOT, "content") },
        encoding: "utf8",
      });
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(/is in use by/);
    } finally {
      await server.stop();
    }
  });
});
