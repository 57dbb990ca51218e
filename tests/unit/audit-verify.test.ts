/**
 * `npm run audit:verify` (scripts/audit-verify.ts) as a real process: exit 0
 * on an intact log; exit 1 naming the first broken line after one line of the
 * log file is edited, after a line is removed, and after the newest entries
 * are cut off.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/paths";

let dir: string;
let logFile: string;
let pristine: string;
let pristineHead: string;

function verify() {
  const result = spawnSync(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), path.join(ROOT, "scripts/audit-verify.ts")], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dir },
    encoding: "utf8",
  });
  return { code: result.status, out: result.stdout + result.stderr };
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "regula-audit-verify-"));
  process.env.DATA_DIR = dir;
  const { appendAudit, auditFile, auditHeadFile } = await import("~/audit/audit.server");
  for (let i = 1; i <= 8; i++) {
    await appendAudit({ actor: i % 2 ? "itstaff" : "qahead", action: i % 2 ? "document.view" : "access.approve", object: "APR-001", details: { n: i, note: "a, \"quoted\" value" } });
  }
  logFile = auditFile();
  pristine = fs.readFileSync(logFile, "utf8");
  pristineHead = fs.readFileSync(auditHeadFile(), "utf8");
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function restore() {
  fs.writeFileSync(logFile, pristine);
  fs.writeFileSync(path.join(path.dirname(logFile), "audit.head"), pristineHead);
}

describe("npm run audit:verify", () => {
  it("passes an intact log", () => {
    restore();
    const { code, out } = verify();
    expect(code).toBe(0);
    expect(out).toContain("8 entries, chain intact");
  });

  it("fails at the line that was edited", () => {
    restore();
    const lines = pristine.trimEnd().split("\n");
    // A reviewer's decision is quietly turned into someone else's.
    lines[3] = lines[3].replace('"actor":"qahead"', '"actor":"finhead"');
    expect(lines[3]).toContain("finhead");
    fs.writeFileSync(logFile, lines.join("\n") + "\n");
    const { code, out } = verify();
    expect(code).toBe(1);
    expect(out).toContain("BROKEN at line 4");
    expect(out).toContain("hash does not match");
  });

  it("fails when an entry is removed, and when the newest are cut off", () => {
    restore();
    const lines = pristine.trimEnd().split("\n");
    fs.writeFileSync(logFile, [...lines.slice(0, 5), ...lines.slice(6)].join("\n") + "\n");
    const removed = verify();
    expect(removed.code).toBe(1);
    expect(removed.out).toContain("BROKEN at line 6");
    fs.writeFileSync(logFile, lines.slice(0, 6).join("\n") + "\n");
    const cut = verify();
    expect(cut.code).toBe(1);
    expect(cut.out).toContain("BROKEN at line 7");
    expect(cut.out).toContain("missing");
  });

  it("fails when a line is no longer JSON", () => {
    restore();
    const lines = pristine.trimEnd().split("\n");
    lines[1] = lines[1].slice(0, 40);
    fs.writeFileSync(logFile, lines.join("\n") + "\n");
    const { code, out } = verify();
    expect(code).toBe(1);
    expect(out).toContain("BROKEN at line 2");
  });
});
