/**
 * `npm run audit:verify` (scripts/audit-verify.ts) as a real process: exit 0
 * on an intact log; exit 1 naming the first broken line after one line of the
 * log file is edited, after a line is removed, and after the newest entries
 * are cut off — also when audit.head is rewritten to match the cut-off log
 * (it is signed with a key kept outside DATA_DIR) or deleted.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/paths";

let dir: string;
let logFile: string;
let pristine: string;
let pristineHead: string;

/** Runs the script without blocking this worker (a blocked worker misses the test runner's messages on a busy machine). */
function verify(): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), path.join(ROOT, "scripts/audit-verify.ts")],
      { cwd: ROOT, env: { ...process.env, DATA_DIR: dir }, encoding: "utf8" },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
  });
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
  it("passes an intact log", async () => {
    restore();
    const { code, out } = await verify();
    expect(code).toBe(0);
    expect(out).toContain("8 entries, chain intact");
  });

  it("fails at the line that was edited", async () => {
    restore();
    const lines = pristine.trimEnd().split("\n");
    // A reviewer's decision is quietly turned into someone else's.
    lines[3] = lines[3].replace('"actor":"qahead"', '"actor":"finhead"');
    expect(lines[3]).toContain("finhead");
    fs.writeFileSync(logFile, lines.join("\n") + "\n");
    const { code, out } = await verify();
    expect(code).toBe(1);
    expect(out).toContain("BROKEN at line 4");
    expect(out).toContain("hash does not match");
  });

  it("fails when an entry is removed, and when the newest are cut off", async () => {
    restore();
    const lines = pristine.trimEnd().split("\n");
    fs.writeFileSync(logFile, [...lines.slice(0, 5), ...lines.slice(6)].join("\n") + "\n");
    const removed = await verify();
    expect(removed.code).toBe(1);
    expect(removed.out).toContain("BROKEN at line 6");
    fs.writeFileSync(logFile, lines.slice(0, 6).join("\n") + "\n");
    const cut = await verify();
    expect(cut.code).toBe(1);
    expect(cut.out).toContain("BROKEN at line 7");
    expect(cut.out).toContain("missing");
  });

  it("fails when the newest entries are cut off and audit.head is rewritten to match", async () => {
    restore();
    const lines = pristine.trimEnd().split("\n");
    fs.writeFileSync(logFile, lines.slice(0, 6).join("\n") + "\n");
    const sixth = JSON.parse(lines[5]) as { seq: number; hash: string };
    // The head someone who can write DATA_DIR would write: the cut-off log's newest entry.
    fs.writeFileSync(path.join(path.dirname(logFile), "audit.head"), JSON.stringify({ seq: sixth.seq, hash: sixth.hash }) + "\n");
    const { code, out } = await verify();
    expect(code).toBe(1);
    expect(out).toContain("BROKEN at line 6");
    expect(out).toContain("audit.head is not signed");
    // Copying the signature of the real head does not help: it signs another entry.
    const real = JSON.parse(pristineHead) as { mac: string; key: string };
    expect(real.mac).toMatch(/^[0-9a-f]{64}$/);
    fs.writeFileSync(path.join(path.dirname(logFile), "audit.head"), JSON.stringify({ seq: sixth.seq, hash: sixth.hash, key: real.key, mac: real.mac }) + "\n");
    const copied = await verify();
    expect(copied.code).toBe(1);
    expect(copied.out).toContain("signature does not match");
  });

  it("fails when audit.head is deleted and the log holds entries", async () => {
    restore();
    fs.rmSync(path.join(path.dirname(logFile), "audit.head"));
    const { code, out } = await verify();
    expect(code).toBe(1);
    expect(out).toContain("audit.head is missing, but the log holds 8 entries");
  });

  it("fails when a line is no longer JSON", async () => {
    restore();
    const lines = pristine.trimEnd().split("\n");
    lines[1] = lines[1].slice(0, 40);
    fs.writeFileSync(logFile, lines.join("\n") + "\n");
    const { code, out } = await verify();
    expect(code).toBe(1);
    expect(out).toContain("BROKEN at line 2");
  });
});
