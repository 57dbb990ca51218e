/**
 * Where the key that signs the audit head comes from: AUDIT_KEY, AUDIT_KEY_FILE,
 * or — with no settings, as `npm start` runs the demo — a key file created in
 * the user's configuration folder, outside DATA_DIR, with a warning. A key file
 * inside DATA_DIR is refused: whoever can rewrite the log could rewrite the key.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "regula-audit-key-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function fresh(env: Record<string, string | undefined>) {
  for (const k of ["AUDIT_KEY", "AUDIT_KEY_FILE", "XDG_CONFIG_HOME"]) delete process.env[k];
  for (const [k, v] of Object.entries(env)) if (v !== undefined) process.env[k] = v;
  const { resetEnvForTests } = await import("~/utils/env.server");
  const audit = await import("~/audit/audit.server");
  resetEnvForTests();
  audit.resetAuditForTests();
  return audit;
}

beforeEach(() => vi.restoreAllMocks());

describe("the audit key", () => {
  it("with no settings, is created once in the configuration folder outside DATA_DIR, with a warning, and signs the head", async () => {
    const dataDir = fs.mkdtempSync(path.join(tmp, "data-"));
    const config = path.join(tmp, "config");
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const audit = await fresh({ DATA_DIR: dataDir, XDG_CONFIG_HOME: config });
    await audit.appendAudit({ actor: "system", action: "test.first" });
    const keyFile = path.join(config, "regula", "audit-key");
    expect(fs.readFileSync(keyFile, "utf8").trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.statSync(keyFile).mode & 0o077).toBe(0);
    expect(warn.mock.calls.map((c) => String(c[0])).join("\n")).toContain(`created the audit key ${keyFile}`);
    expect(audit.auditKey()).toMatchObject({ source: keyFile, fallback: true });
    const head = audit.readAuditHead()!;
    expect(head).toMatchObject({ seq: 1, key: audit.auditKey().id, mac: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(audit.verifyAuditChain()).toMatchObject({ ok: true, count: 1 });
    // The same key is read, not made again, by the next process.
    const again = await fresh({ DATA_DIR: dataDir, XDG_CONFIG_HOME: config });
    expect(again.auditKey().id).toBe(head.key);
    expect(again.verifyAuditChain()).toMatchObject({ ok: true });
  });

  it("from AUDIT_KEY: a head signed with another key is reported as such", async () => {
    const dataDir = fs.mkdtempSync(path.join(tmp, "data-"));
    const first = await fresh({ DATA_DIR: dataDir, AUDIT_KEY: "k".repeat(40) });
    await first.appendAudit({ actor: "system", action: "test.first" });
    const second = await fresh({ DATA_DIR: dataDir, AUDIT_KEY: "z".repeat(40) });
    const result = second.verifyAuditChain();
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining("was signed with another key") });
  });

  it("is not created by a read-only check (audit:verify): a missing key file is reported", async () => {
    const dataDir = fs.mkdtempSync(path.join(tmp, "data-"));
    const audit = await fresh({ DATA_DIR: dataDir, AUDIT_KEY_FILE: path.join(tmp, "nowhere", "audit-key") });
    expect(() => audit.auditKey({ create: false })).toThrow(/does not exist, so the audit head's signature cannot be checked/);
    expect(fs.existsSync(path.join(tmp, "nowhere"))).toBe(false);
  });

  it("refuses a key file inside DATA_DIR", async () => {
    const dataDir = fs.mkdtempSync(path.join(tmp, "data-"));
    const audit = await fresh({ DATA_DIR: dataDir, AUDIT_KEY_FILE: path.join(dataDir, "audit-key") });
    await expect(audit.appendAudit({ actor: "system", action: "test.first" })).rejects.toThrow(/is inside DATA_DIR/);
  });
});
