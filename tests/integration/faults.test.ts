/**
 * Faults and load: the portal is killed with SIGKILL at random moments while
 * it publishes and while it saves records, runs out of disk space, or gets a
 * DATA_DIR it cannot write. Afterwards git fsck is clean, the database
 * parses, everything reported done is there, nothing is half-applied, and the
 * derived indexes are rebuilt. Concurrent requests lose no update.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Client } from "../helpers/client";
import { ROOT } from "../helpers/paths";
import { healthDetails } from "../helpers/server";
import { createWorld, type World } from "../helpers/world";
import { gitOut } from "./backup-helpers";
import { scaled } from "../helpers/time";

const worlds: World[] = [];
const mounts: string[] = [];
afterAll(async () => {
  for (const w of worlds) await w.cleanup().catch(() => {});
  for (const m of mounts) {
    spawnSync("umount", ["-l", m]);
    fs.rmSync(m, { recursive: true, force: true });
  }
});

async function newWorld(): Promise<World> {
  const w = await createWorld();
  worlds.push(w);
  return w;
}

/** A small seeded random generator, so a failing run can be repeated (the seed is in the test name's output). */
function rng(seed: number) {
  // mulberry32: small, and its consecutive draws are not correlated (a plain LCG's were).
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface WorkerRun {
  ok: { number: string; version: number; commit: string }[];
  begun: number;
  output: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * When to kill the worker, by how far its work has got rather than by the clock: after it
 * prints BOOT (it is starting up) or begins its n-th publication, plus a random moment of up to
 * `jitterMs` so that the kill lands at different steps of that work. null = let it finish.
 */
type KillPoint = { at: "boot" } | { at: "publication"; n: number };

/** Runs the publishing worker, killing it with SIGKILL at `kill` (see KillPoint). */
function runWorker(dataDir: string, args: string[], kill: (KillPoint & { jitterMs: number }) | null, extraEnv: Record<string, string> = {}): Promise<WorkerRun> {
  return new Promise((resolve) => {
    // tsx as a loader inside this one process (the tsx command would run the script in a child that SIGKILL does not reach).
    const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "tests/integration/faults-worker.ts"), ...args], {
      cwd: ROOT,
      env: { ...process.env, DATA_DIR: dataDir, CONTENT_DIR: path.join(ROOT, "content"), REGULA_NO_SCHEDULER: "1", REGULA_PROCESS_NAME: "the fault-test writer", BACKUP_INTERVAL_HOURS: "0", ...extraEnv },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let timer: NodeJS.Timeout | null = null;
    const reached = () => {
      if (!kill) return false;
      if (kill.at === "boot") return /^BOOT$/m.test(out);
      return (out.match(/^BEGIN /gm) ?? []).length >= kill.n;
    };
    child.stdout.on("data", (d) => {
      out += d.toString();
      if (kill && !timer && reached()) timer = setTimeout(() => child.kill("SIGKILL"), kill.jitterMs);
    });
    child.stderr.on("data", (d) => (out += d.toString()));
    child.on("exit", (code, signal) => {
      if (timer) clearTimeout(timer);
      const ok = [...out.matchAll(/^OK (\S+) (\d+) ([0-9a-f]{40})$/gm)].map((m) => ({ number: m[1], version: Number(m[2]), commit: m[3] }));
      resolve({ ok, begun: (out.match(/^BEGIN /gm) ?? []).length, output: out, code, signal });
    });
  });
}

/** Every version on main per document, from native git (the source of truth). */
function mainLineVersions(repo: string, prefix: string): Map<string, { version: number; commit: string }[]> {
  const log = gitOut(repo, ["log", "--first-parent", "--reverse", "--format=%H%x1f%B%x1e", "main"]);
  const out = new Map<string, { version: number; commit: string }[]>();
  for (const entry of log.split("\x1e")) {
    const [commit, message] = entry.trim().split("\x1f");
    if (!commit || !message) continue;
    const doc = /^Document: (\S+)$/m.exec(message)?.[1];
    const version = Number(/^Version: (\d+)$/m.exec(message)?.[1]);
    if (!doc?.startsWith(prefix)) continue;
    const list = out.get(doc) ?? [];
    list.push({ version, commit: commit.trim() });
    out.set(doc, list);
  }
  return out;
}

function canMount(): boolean {
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), "regula-mount-probe-"));
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", probe]);
  if (r.status === 0) spawnSync("umount", [probe]);
  fs.rmSync(probe, { recursive: true, force: true });
  return r.status === 0;
}
const MOUNT = canMount();

describe("SIGKILL during publications", () => {
  it("keeps every reported publication, applies none by half, and rebuilds the indexes after restart", async () => {
    const world = await newWorld();
    const seed = Number(process.env.FAULT_SEED ?? Date.now() % 100000);
    const random = rng(seed);
    const reported: WorkerRun["ok"] = [];
    let kills = 0;
    let killedDuringStart = 0;
    // Bounded by work, not by the clock: 10 rounds, each killed at a point of its work (2 while
    // starting up, 8 during their 2nd to 5th publication), then one round that finishes.
    // However slow the machine, that is 11 writer starts and at most ~50 publication attempts
    // (12 rounds took 5 minutes at a load average of 20; the loop it replaces timed out at 10).
    const ROUNDS = 10;
    for (let round = 0; round < ROUNDS; round++) {
      const during = round % 5 === 4;
      const kill: KillPoint = during ? { at: "boot" } : { at: "publication", n: 2 + Math.floor(random() * 4) };
      const run = await runWorker(world.dataDir, ["MON-9", "8", "400"], { ...kill, jitterMs: Math.floor(random() * (during ? 400 : 120)) });
      if (run.code !== null && run.code !== 0) throw new Error(`writer failed (seed ${seed}):\n${run.output.slice(-2000)}`);
      reported.push(...run.ok);
      if (run.signal === "SIGKILL") {
        kills++;
        if (during) killedDuringStart++;
      }
    }
    // A last writer, not killed, continues from whatever the kills left and finishes its work.
    const onMain = [...mainLineVersions(path.join(world.dataDir, "repo"), "MON-9").values()].reduce((n, list) => n + list.length, 0);
    const last = await runWorker(world.dataDir, ["MON-9", "8", String(onMain + 4)], null);
    expect(last.ok.length, `seed ${seed}`).toBe(4);
    expect(last.output, `seed ${seed}`).toContain("DONE");
    reported.push(...last.ok);
    expect(kills, `seed ${seed}`).toBe(ROUNDS);
    expect(reported.length, `seed ${seed}`).toBeGreaterThanOrEqual(8 + 4);

    const repo = path.join(world.dataDir, "repo");
    // The repository is intact for native git.
    execFileSync("git", ["-C", repo, "fsck", "--full", "--strict", "--no-progress"], { stdio: "pipe" });
    // The database parses.
    expect(() => JSON.parse(fs.readFileSync(path.join(world.dataDir, "db.json"), "utf8"))).not.toThrow();

    // Nothing half-applied: each document's versions on main are 1..n, once each, and each file parses.
    const versions = mainLineVersions(repo, "MON-9");
    for (const [number, list] of versions) {
      expect(list.map((v) => v.version), `${number} (seed ${seed})`).toEqual(list.map((_, i) => i + 1));
      const last = list[list.length - 1];
      const text = gitOut(repo, ["show", `${last.commit}:documents/MON/${number}.md`]);
      expect(text).toContain(`第 ${last.version} 版`);
    }
    // Every publication reported done is on the main line, with the commit that was reported.
    for (const r of reported) {
      const found = versions.get(r.number)?.find((v) => v.version === r.version);
      expect(found?.commit, `${r.number} v${r.version} (seed ${seed})`).toBe(r.commit);
    }

    // After a restart the portal's derived indexes agree with git.
    const server = await world.server({ REGULA_NO_SCHEDULER: "1", BACKUP_INTERVAL_HOURS: "0" });
    const health = (
      await healthDetails<{ checks: { repository: { head: string; indexCurrent: boolean }; search: { ok: boolean; head?: string } } }>(server)
    ).body;
    const head = gitOut(repo, ["rev-parse", "main"]);
    expect(health.checks.repository).toMatchObject({ head, indexCurrent: true });
    expect(health.checks.search.ok).toBe(true);
    if (health.checks.search.head !== undefined) expect(health.checks.search.head).toBe(head);
    const c = new Client(server.url);
    await c.login("staff");
    for (const [number, list] of versions) {
      const api = await c.json<{ current: number; versions: { version: number; commit: string }[] }>(`/api/v1/documents/${number}/versions`);
      expect(api.status).toBe(200);
      expect(api.body.current).toBe(list.length);
      expect(api.body.versions.map((v) => v.commit).reverse()).toEqual(list.map((v) => v.commit));
    }
    // The newest text of a document is what search finds.
    const [someNumber, someList] = [...versions][0];
    const search = await c.get(`/search?q=${encodeURIComponent(`Revision ${someList.length} of ${someNumber}`)}`);
    expect(search.text_).toContain(someNumber);
    console.log(`[faults] seed ${seed}: ${reported.length} publications reported, ${kills} kills (${killedDuringStart} during start-up)`);
  }, scaled(180_000));
});

describe("SIGKILL while saving records through HTTP", () => {
  it("keeps every account whose creation was answered, and the database still parses", async () => {
    const world = await newWorld();
    const server = await world.server({ REGULA_NO_SCHEDULER: "1", BACKUP_INTERVAL_HOURS: "0" });
    const admin = new Client(server.url);
    await admin.login("admin");
    const acknowledged: string[] = [];
    const attempts = Array.from({ length: 40 }, (_, i) => `crash${String(i).padStart(2, "0")}`);
    const killAt = 15 + Math.floor(Math.random() * 15);
    let sent = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (sent < attempts.length) {
          const username = attempts[sent++];
          if (sent === killAt) server.process.kill("SIGKILL");
          try {
            const res = await admin.post("/admin/users", {
              intent: "create",
              username,
              name: `崩溃测试 ${username}`,
              email: `${username}@regula.example`,
              departmentId: "qa",
              roles: ["staff"],
              password: "crash-test-1",
            });
            if (res.status === 302) acknowledged.push(username);
          } catch {
            /* the server is gone */
          }
        }
      }),
    );
    expect(acknowledged.length).toBeGreaterThan(0);
    expect(acknowledged.length).toBeLessThan(attempts.length);
    const db = JSON.parse(fs.readFileSync(path.join(world.dataDir, "db.json"), "utf8")) as { users: { username: string }[] };
    const saved = new Set(db.users.map((u) => u.username));
    for (const u of acknowledged) expect(saved.has(u), u).toBe(true);

    const again = await world.server({ REGULA_NO_SCHEDULER: "1", BACKUP_INTERVAL_HOURS: "0" });
    const c = new Client(again.url);
    await c.login(acknowledged[0], "crash-test-1");
    expect((await c.get("/")).status).toBe(200);
  });
});

describe("concurrent requests", () => {
  it("50 concurrent account creations and 50 concurrent sign-ins lose no update", async () => {
    const world = await newWorld();
    const server = await world.server({ REGULA_NO_SCHEDULER: "1", BACKUP_INTERVAL_HOURS: "0" });
    const admin = new Client(server.url);
    await admin.login("admin");
    const names = Array.from({ length: 50 }, (_, i) => `conc${String(i).padStart(2, "0")}`);
    const results = await Promise.all(
      names.map((username) =>
        admin.post("/admin/users", {
          intent: "create",
          username,
          name: `并发 ${username}`,
          email: `${username}@regula.example`,
          departmentId: "ops",
          roles: ["staff"],
          password: "concurrent-1",
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(names.map(() => 302));
    const clients = names.map(() => new Client(server.url));
    await Promise.all(clients.map((c, i) => c.login(names[i], "concurrent-1")));
    const homes = await Promise.all(clients.map((c) => c.get("/")));
    expect(homes.map((h) => h.status)).toEqual(names.map(() => 200));
    await server.stop();
    const db = JSON.parse(fs.readFileSync(path.join(world.dataDir, "db.json"), "utf8")) as {
      users: { id: string; username: string }[];
      sessions: { userId: string }[];
    };
    const ids = new Map(db.users.map((u) => [u.username, u.id]));
    for (const n of names) {
      expect(ids.has(n), n).toBe(true);
      expect(db.sessions.some((s) => s.userId === ids.get(n)), `${n}'s session`).toBe(true);
    }
  });
});

/** JSON POST with the browser's protections (same Origin, CSRF header from the session). */
async function postJson(c: Client, path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(c.baseUrl + path, {
    method: "POST",
    headers: {
      Cookie: c.cookieHeader(),
      "Content-Type": "application/json",
      Accept: "application/json",
      Origin: c.baseUrl,
      "X-CSRF-Token": c.csrf,
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = { text };
  }
  return { status: res.status, body: parsed };
}

describe("access requests and approvals under load and SIGKILL", () => {
  it("50 concurrent requests and approvals lose nothing, and approvals answered before a SIGKILL survive it", async () => {
    const world = await newWorld();
    const doc = await runWorker(world.dataDir, ["EXE-9", "1", "1"], null, { FAULT_OWNER: "ops", FAULT_CONFIDENTIALITY: "restricted" });
    expect(doc.output).toContain("DONE");
    const number = "EXE-900";
    const env = { REGULA_NO_SCHEDULER: "1", BACKUP_INTERVAL_HOURS: "0" };
    const server = await world.server(env);
    const admin = new Client(server.url);
    await admin.login("admin");
    const names = Array.from({ length: 50 }, (_, i) => `req${String(i).padStart(2, "0")}`);
    const created = await Promise.all(
      names.map((username) =>
        admin.post("/admin/users", {
          intent: "create",
          username,
          name: `申请人 ${username}`,
          email: `${username}@regula.example`,
          departmentId: "qa",
          roles: ["staff"],
          password: "request-pass-1",
        }),
      ),
    );
    expect(created.map((r) => r.status)).toEqual(names.map(() => 302));
    const requesters = names.map(() => new Client(server.url));
    await Promise.all(requesters.map((c, i) => c.login(names[i], "request-pass-1")));

    // 50 requests at once: every one is recorded.
    const submitted = await Promise.all(
      requesters.map((c) => postJson(c, "/api/v1/access/requests", { number, purpose: "季度审计需要查阅该文件 (quarterly audit)", days: 7 })),
    );
    expect(submitted.map((r) => r.status)).toEqual(names.map(() => 201));
    const ids = submitted.map((r) => (r.body.request as { id: string }).id);
    expect(new Set(ids).size).toBe(50);

    // Half approved at once: every approval is recorded, none overwrites another.
    const approver = new Client(server.url);
    await approver.login("approver");
    const firstHalf = await Promise.all(ids.slice(0, 25).map((id) => postJson(approver, `/api/v1/access/requests/${id}`, { decision: "approve", days: 7 })));
    expect(firstHalf.map((r) => r.status)).toEqual(ids.slice(0, 25).map(() => 200));

    // The other half while the server is killed part-way.
    const acknowledged = new Set(ids.slice(0, 25));
    const killAt = 5 + Math.floor(Math.random() * 15);
    let sent = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (sent < 25) {
          const id = ids[25 + sent++];
          if (sent === killAt) server.process.kill("SIGKILL");
          try {
            const r = await postJson(approver, `/api/v1/access/requests/${id}`, { decision: "approve", days: 7 });
            if (r.status === 200) acknowledged.add(id);
          } catch {
            /* the server is gone */
          }
        }
      }),
    );
    expect(acknowledged.size).toBeLessThan(50);
    expect(() => JSON.parse(fs.readFileSync(path.join(world.dataDir, "db.json"), "utf8"))).not.toThrow();

    // After a restart: every answered approval is there and lets its requester read; the rest are
    // either still pending (and the requester cannot read) or fully approved — never in between.
    const again = await world.server(env);
    const readers = names.map(() => new Client(again.url));
    await Promise.all(readers.map((c, i) => c.login(names[i], "request-pass-1")));
    const states = await Promise.all(
      readers.map(async (c, i) => {
        const mine = await c.json<{ requests: { id: string; status: string }[] }>("/api/v1/access/requests");
        const status = mine.body.requests.find((r) => r.id === ids[i])?.status;
        const read = await c.json(`/api/v1/documents/${number}`);
        return { id: ids[i], status, read: read.status };
      }),
    );
    for (const s of states) {
      if (acknowledged.has(s.id)) expect(s, s.id).toMatchObject({ status: "approved", read: 200 });
      else if (s.status === "approved") expect(s.read, s.id).toBe(200);
      else expect(s, s.id).toMatchObject({ status: "pending", read: 403 });
    }
  }, scaled(180_000));
});

describe("a DATA_DIR that cannot be written", () => {
  it("refuses to start with a clear message when DATA_DIR is not a folder", async () => {
    const world = await newWorld();
    const file = path.join(world.dataDir, "not-a-folder");
    fs.writeFileSync(file, "x");
    await expect(world.server({ DATA_DIR: file })).rejects.toThrow(/DATA_DIR .*not-a-folder is not writable/);
  });

  it.skipIf(!MOUNT)("refuses to start on a read-only DATA_DIR and changes nothing in it", async () => {
    const world = await newWorld();
    const ro = fs.mkdtempSync(path.join(os.tmpdir(), "regula-ro-"));
    execFileSync("mount", ["--bind", world.dataDir, ro]);
    mounts.push(ro);
    execFileSync("mount", ["-o", "remount,ro,bind", ro]);
    const before = execFileSync("find", [ro, "-type", "f", "-printf", "%P %s %T@\\n"], { encoding: "utf8" });
    await expect(world.server({ DATA_DIR: ro })).rejects.toThrow(/is not writable \(EROFS\)/);
    expect(execFileSync("find", [ro, "-type", "f", "-printf", "%P %s %T@\\n"], { encoding: "utf8" })).toBe(before);
  });
});

describe("a full disk", () => {
  it.skipIf(!MOUNT)("answers with a clear error, corrupts nothing, and works again once space is freed", async () => {
    const world = await newWorld();
    const disk = fs.mkdtempSync(path.join(os.tmpdir(), "regula-full-"));
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=24m", "tmpfs", disk]);
    mounts.push(disk);
    const dataDir = path.join(disk, "data");
    fs.cpSync(world.dataDir, dataDir, { recursive: true });
    // A first publication so the repository and indexes exist on this disk.
    const first = await runWorker(dataDir, ["ACC-9", "1", "1"], null);
    expect(first.output).toContain("DONE");
    const server = await world.server({ DATA_DIR: dataDir, REGULA_NO_SCHEDULER: "1", BACKUP_INTERVAL_HOURS: "0" });
    const admin = new Client(server.url);
    await admin.login("admin");
    const headBefore = gitOut(path.join(dataDir, "repo"), ["rev-parse", "main"]);
    const dbBefore = fs.readFileSync(path.join(dataDir, "db.json"), "utf8");

    // Fill the disk to the last byte.
    const filler = path.join(disk, "filler");
    spawnSync("dd", ["if=/dev/zero", `of=${filler}`, "bs=1M", "count=64"], { stdio: "ignore" });
    spawnSync("dd", ["if=/dev/zero", `of=${filler}-2`, "bs=4k", "count=4096"], { stdio: "ignore" });

    const res = await admin.post("/admin/users", {
      intent: "create",
      username: "nospace",
      name: "磁盘已满",
      email: "nospace@regula.example",
      departmentId: "qa",
      roles: ["staff"],
      password: "no-space-1",
    });
    expect(res.status).toBe(503);
    expect(res.text_).toMatch(/(Could not save changes: |无法保存更改：)ENOSPC/);
    // The portal still reads.
    expect((await admin.get("/admin/users")).status).toBe(200);
    const backupNow = await admin.post("/admin/backups", { intent: "backup-now" });
    expect(backupNow.status).toBe(503);
    expect(backupNow.text_).toMatch(/not enough free space|没有足够的空间/);
    await server.stop();

    // Publishing on a full disk fails cleanly: the branch does not move.
    const pub = await runWorker(dataDir, ["ACC-9", "1", "2", "once"], null);
    expect(pub.output).toMatch(/ERROR ACC-900 2 .*ENOSPC|FATAL .*ENOSPC/);
    expect(gitOut(path.join(dataDir, "repo"), ["rev-parse", "main"])).toBe(headBefore);

    // Nothing is corrupted.
    execFileSync("git", ["-C", path.join(dataDir, "repo"), "fsck", "--full", "--strict", "--no-progress"], { stdio: "pipe" });
    expect(fs.readFileSync(path.join(dataDir, "db.json"), "utf8")).toBe(dbBefore);
    expect(fs.readdirSync(path.join(dataDir, "backups")).filter((n) => !n.startsWith("last-failure"))).toEqual([]);

    // With space freed, everything works again, including the publication that failed.
    fs.rmSync(filler, { force: true });
    fs.rmSync(`${filler}-2`, { force: true });
    const retry = await runWorker(dataDir, ["ACC-9", "1", "2"], null);
    expect(retry.output).toContain("OK ACC-900 2");
    const again = await world.server({ DATA_DIR: dataDir, REGULA_NO_SCHEDULER: "1", BACKUP_INTERVAL_HOURS: "0" });
    const c = new Client(again.url);
    await c.login("admin");
    const created = await c.post("/admin/users", {
      intent: "create",
      username: "nospace",
      name: "磁盘已满",
      email: "nospace@regula.example",
      departmentId: "qa",
      roles: ["staff"],
      password: "no-space-1",
    });
    expect(created.status).toBe(302);
    await again.stop();
  }, scaled(180_000));
});
