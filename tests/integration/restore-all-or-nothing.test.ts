/**
 * Restore from backup is all or nothing: when putting the restored files in
 * place fails part way, the target DATA_DIR is left exactly as it was (no
 * folder moved aside, no staging folder, no half-restored files), and the same
 * restore then succeeds.
 */
import fs from "node:fs";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createWorld, useWorldInProcess, type World } from "../helpers/world";

let source: World;
let target: World;
let archive: string;
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "regula-aon-backups-"));

beforeAll(async () => {
  source = await createWorld();
  target = await createWorld({ empty: true });
  await useWorldInProcess(source);
  const { loadDb } = await import("~/data/db.server");
  await loadDb();
  const { createBackup } = await import("~/backup/backup.server");
  const record = await createBackup({ trigger: "command", by: "test", outDir, prune: false });
  archive = path.isAbsolute(record.file) ? record.file : path.join(outDir, record.file);
  // The target holds a small installation of its own that must survive a failed restore.
  fs.mkdirSync(path.join(target.dataDir, "audit"), { recursive: true });
  fs.writeFileSync(path.join(target.dataDir, "db.json"), JSON.stringify({ users: [{ id: "keep-me" }] }));
  fs.writeFileSync(path.join(target.dataDir, "audit", "audit.log"), "kept\n");
  process.env.DATA_DIR = target.dataDir;
  const { getEnv, resetEnvForTests } = await import("~/utils/env.server");
  resetEnvForTests();
  getEnv(); // reading the settings creates the session secret in the target; that is not the restore's doing
});

afterAll(async () => {
  vi.restoreAllMocks();
  for (const dir of fs.readdirSync(path.dirname(target.dataDir))) {
    if (dir.startsWith(`${path.basename(target.dataDir)}.before-restore-`)) fs.rmSync(path.join(path.dirname(target.dataDir), dir), { recursive: true, force: true });
  }
  fs.rmSync(outDir, { recursive: true, force: true });
  await source?.cleanup();
  await target?.cleanup();
});

/** Every path under `dir` with its content (files) or "/" (folders). */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      const rel = path.relative(dir, full);
      if (entry.isDirectory()) {
        out[rel] = "/";
        walk(full);
      } else out[rel] = fs.readFileSync(full, "utf8");
    }
  };
  walk(dir);
  return out;
}

function asideFolders() {
  return fs.readdirSync(path.dirname(target.dataDir)).filter((d) => d.startsWith(`${path.basename(target.dataDir)}.before-restore-`));
}

describe("restore", () => {
  it("a failure while putting files in place leaves the target as it was; a retry restores", async () => {
    const { restoreBackup } = await import("~/backup/restore.server");
    const before = tree(target.dataDir);
    expect(Object.keys(before)).toContain("db.json");
    const rename = fsp.rename.bind(fsp);
    const spy = vi.spyOn(fsp, "rename").mockImplementation(async (from, to) => {
      // The repository is the last thing moved in: by then the old contents are aside and the data files in place.
      if (String(to) === path.join(target.dataDir, "repo")) throw Object.assign(new Error("no space left on device"), { code: "ENOSPC" });
      return rename(from, to);
    });
    let failure: unknown;
    try {
      failure = await restoreBackup(archive, { force: true }).then(() => null, (error: unknown) => error);
    } finally {
      spy.mockRestore();
    }
    expect(tree(target.dataDir)).toEqual(before);
    expect(asideFolders()).toEqual([]);
    expect(String((failure as Error | null)?.message)).toMatch(/put back as it was/);

    const report = await restoreBackup(archive, { force: true });
    expect(report.movedAside).toBeTruthy();
    expect(fs.existsSync(path.join(target.dataDir, "repo", "HEAD"))).toBe(true);
    expect(fs.readFileSync(path.join(target.dataDir, "db.json"), "utf8")).not.toContain("keep-me");
    expect(tree(report.movedAside!)).toEqual(before);
  });
});
