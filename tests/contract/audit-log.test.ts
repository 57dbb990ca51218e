// The audit log's contract on both backends (decision 108): concurrent appends make one
// verifiable chain. With PostgreSQL two instances (two module graphs, two DATA_DIRs, one
// database) append at once and still make one chain, each instance's audit.log a copy of it.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startPostgres, type TestPostgres } from "../helpers/postgres";

type AuditModule = typeof import("~/audit/audit.server");
type DbModule = typeof import("~/data/db.server");

let server: TestPostgres;
let tmp: string;
const instances: { db: DbModule }[] = [];

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "regula-audit-contract-"));
  server = await startPostgres();
});

afterAll(async () => {
  for (const i of instances) await i.db.closeDb();
  await server?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
  delete process.env.DATABASE_URL;
});

/** A fresh copy of the app's modules on its own DATA_DIR (and database, when given): one "instance". */
async function instance(name: string, databaseUrl?: string): Promise<{ audit: AuditModule; db: DbModule; dataDir: string }> {
  const dataDir = path.join(tmp, name);
  fs.mkdirSync(dataDir, { recursive: true });
  process.env.DATA_DIR = dataDir;
  if (databaseUrl) process.env.DATABASE_URL = databaseUrl;
  else delete process.env.DATABASE_URL;
  vi.resetModules();
  const db = await import("~/data/db.server");
  const audit = await import("~/audit/audit.server");
  await db.loadDb();
  instances.push({ db });
  return { audit, db, dataDir };
}

const backends = [
  { name: "lowdb", url: async () => undefined },
  { name: "postgres", url: async () => server.createDatabase() },
];

describe.each(backends)("audit log contract: $name", ({ name, url }) => {
  it("concurrent appends make one chain that verifies", async () => {
    const a = await instance(`${name}-one`, await url());
    await Promise.all(Array.from({ length: 30 }, (_, i) => a.audit.appendAudit({ actor: "tester", action: "test.append", object: `n${i}`, details: { i, zh: "审计" } })));
    await a.audit.appendAudits([
      { actor: "tester", action: "test.group", object: "g1" },
      { actor: "tester", action: "test.group", object: "g2" },
    ]);
    const result = a.audit.verifyAuditChain();
    expect(result).toMatchObject({ ok: true, count: 32 });
    expect(a.audit.readAuditEntries().map((e) => e.seq)).toEqual(Array.from({ length: 32 }, (_, i) => i + 1));
  });
});

describe.each(backends)("a change with its audit entries: $name", ({ name, url }) => {
  it("is stored whole, or not at all when its entries cannot be appended", async () => {
    const databaseUrl = await url();
    const a = await instance(`${name}-step`, databaseUrl);
    type Thing = { id: string; state: string };
    const things = () => ((a.db.readDb() as unknown as Record<string, Thing[] | undefined>).things ?? []).map((t) => ({ ...t }));
    const step = (id: string, state: string, action: string) =>
      a.audit.updateWithAudit(
        (data) => {
          const list = a.db.mutableCollection<Thing>(data, "things");
          const found = list.find((t) => t.id === id);
          if (found) found.state = state;
          else list.push({ id, state });
          return id;
        },
        (thing) => [{ actor: "tester", action, object: thing }],
        (data) => {
          const list = a.db.mutableCollection<Thing>(data, "things");
          const i = list.findIndex((t) => t.id === id);
          if (i >= 0) list.splice(i, 1);
        }
      );
    await step("one", "draft", "test.step");
    expect(things()).toEqual([{ id: "one", state: "draft" }]);
    // The next step's audit entries are refused, and the database goes away at that moment (with
    // PostgreSQL every later write fails too, as in an outage; with lowdb the log cannot be written).
    const broken = path.join(a.dataDir, "audit", "audit.log");
    let admin: import("pg").Client | null = null;
    if (databaseUrl) {
      const pg = (await import("pg")).default;
      admin = new pg.Client({ connectionString: databaseUrl });
      await admin.connect();
      await admin.query(
        `CREATE SEQUENCE gone;
         CREATE FUNCTION refuse_entry() RETURNS trigger AS $$ BEGIN
           IF NEW.entry LIKE '%test.refused%' THEN PERFORM nextval('gone'); RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql;
         CREATE TRIGGER refuse_entry BEFORE INSERT ON regula_audit FOR EACH ROW EXECUTE FUNCTION refuse_entry();
         CREATE FUNCTION refuse_change() RETURNS trigger AS $$ BEGIN
           IF (SELECT is_called FROM gone) THEN RAISE EXCEPTION 'gone'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql;
         CREATE TRIGGER refuse_change BEFORE INSERT ON regula_changes FOR EACH ROW EXECUTE FUNCTION refuse_change();`
      );
    } else {
      // The log's tail is known in memory, so the append itself is what fails.
      fs.renameSync(broken, broken + ".kept");
      fs.mkdirSync(broken);
    }
    await expect(step("two", "draft", "test.refused")).rejects.toThrow();
    expect(things()).toEqual([{ id: "one", state: "draft" }]);
    if (admin) {
      await admin.query("DROP TRIGGER refuse_change ON regula_changes; DROP TRIGGER refuse_entry ON regula_audit");
      await admin.end();
    } else {
      fs.rmdirSync(broken);
      fs.renameSync(broken + ".kept", broken);
    }
    // A step that can be audited is stored with its entry.
    await step("three", "draft", "test.step");
    expect(things().map((t) => t.id)).toEqual(["one", "three"]);
    // Another instance (or the next start) reads the same: the two kept things, one entry each.
    const copy = path.join(tmp, `${name}-step-copy`);
    if (!databaseUrl) fs.cpSync(a.dataDir, copy, { recursive: true });
    const fresh = await instance(`${name}-step-copy`, databaseUrl);
    await fresh.audit.syncAuditCopy();
    expect((fresh.db.readDb() as unknown as Record<string, Thing[]>).things.map((t) => t.id)).toEqual(["one", "three"]);
    expect(fresh.audit.readAuditEntries().map((e) => [e.action, e.object])).toEqual([
      ["test.step", "one"],
      ["test.step", "three"],
    ]);
    expect(fresh.audit.verifyAuditChain()).toMatchObject({ ok: true, count: 2 });
  });
});

describe("audit log shared by two instances: postgres", () => {
  it("appends from both instances at once stay one chain, copied to both", async () => {
    const url = await server.createDatabase();
    const a = await instance("two-a", url);
    const b = await instance("two-b", url);
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).audit.appendAudit({ actor: i % 2 ? "on-a" : "on-b", action: "test.append", object: `n${i}`, details: { i } })),
    );
    await a.audit.syncAuditCopy();
    await b.audit.syncAuditCopy();
    for (const x of [a, b]) expect(x.audit.verifyAuditChain()).toMatchObject({ ok: true, count: 40 });
    const fileA = fs.readFileSync(path.join(a.dataDir, "audit", "audit.log"), "utf8");
    const fileB = fs.readFileSync(path.join(b.dataDir, "audit", "audit.log"), "utf8");
    expect(fileA).toBe(fileB);
    expect(new Set(a.audit.readAuditEntries().map((e) => e.actor))).toEqual(new Set(["on-a", "on-b"]));
    const anchorA = await a.audit.currentAuditAnchor();
    expect(anchorA).toEqual(await b.audit.currentAuditAnchor());
    expect(anchorA.seq).toBe(40);
  });

  it("an instance's damaged copy is written anew from the database at start", async () => {
    const url = await server.createDatabase();
    const a = await instance("repair-a", url);
    for (let i = 0; i < 5; i++) await a.audit.appendAudit({ actor: "tester", action: "test.append", object: `n${i}` });
    const file = path.join(a.dataDir, "audit", "audit.log");
    const lines = fs.readFileSync(file, "utf8").trim().split("\n");
    fs.writeFileSync(file, lines.slice(0, 2).join("\n") + "\n" + lines[3] + "\n");
    a.audit.resetAuditForTests();
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const next = await a.audit.appendAudit({ actor: "tester", action: "test.append", object: "after" });
    warn.mockRestore();
    expect(next.seq).toBe(6);
    expect(a.audit.verifyAuditChain()).toMatchObject({ ok: true, count: 6 });
  });
});
