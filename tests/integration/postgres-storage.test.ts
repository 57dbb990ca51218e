/**
 * PostgreSQL as the store of a real portal (decisions 108–110): an installation is
 * moved into PostgreSQL with `npm run migrate-data -- --to postgres` (verified,
 * refused over existing data without --force), two portals on two DATA_DIRs share
 * that database (a session, an account and the sign-in limits hold on both), and the
 * data comes back with `--to lowdb` into an installation that verifies.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "../helpers/client";
import { ROOT } from "../helpers/paths";
import { startPostgres, type TestPostgres } from "../helpers/postgres";
import { scaled } from "../helpers/time";
import { createWorld, type World } from "../helpers/world";

const run = promisify(execFile);
let server: TestPostgres;
const worlds: World[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  server = await startPostgres();
});

afterAll(async () => {
  for (const w of worlds) await w.cleanup();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  await server?.stop();
});

async function migrateData(dataDir: string, url: string, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), "scripts/migrate-data.ts", ...args], {
      cwd: ROOT,
      env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: url },
    });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, out: (e.stdout ?? "") + (e.stderr ?? "") };
  }
}

async function tsx(script: string, env: Record<string, string>, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), script, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, out: (e.stdout ?? "") + (e.stderr ?? "") };
  }
}

async function signIn(c: Client, username: string, password: string) {
  const res = await c.post("/login", { username, password, redirectTo: "/" });
  return res.status;
}

const SHARED = { REGULA_NO_SCHEDULER: "1", BACKUP_INTERVAL_HOURS: "0", SESSION_SECRET: "shared-session-secret-for-two-instances" };

describe("moving an installation into PostgreSQL and running two portals on it", () => {
  it("copies, verifies, refuses to overwrite, and serves the same data from both instances", async () => {
    const url = await server.createDatabase();
    const a = await createWorld();
    const b = await createWorld();
    worlds.push(a, b);

    const usage = await migrateData(a.dataDir, url, "--to", "somewhere");
    expect(usage.code).toBe(2);
    expect(usage.out).toContain("Usage: npm run migrate-data -- --to postgres|lowdb");

    // The notification logs travel too (decision 119): two notifications for staff, one sent delivery.
    const staffId = JSON.parse(fs.readFileSync(path.join(a.dataDir, "db.json"), "utf8")).users.find((u: { username: string }) => u.username === "staff").id;
    const logsDir = path.join(a.dataDir, "notifications");
    const at = new Date().toISOString();
    const note = (seq: number) => ({ t: "n", seq, id: `n${seq}`, userId: staffId, kind: "document.published", group: "changes", createdAt: at, digest: false, key: `pub:INI-001@${seq}`, number: "INI-001", version: 4 });
    fs.writeFileSync(path.join(logsDir, "notifications.jsonl"), [note(901), note(902)].map((l) => JSON.stringify(l) + "\n").join(""));
    const delivery = { id: "dmoved1", channel: "webhook", createdAt: at, recipient: "https://hooks.example.test/x", label: "INI-001 v4", status: "sent", attempts: 1, nextAttemptAt: at, sentAt: at };
    fs.writeFileSync(path.join(logsDir, "outbox.jsonl"), JSON.stringify({ t: "add", e: delivery }) + "\n");
    const ackLines = fs.readFileSync(path.join(logsDir, "acknowledgements.jsonl"), "utf8").trim().split("\n").length;

    const first = await migrateData(a.dataDir, url, "--to", "postgres");
    expect(first.out).toMatch(/Verified in the database: .*users \d+/);
    expect(first.out).toContain(`log lines: notifications 2, outbox 1, acknowledgements ${ackLines}`);
    expect(first.code).toBe(0);
    const again = await migrateData(a.dataDir, url, "--to", "postgres");
    expect(again.code).toBe(1);
    expect(again.out).toMatch(/already holds data .* Nothing was copied; add --force to replace it\./);
    expect((await migrateData(a.dataDir, url, "--to", "postgres", "--force")).code).toBe(0);

    const onA = await a.server({ ...SHARED, DATABASE_URL: url });
    const onB = await b.server({ ...SHARED, DATABASE_URL: url });

    // A session started on A is valid on B (the session lives in the database).
    const person = new Client(onA.url);
    person.cookies.set("regula_lang", "en");
    expect(await signIn(person, "staff", "demo1234")).toBe(302);
    const sameCookieOnB = new Client(onB.url);
    sameCookieOnB.cookies = new Map(person.cookies);
    const profile = await sameCookieOnB.get("/profile");
    expect(profile.status).toBe(200);
    expect(profile.text_).toContain("staff");
    // The notifications copied from files are the same in both instances' centres.
    for (const c of [person, sameCookieOnB]) {
      const centre = (await c.get("/notifications")).text_;
      expect([...centre.matchAll(/data-id="(n\d+)"/g)].map((m) => m[1])).toEqual(["n902", "n901"]);
    }

    // Signing out on B ends the session on A too.
    await sameCookieOnB.post("/logout", {});
    await new Promise((r) => setTimeout(r, 300));
    expect((await person.get("/profile")).status).toBe(302);

    // Five wrong passwords for one name through A and B together: the sixth attempt waits, on either.
    const tries = [onA, onB, onA, onB, onA].map((s) => {
      const c = new Client(s.url);
      c.cookies.set("regula_lang", "en");
      return c;
    });
    for (const c of tries) expect(await signIn(c, "approver", "wrong-password")).toBe(401);
    const sixth = new Client(onB.url);
    sixth.cookies.set("regula_lang", "en");
    const res = await sixth.post("/login", { username: "approver", password: "demo1234", redirectTo: "/" });
    expect(res.status).toBe(429);
    expect(res.text_).toMatch(/Too many failed sign-in attempts/);

    // A session that stays: it is in the database only (A's db.json is as migrate-data left it).
    const editor = new Client(onA.url);
    expect(await signIn(editor, "editor", "demo1234")).toBe(302);

    // A backup taken with DATABASE_URL holds the database's dump; restored into a new DATA_DIR and
    // an empty database, the database gets it back.
    const backupOut = fs.mkdtempSync(path.join(os.tmpdir(), "regula-pg-backup-"));
    dirs.push(backupOut);
    const backup = await tsx("scripts/backup.ts", { DATA_DIR: a.dataDir, DATABASE_URL: url }, "--out", backupOut);
    expect(backup.out).toMatch(/verified OK/);
    const archive = fs.readdirSync(backupOut).find((f) => f.endsWith(".tar.gz"))!;
    const restoredDir = fs.mkdtempSync(path.join(os.tmpdir(), "regula-pg-restored-"));
    dirs.push(restoredDir);
    const url2 = await server.createDatabase();
    const restore = await tsx("scripts/restore.ts", { DATA_DIR: restoredDir, DATABASE_URL: url2 }, path.join(backupOut, archive));
    expect(restore.code).toBe(0);
    const fromRestore = fs.mkdtempSync(path.join(os.tmpdir(), "regula-pg-check-"));
    dirs.push(fromRestore);
    expect((await migrateData(fromRestore, url2, "--to", "lowdb")).code).toBe(0);
    const restored = JSON.parse(fs.readFileSync(path.join(fromRestore, "db.json"), "utf8"));
    const editorId = restored.users.find((u: { username: string }) => u.username === "editor").id;
    expect(restored.sessions.some((s: { userId: string }) => s.userId === editorId)).toBe(true);
    // The backup held the notification logs from the database, and the restore put them back.
    const restoredNotes = fs.readFileSync(path.join(fromRestore, "notifications", "notifications.jsonl"), "utf8");
    expect(restoredNotes).toContain('"id":"n901"');
    expect(restoredNotes).toContain('"id":"n902"');
    expect(fs.readFileSync(path.join(fromRestore, "notifications", "outbox.jsonl"), "utf8")).toContain('"id":"dmoved1"');
    // Restoring over a database that holds data is refused without --force, and DATA_DIR is left as it was.
    const again2 = fs.mkdtempSync(path.join(os.tmpdir(), "regula-pg-restored-"));
    dirs.push(again2);
    const refusedRestore = await tsx("scripts/restore.ts", { DATA_DIR: again2, DATABASE_URL: url2 }, path.join(backupOut, archive));
    expect(refusedRestore.code).toBe(1);
    expect(refusedRestore.out).toMatch(/the database could not be restored: The database already holds data/);
    expect(fs.readdirSync(again2).filter((n) => !n.startsWith("."))).toEqual([]);

    await onA.stop();
    await onB.stop();

    // Back to files, in an empty DATA_DIR: the copy verifies, and the audit log there is whole.
    const back = fs.mkdtempSync(path.join(os.tmpdir(), "regula-back-"));
    dirs.push(back);
    const toLowdb = await migrateData(back, url, "--to", "lowdb");
    expect(toLowdb.out).toMatch(/Verified in .*regula-back-/);
    expect(toLowdb.out).toContain(`notifications 2, outbox 1, acknowledgements ${ackLines}`);
    const notesBack = fs.readFileSync(path.join(back, "notifications", "notifications.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(notesBack).toEqual([note(901), note(902)]);
    expect(toLowdb.code).toBe(0);
    const db = JSON.parse(fs.readFileSync(path.join(back, "db.json"), "utf8"));
    expect(db.users.map((u: { username: string }) => u.username)).toContain("staff");
    // The sign-ins and the sign-out on both instances are in the one audit chain that came back.
    const verify = await run(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), "scripts/audit-verify.ts"], {
      cwd: ROOT,
      env: { ...process.env, DATA_DIR: back },
    }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? "" }));
    expect(verify.stdout).toMatch(/audit log OK: \d+ entries, chain intact/);
    expect(verify.stdout).toMatch(/signed head OK/);
    const audit = fs.readFileSync(path.join(back, "audit", "audit.log"), "utf8");
    expect(audit).toContain('"action":"auth.login"');
    expect(audit).toContain('"action":"auth.logout"');
    // An installation that already holds data is not overwritten without --force.
    const refused = await migrateData(a.dataDir, url, "--to", "lowdb");
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/already holds data .* add --force/);
  }, scaled(600_000));
});
