/**
 * A test's own world: a copy of the seeded fixture DATA_DIR in a temp folder,
 * removed afterwards. `inProcess()` points this process's modules at it for
 * domain-level tests; `server()` starts the built portal on it.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT } from "./paths";
import { startServer, type RunningServer } from "./server";

export interface World {
  dataDir: string;
  server: (env?: Record<string, string>) => Promise<RunningServer>;
  cleanup: () => Promise<void>;
}

/** Copies the seeded fixture (or starts empty with `empty: true`). */
export async function createWorld(options: { empty?: boolean } = {}): Promise<World> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "regula-test-"));
  if (!options.empty) {
    const fixture = process.env.REGULA_TEST_FIXTURE;
    if (!fixture) throw new Error("No seeded fixture: run through vitest (global setup)");
    fs.cpSync(fixture, dataDir, { recursive: true });
  }
  const servers: RunningServer[] = [];
  return {
    dataDir,
    server: async (env = {}) => {
      const s = await startServer({ dataDir, env });
      servers.push(s);
      return s;
    },
    cleanup: async () => {
      for (const s of servers) await s.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Points the app modules in this test process at the world's DATA_DIR and
 * loads the database and version index (call once per test file).
 */
export async function useWorldInProcess(world: World, env: Record<string, string> = {}) {
  process.env.DATA_DIR = world.dataDir;
  process.env.CONTENT_DIR = path.join(ROOT, "content");
  process.env.REGULA_NO_SCHEDULER = "1";
  for (const [k, v] of Object.entries(env)) process.env[k] = v;
  const { loadDb } = await import("~/data/db.server");
  const { loadVersionIndex } = await import("~/documents/version-index.server");
  await loadDb();
  await loadVersionIndex();
}
