/**
 * Backups as an administrator and an operator meet them: the portal makes one
 * on schedule, verifies it, shows it (and warns when backups are overdue or
 * failing), keeps only the newest N, lets admins download and re-verify;
 * `npm run backup` works beside a running portal without touching its data;
 * `npm run restore` brings the portal back identical in an empty DATA_DIR.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "../helpers/client";
import { healthDetails, startServer, type RunningServer } from "../helpers/server";
import { createWorld, useWorldInProcess, type World } from "../helpers/world";
import { fingerprint, gitOut, publishTestDocument, runScript, sha256, waitFor } from "./backup-helpers";

let world: World;
let server: RunningServer;
const extraDirs: string[] = [];
const extraServers: RunningServer[] = [];

const DOCS = { first: "EXE-801", second: "APR-802" };

beforeAll(async () => {
  world = await createWorld();
  await useWorldInProcess(world);
  await publishTestDocument(DOCS.first, "备份演练手册", "# 备份演练\n\n每日备份并校验。Daily backups are verified.");
  await publishTestDocument(DOCS.first, "备份演练手册", "# 备份演练\n\n每日备份并校验，保留十四份。Daily backups are verified and kept.");
  await publishTestDocument(DOCS.second, "审批规则", "# 审批规则\n\n部门负责人审批。");
  // useWorldInProcess turned the scheduler off for this process; the server needs it.
  server = await world.server({ BACKUP_RETENTION: "2", BACKUP_INTERVAL_HOURS: "24", REGULA_NO_SCHEDULER: "0" });
});

afterAll(async () => {
  for (const s of extraServers) await s.stop();
  await world?.cleanup();
  for (const d of extraDirs) fs.rmSync(d, { recursive: true, force: true });
});

async function admin(s = server) {
  const c = new Client(s.url);
  await c.login("admin");
  return c;
}

type Health = { status: string; checks: { backup: { ok: boolean; lastGood: string | null; overdue: boolean; lastFailure?: { error: string } } } };

async function health(s = server): Promise<Health> {
  return (await healthDetails<Health>(s)).body;
}

async function hooks(body: Record<string, unknown>, s = server) {
  const res = await fetch(`${s.url}/api/test-hooks`, { method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "application/json" } });
  expect(res.status).toBe(200);
}

function archives(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n.endsWith(".tar.gz")).sort() : [];
}

const backupsDir = () => path.join(world.dataDir, "backups");

describe("scheduled backups and the admin page", () => {
  it("makes a verified backup soon after the first start, holding the repository and the data", async () => {
    const h = await waitFor(async () => {
      const value = await health();
      return value.checks.backup.lastGood ? value : null;
    }, 30_000, "the first scheduled backup");
    expect(h.checks.backup.ok).toBe(true);
    const [file] = archives(backupsDir());
    expect(file).toMatch(/^regula-backup-\d{8}-\d{6}Z\.tar\.gz$/);
    // A plain tar.gz that any machine can list.
    const listing = execFileSync("tar", ["-tzf", path.join(backupsDir(), file)], { encoding: "utf8" });
    expect(listing.split("\n")).toEqual(expect.arrayContaining(["manifest.json", "repository.bundle", "data/db.json"]));
    expect(listing).not.toMatch(/^(repo|cache|search)\//m);
    const record = JSON.parse(fs.readFileSync(path.join(backupsDir(), `${file}.json`), "utf8"));
    expect(record).toMatchObject({ trigger: "scheduled", verified: { ok: true }, head: gitOut(path.join(world.dataDir, "repo"), ["rev-parse", "HEAD"]) });
    expect(record.documents).toBeGreaterThanOrEqual(2);
    expect(record.sha256).toBe(sha256(path.join(backupsDir(), file)));
  });

  it("shows the last good backup with its size and verification on the admin page", async () => {
    const c = await admin();
    const page = await c.get("/admin/backups");
    expect(page.status).toBe(200);
    const [file] = archives(backupsDir());
    expect(page.text_).toContain(file);
    expect(page.text_).toMatch(/data-testid="backup-last-good">[^<]*\d{4}/);
    expect(page.text_).toMatch(/\d+(\.\d)? KB/);
    expect(page.text_).toContain("badge-current");
    expect(page.text_).not.toContain('data-testid="backup-overdue"');
    const home = await c.get("/admin");
    expect(home.text_).toContain('href="/admin/backups"');
  });

  it("refuses the page and downloads to staff", async () => {
    const staff = new Client(server.url);
    await staff.login("staff");
    expect((await staff.get("/admin/backups")).status).toBe(403);
    const [file] = archives(backupsDir());
    expect((await staff.get(`/admin/backups/${file}`)).status).toBe(403);
  });

  it("warns when the last good backup is overdue, and catches up at the next scheduled run", async () => {
    await hooks({ advanceMs: 31 * 3600_000 });
    const c = await admin();
    const page = await c.get("/admin/backups");
    expect(page.text_).toContain('data-testid="backup-overdue"');
    const h = await health();
    expect(h.checks.backup).toMatchObject({ ok: false, overdue: true });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(503);

    await hooks({ runJobs: "backup" });
    const after = await c.get("/admin/backups");
    expect(after.text_).not.toContain('data-testid="backup-overdue"');
    expect((await health()).checks.backup.ok).toBe(true);
    expect(archives(backupsDir())).toHaveLength(2);
  });

  it("does not back up again before the interval has passed", async () => {
    const before = archives(backupsDir());
    await hooks({ runJobs: "backup" });
    expect(archives(backupsDir())).toEqual(before);
  });

  it("backs up on request, keeps only the newest BACKUP_RETENTION backups and records who asked", async () => {
    const c = await admin();
    const before = archives(backupsDir());
    await hooks({ advanceMs: 60_000 });
    const res = await c.post("/admin/backups", { intent: "backup-now" });
    expect(res.status).toBe(302);
    const made = decodeURIComponent(/made=([^&]+)/.exec(res.headers.get("location")!)![1]);
    const after = archives(backupsDir());
    expect(after).toContain(made);
    expect(after).toHaveLength(2);
    expect(after).not.toContain(before[0]);
    const page = await c.get(res.headers.get("location")!);
    expect(page.text_).toContain(made);
    expect(page.text_).toMatch(/By admin|admin 手动/);
    const audit = fs.readFileSync(path.join(world.dataDir, "audit", "audit.log"), "utf8");
    expect(audit).toContain(`"action":"backup.create","object":"backup:${made}"`);
  });

  it("lets an admin download a backup byte for byte, and logs the download", async () => {
    const c = await admin();
    const [file] = archives(backupsDir());
    const res = await fetch(`${server.url}/admin/backups/${file}`, { headers: { Cookie: c.cookieHeader() } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toContain(file);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.equals(fs.readFileSync(path.join(backupsDir(), file)))).toBe(true);
    expect((await c.get("/admin/backups/..%2Fdb.json")).status).toBe(404);
    expect((await c.get("/admin/backups/regula-backup-20000101-000000Z.tar.gz")).status).toBe(404);
    expect(fs.readFileSync(path.join(world.dataDir, "audit", "audit.log"), "utf8")).toContain(`"action":"backup.download","object":"backup:${file}"`);
  });

  it("re-verifies on request and reports a damaged archive as failed", async () => {
    const c = await admin();
    const [older, newer] = archives(backupsDir());
    const ok = await c.post("/admin/backups", { intent: "verify", file: newer });
    expect(ok.status).toBe(302);
    expect((await c.get(ok.headers.get("location")!)).text_).toMatch(/is intact|内容无损/);

    // Damage the older archive in the middle (as a failing disk would).
    const full = path.join(backupsDir(), older);
    const bytes = fs.readFileSync(full);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    fs.writeFileSync(full, bytes);
    const bad = await c.post("/admin/backups", { intent: "verify", file: older });
    expect(bad.status).toBe(302);
    const page = await c.get(bad.headers.get("location")!);
    expect(page.text_).toMatch(/failed verification|校验失败/);
    expect(page.text_).toContain("badge-retired");
    // The last good backup is still the intact one.
    expect((await health()).checks.backup.lastGood).not.toBeNull();
  });

  it("refuses a verify request for something that is not a backup", async () => {
    const c = await admin();
    const res = await c.post("/admin/backups", { intent: "verify", file: "../db.json" });
    expect(res.status).toBe(404);
  });
});

describe("npm run backup beside a running portal", () => {
  it("writes a verified backup and changes nothing else in DATA_DIR", async () => {
    const before = fingerprint(world.dataDir, ["backups"]);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "regula-backup-out-"));
    extraDirs.push(out);
    const result = await runScript("backup", ["--out", out], { DATA_DIR: world.dataDir });
    expect(result.stderr).not.toMatch(/backup:/);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Backup written: .*regula-backup-.*\.tar\.gz/);
    expect(result.stdout).toMatch(/verified OK/);
    expect(archives(out)).toHaveLength(1);
    expect(fingerprint(world.dataDir, ["backups"])).toEqual(before);
  });

  it("says clearly when DATA_DIR holds no portal data", async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "regula-empty-"));
    extraDirs.push(empty);
    const result = await runScript("backup", [], { DATA_DIR: empty });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/holds no Regula data/);
    expect(fs.readdirSync(empty)).toEqual([]);
  });
});

describe("restoring into an empty DATA_DIR", () => {
  let archive: string;
  let original: {
    head: string;
    refs: string;
    documents: unknown;
    versions: unknown;
    current: unknown;
    usersPage: string;
    auditLines: number;
    cookie: string;
  };

  function usersTable(html: string) {
    return [...html.matchAll(/<td>\s*<strong>([^<]+)<\/strong>/g)].map((m) => m[1]).sort().join(",");
  }

  beforeAll(async () => {
    // Changes made through the running portal after its start: a new user and a session.
    const c = await admin();
    const created = await c.post("/admin/users", {
      intent: "create",
      username: "restored.user",
      name: "恢复测试用户",
      email: "restored@regula.example",
      departmentId: "qa",
      roles: ["staff"],
      password: "restore-pass-1",
    });
    expect(created.status).toBe(302);
    const c2 = new Client(server.url);
    await c2.login("restored.user", "restore-pass-1");
    const repo = path.join(world.dataDir, "repo");
    original = {
      head: gitOut(repo, ["rev-parse", "HEAD"]),
      refs: gitOut(repo, ["for-each-ref"]),
      documents: (await c.json("/api/v1/documents")).body,
      versions: (await c.json(`/api/v1/documents/${DOCS.first}/versions`)).body,
      current: (await c.json(`/api/v1/documents/${DOCS.first}`)).body,
      usersPage: usersTable((await c.get("/admin/users")).text_),
      auditLines: 0,
      cookie: c.cookieHeader(),
    };
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "regula-restore-src-"));
    extraDirs.push(out);
    const result = await runScript("backup", ["--out", out], { DATA_DIR: world.dataDir });
    expect(result.code).toBe(0);
    archive = path.join(out, archives(out)[0]);
    original.auditLines = fs.readFileSync(path.join(world.dataDir, "audit", "audit.log"), "utf8").trim().split("\n").length;
  });

  it("restores, and the portal comes back with the same documents, history, users, sessions and repository", async () => {
    const target = fs.mkdtempSync(path.join(os.tmpdir(), "regula-restored-"));
    extraDirs.push(target);
    const result = await runScript("restore", [archive], { DATA_DIR: target });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Restored the backup of/);

    const repo = path.join(target, "repo");
    expect(gitOut(repo, ["rev-parse", "HEAD"])).toBe(original.head);
    expect(gitOut(repo, ["for-each-ref"])).toBe(original.refs);
    gitOut(repo, ["fsck", "--full", "--strict"]);
    // Derived indexes are not restored: the portal rebuilds them.
    expect(fs.existsSync(path.join(target, "cache"))).toBe(false);

    const restored = await startServer({ dataDir: target, env: { BACKUP_INTERVAL_HOURS: "0" } });
    extraServers.push(restored);
    expect(restored.output()).toMatch(/version index rebuilt/);
    // The session cookie from before the backup still works: same secret, same sessions.
    const res = await fetch(`${restored.url}/api/v1/documents`, { headers: { Cookie: original.cookie, Accept: "application/json" } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(original.documents);
    const c = await admin(restored);
    expect((await c.json(`/api/v1/documents/${DOCS.first}/versions`)).body).toEqual(original.versions);
    expect((await c.json(`/api/v1/documents/${DOCS.first}`)).body).toEqual(original.current);
    expect(usersTable((await c.get("/admin/users")).text_)).toBe(original.usersPage);
    const page = await c.get(`/docs/${DOCS.first}`);
    expect(page.text_).toContain("保留十四份");
    const search = await c.get(`/search?q=${encodeURIComponent("备份演练")}`);
    expect(search.text_).toContain(DOCS.first);
    // The user created through the portal before the backup can sign in.
    const u = new Client(restored.url);
    await u.login("restored.user", "restore-pass-1");
    // The audit log came back whole, chain intact.
    const restoredAudit = fs.readFileSync(path.join(target, "audit", "audit.log"), "utf8").trim().split("\n");
    expect(restoredAudit.length).toBeGreaterThanOrEqual(original.auditLines);
    const check = await runScript("backup", ["--out", path.join(target, "backups")], { DATA_DIR: target });
    expect(check.code).toBe(0);
  });

  it("refuses a DATA_DIR that is not empty, and with --force moves the old contents aside", async () => {
    const target = fs.mkdtempSync(path.join(os.tmpdir(), "regula-busy-"));
    extraDirs.push(target, `${target}.before-restore-x`);
    fs.writeFileSync(path.join(target, "db.json"), '{"users":[]}');
    const refused = await runScript("restore", [archive], { DATA_DIR: target });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/is not empty.*--force/s);
    expect(fs.readdirSync(target)).toEqual(["db.json"]);

    const forced = await runScript("restore", [archive, "--force"], { DATA_DIR: target });
    expect(forced.code).toBe(0);
    const aside = /moved to (\S+)/.exec(forced.stdout)![1];
    extraDirs.push(aside);
    expect(fs.readFileSync(path.join(aside, "db.json"), "utf8")).toBe('{"users":[]}');
    expect(gitOut(path.join(target, "repo"), ["rev-parse", "HEAD"])).toBe(original.head);
  });

  it("refuses a damaged backup and leaves DATA_DIR untouched", async () => {
    const damaged = path.join(path.dirname(archive), "damaged.tar.gz");
    const bytes = fs.readFileSync(archive);
    bytes[bytes.length - 40] ^= 0x55;
    fs.writeFileSync(damaged, bytes);
    const target = fs.mkdtempSync(path.join(os.tmpdir(), "regula-damaged-"));
    extraDirs.push(target);
    const result = await runScript("restore", [damaged], { DATA_DIR: target });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/restore: /);
    expect(fs.readdirSync(target)).toEqual([]);
  });

  it("refuses to restore under a running portal", async () => {
    const result = await runScript("restore", [archive, "--force"], { DATA_DIR: world.dataDir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/in use by/);
    expect(gitOut(path.join(world.dataDir, "repo"), ["rev-parse", "HEAD"])).toBe(original.head);
  });
});

describe("when backups cannot be written", () => {
  it("shows a clear error on the admin page and in /healthz", async () => {
    const blocker = fs.mkdtempSync(path.join(os.tmpdir(), "regula-blocker-"));
    extraDirs.push(blocker);
    fs.writeFileSync(path.join(blocker, "file"), "a file where a folder should be");
    const world2 = await createWorld();
    try {
      const s = await world2.server({ BACKUP_DIR: path.join(blocker, "file", "backups"), REGULA_NO_SCHEDULER: "0" });
      const h = await waitFor(async () => {
        const value = await health(s);
        return value.checks.backup.lastFailure ? value : null;
      }, 30_000, "the failed scheduled backup");
      expect(h.checks.backup.ok).toBe(false);
      expect(h.checks.backup.lastFailure!.error).toMatch(/is not writable \(ENOTDIR\)/);
      const c = await admin(s);
      const res = await c.post("/admin/backups", { intent: "backup-now" });
      expect(res.status).toBe(503);
      expect(res.text_).toMatch(/not writable/);
      const page = await c.get("/admin/backups");
      expect(page.text_).toContain('data-testid="backup-failure"');
      await s.stop();
    } finally {
      await world2.cleanup();
    }
  });
});
