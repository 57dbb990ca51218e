/** Filtering and paging the audit log (newest first), and refusing bad filters. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let dir: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "regula-audit-query-"));
  process.env.DATA_DIR = dir;
  const { appendAudit } = await import("~/audit/audit.server");
  const { setClockOffset } = await import("~/utils/clock.server");
  // 2024-03-01 09:00 in Shanghai is 01:00 UTC.
  setClockOffset(Date.parse("2024-03-01T01:00:00Z") - Date.now());
  for (let i = 0; i < 120; i++) {
    await appendAudit({ actor: i % 3 === 0 ? "itstaff" : "qahead", action: i % 2 ? "document.view" : "access.approve", object: `APR-00${i % 5}`, outcome: i % 10 === 0 ? "denied" : "ok" });
  }
  setClockOffset(Date.parse("2024-03-02T17:00:00Z") - Date.now()); // 2024-03-03 01:00 in Shanghai
  await appendAudit({ actor: "admin", action: "audit.export", object: "" });
  setClockOffset(0);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("audit queries", () => {
  it("filter by actor, action prefix, object, outcome and company-time dates", async () => {
    const { queryAudit, parseAuditFilter } = await import("~/audit/query.server");
    const q = (s: string) => queryAudit(parseAuditFilter(new URLSearchParams(s)));
    expect(q("").total).toBe(121);
    expect(q("actor=ITSTAFF").total).toBe(40);
    expect(q("action=access.").total).toBe(60);
    expect(q("object=apr-003").total).toBe(24);
    expect(q("outcome=denied").total).toBe(12);
    expect(q("from=2024-03-01&to=2024-03-01").total).toBe(120);
    expect(q("from=2024-03-03").entries.map((e) => e.action)).toEqual(["audit.export"]);
    expect(q("to=2024-03-02").total).toBe(120);
  });

  it("page newest first", async () => {
    const { queryAudit, parseAuditFilter } = await import("~/audit/query.server");
    const first = queryAudit(parseAuditFilter(new URLSearchParams("")));
    expect(first.pages).toBe(3);
    expect(first.entries[0].seq).toBe(121);
    const third = queryAudit(parseAuditFilter(new URLSearchParams("page=3")));
    expect(third.entries.map((e) => e.seq)).toEqual([21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(queryAudit(parseAuditFilter(new URLSearchParams("page=99"))).page).toBe(3);
    expect(first.actions).toEqual(["access.approve", "audit.export", "document.view"]);
  });

  it("refuse malformed filters with field messages", async () => {
    const { parseAuditFilter } = await import("~/audit/query.server");
    expect(() => parseAuditFilter(new URLSearchParams("outcome=maybe"))).toThrow(/outcome/);
    expect(() => parseAuditFilter(new URLSearchParams("from=2024-02-30x"))).toThrow(/from/);
    expect(() => parseAuditFilter(new URLSearchParams("from=2024-03-05&to=2024-03-01"))).toThrow(/start date is after/);
    expect(() => parseAuditFilter(new URLSearchParams("page=0"))).toThrow(/page/);
  });
});
