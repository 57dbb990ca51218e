/**
 * The audit log's newest entries cannot be cut off unnoticed by someone who
 * can write DATA_DIR: `npm run audit:verify` (a real process) checks the
 * signed head and the anchors kept in the repository's commit trailers and in
 * the backups' manifests. Cut the log and rewrite its head to match, with or
 * without the key: the repository and the backups still disagree. A portal
 * that starts on such a log records what it found, and verification reports
 * it from then on.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorld, useWorldInProcess, type World } from "../helpers/world";
import { publishTestDocument, runScript } from "./backup-helpers";

let world: World;
let logFile: string;
let headFile: string;
let pristineLog: string;
let pristineHead: string;
/** How many entries the log is cut to: one short of what the newest publication and backup record. */
let cutTo: number;

function verify() {
  return runScript("audit-verify", [], { DATA_DIR: world.dataDir });
}

function entries(text: string) {
  return text
    .trimEnd()
    .split("\n")
    .map((l) => JSON.parse(l) as { seq: number; hash: string; action: string });
}

/** Cuts the log to its first `n` entries. */
function cutLog(n: number) {
  fs.writeFileSync(logFile, pristineLog.trimEnd().split("\n").slice(0, n).join("\n") + "\n");
}

function restore() {
  fs.writeFileSync(logFile, pristineLog);
  fs.writeFileSync(headFile, pristineHead);
  for (const f of fs.readdirSync(path.dirname(headFile))) if (f.startsWith("audit.head.rejected-")) fs.rmSync(path.join(path.dirname(headFile), f));
}

beforeAll(async () => {
  world = await createWorld();
  await useWorldInProcess(world);
  const { appendAudit, auditFile, auditHeadFile } = await import("~/audit/audit.server");
  const { createBackup } = await import("~/backup/backup.server");
  for (const action of ["auth.login", "proposal.create", "proposal.submit"]) await appendAudit({ actor: "editor", action, object: "P-0001" });
  // A publication and a backup, each anchoring the log's newest entry of its moment, then more activity.
  await publishTestDocument("MON-950", "监控记录表", "# 监控记录表\n\n每日记录。\n");
  await appendAudit({ actor: "approver", action: "proposal.approve", object: "P-0001" });
  await createBackup({ trigger: "command", by: "test" });
  for (let i = 0; i < 4; i++) await appendAudit({ actor: "staff", action: "document.view", object: "MON-950" });
  logFile = auditFile();
  headFile = auditHeadFile();
  pristineLog = fs.readFileSync(logFile, "utf8");
  pristineHead = fs.readFileSync(headFile, "utf8");
  const { gitOut } = await import("./backup-helpers");
  const trailer = gitOut(path.join(world.dataDir, "repo"), ["log", "-1", "--format=%(trailers:key=Audit-head,valueonly)", "main"]);
  const published = Number(trailer.split(" ")[0]);
  expect(published).toBeGreaterThan(0);
  cutTo = published - 1;
  expect(cutTo).toBeGreaterThanOrEqual(2);
}, 120_000);
afterAll(async () => world?.cleanup());

describe("npm run audit:verify with anchors", () => {
  it("passes an intact log, naming the signed head, the repository and the backups", async () => {
    restore();
    const { code, stdout } = await verify();
    expect(stdout).toMatch(/signed head OK/);
    expect(stdout).toMatch(/repository OK: \d+ anchors agree with the log/);
    expect(stdout).toMatch(/backups \(.*\) OK: 1 anchors agree with the log/);
    expect(stdout).toContain("audit verification passed");
    expect(code).toBe(0);
  });

  it("fails when the head is rewritten to match a cut-off log without the key", async () => {
    restore();
    cutLog(cutTo);
    const last = entries(fs.readFileSync(logFile, "utf8")).at(-1)!;
    fs.writeFileSync(headFile, JSON.stringify({ seq: last.seq, hash: last.hash }) + "\n");
    const { code, stdout } = await verify();
    expect(code).toBe(1);
    expect(stdout).toContain("audit.head is not signed");
    expect(stdout).toMatch(/repository DISAGREES with the audit log/);
    expect(stdout).toMatch(/it records entry \d+, but the log ends at entry \d+/);
    expect(stdout).toMatch(/backups \(.*\) DISAGREES with the audit log/);
    expect(stdout).toContain("audit verification FAILED");

    // A head "signed" with a key that is not this installation's is refused as well.
    const { createHmac } = await import("node:crypto");
    const mac = createHmac("sha256", "a-key-that-is-not-the-installations-own-key").update(`regula-audit-head\n${last.seq}\n${last.hash}`).digest("hex");
    fs.writeFileSync(headFile, JSON.stringify({ seq: last.seq, hash: last.hash, mac }) + "\n");
    const forged = await verify();
    expect(forged.code).toBe(1);
    expect(forged.stdout).toContain("signature does not match");
  });

  it("fails when the head is deleted while the log holds entries", async () => {
    restore();
    fs.rmSync(headFile);
    const { code, stdout } = await verify();
    expect(code).toBe(1);
    expect(stdout).toMatch(/audit\.head is missing, but the log holds \d+ entries/);
  });

  it("still fails against the repository and the backups when the cut-off log's head is signed with the key", async () => {
    restore();
    cutLog(cutTo);
    const { signHead } = await import("~/audit/audit.server");
    const last = entries(fs.readFileSync(logFile, "utf8")).at(-1)!;
    fs.writeFileSync(headFile, JSON.stringify(signHead(last.seq, last.hash)) + "\n");
    const { code, stdout } = await verify();
    expect(stdout).toContain("signed head OK");
    expect(stdout).toMatch(/repository DISAGREES/);
    expect(stdout).toMatch(/backups \(.*\) DISAGREES/);
    expect(code).toBe(1);
  });

  it("records a head that does not match at the next start, and keeps reporting it after the head is signed anew", async () => {
    restore();
    // The newest entries cut off and the head deleted: a portal starting now signs a new head, but first records what it found.
    cutLog(cutTo + 1);
    fs.rmSync(headFile);
    const { appendAudit, resetAuditForTests, readAuditEntries, readAuditHead } = await import("~/audit/audit.server");
    resetAuditForTests();
    await appendAudit({ actor: "staff", action: "document.view", object: "MON-950" });
    const recorded = readAuditEntries().find((e) => e.action === "audit.head-rejected");
    expect(recorded).toMatchObject({ actor: "system", outcome: "failed", details: { problem: expect.stringContaining("audit.head is missing") } });
    expect(readAuditHead()?.mac).toMatch(/^[0-9a-f]{64}$/);
    const { code, stdout } = await verify();
    expect(code).toBe(1);
    expect(stdout).toMatch(/the portal found that audit\.head is missing, but the log holds \d+ entries/);

    // Cut off without touching the head: the head it kept aside names the lost entries.
    restore();
    cutLog(cutTo);
    resetAuditForTests();
    await appendAudit({ actor: "staff", action: "document.view", object: "MON-950" });
    expect(readAuditEntries().find((e) => e.action === "audit.head-rejected")?.details).toMatchObject({ problem: expect.stringMatching(/entries \d+ to \d+ are missing/) });
    expect(fs.readdirSync(path.dirname(headFile)).some((f) => f.startsWith("audit.head.rejected-"))).toBe(true);
    resetAuditForTests();
  });

  it("signs an unsigned head that matches the log (an installation from before signing), and records that", async () => {
    restore();
    const { appendAudit, resetAuditForTests, readAuditEntries } = await import("~/audit/audit.server");
    const head = JSON.parse(pristineHead) as { seq: number; hash: string };
    fs.writeFileSync(headFile, JSON.stringify({ seq: head.seq, hash: head.hash }) + "\n");
    resetAuditForTests();
    await appendAudit({ actor: "staff", action: "document.view", object: "MON-950" });
    const added = readAuditEntries().slice(-2);
    expect(added.map((e) => e.action)).toEqual(["audit.head-signed", "document.view"]);
    const { code, stdout } = await verify();
    expect(stdout).toContain("audit verification passed");
    expect(code).toBe(0);
    resetAuditForTests();
  });
});
