import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "regula-audit-"));
  process.env.DATA_DIR = dir;
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("audit chain", () => {
  it("chains entries and detects an edited line", async () => {
    const { appendAudit, verifyAuditChain, auditFile } = await import("~/audit/audit.server");
    for (let i = 0; i < 5; i++) await appendAudit({ actor: "staff", action: "document.view", object: `EXE-00${i}` });
    expect(verifyAuditChain()).toMatchObject({ ok: true, count: 5 });
    const lines = fs.readFileSync(auditFile(), "utf8").trimEnd().split("\n");
    lines[2] = lines[2].replace("EXE-002", "EXE-009");
    fs.writeFileSync(auditFile(), lines.join("\n") + "\n");
    expect(verifyAuditChain()).toMatchObject({ ok: false, line: 3 });
  });
});
