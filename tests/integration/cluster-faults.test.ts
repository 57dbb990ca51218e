/**
 * Faults with two instances on one PostgreSQL and one bare git remote
 * (decisions 111, 112 and 121): the scheduler's leader killed in the middle of
 * effective-date publications and of the daily digest (every job's effect
 * happens once), PostgreSQL stopped under load (clear 503s with Retry-After in
 * the reader's language, reads of published documents go on, nothing
 * half-written, the instances recover by themselves and /healthz says so), and
 * the git remote gone for a while under load (publications refused and
 * nothing left half-written, reads go on, both converge afterwards).
 *
 * Every wait is bounded by work (poll until the state is reached, with a
 * generous cap), never by a tight timing.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pgClient from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, signIn } from "../helpers/client";
import { healthDetails, startServer, type RunningServer } from "../helpers/server";
import { createWorld, type World } from "../helpers/world";
import { postgresBinDir, startPostgres, type TestPostgres } from "../helpers/postgres";
import { scaled } from "../helpers/time";
import { hook, publish, startReceiver, startSmtp, waitFor } from "./notifications-receivers";

const DAY = 86_400_000;

let pg: TestPostgres;
let remoteDir: string;
let worldA: World;
let worldB: World;
let a: RunningServer;
let b: RunningServer;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
/** The clock offset both instances run with (a restarted instance is given it again). */
let offsetMs = 0;

function remoteGit(...args: string[]): string {
  return execFileSync("git", ["--git-dir", remoteDir, ...args], {
    encoding: "utf8",
  });
}

function localMain(world: World): string {
  return execFileSync("git", ["--git-dir", path.join(world.dataDir, "repo"), "rev-parse", "refs/heads/main"], { encoding: "utf8" }).trim();
}

/**
 * A page's text as a reader sees it: tags gone, scripts left out. A document
 * number in a document's text is shown as a link to it, so "修订 EXE-008。"
 * reads as one line although the HTML has an <a> in the middle.
 */
function articleText(html: string): string {
  return html.replace(/<script[\s\S]*?<\/script>/g, " ").replace(/<[^>]+>/g, "");
}

/** How many main-line commits on the remote carry this proposal's trailer. */
function commitsOf(proposalId: string): number {
  return remoteGit("log", "--format=%B%x1e", "refs/heads/main")
    .split("\x1e")
    .filter((m) => m.split("\n").some((line) => line.trim() === `Proposal: ${proposalId}`)).length;
}

async function startInstance(world: World): Promise<RunningServer> {
  const server = await startServer({
    dataDir: world.dataDir,
    env: {
      DATABASE_URL: pg.url,
      GIT_REMOTE: `file://${remoteDir}`,
      SCHEDULER_INTERVAL_SECONDS: "1",
      DATABASE_POLL_MS: "500",
      GIT_SYNC_SECONDS: "2",
      SMTP_URL: smtp.url,
      MAIL_FROM: "Regula <regula@portal.example.test>",
    },
  });
  if (offsetMs) await hook(server.url, { offsetMs });
  return server;
}

async function setClocks(ms: number) {
  offsetMs = ms;
  await Promise.all([a, b].map((s) => hook(s.url, { offsetMs: ms })));
}

type ClusterHealth = { leader: boolean; bus: string };
async function health(server: RunningServer) {
  const { status, body } = await healthDetails<{
    ok: boolean;
    checks: {
      cluster: ClusterHealth;
      database: { ok: boolean; listening?: boolean };
      backup: { ok: boolean; lastFailure?: unknown; madeBy?: string };
    };
  }>(server);
  return { ...body, httpStatus: status };
}

async function leaderAndOther(): Promise<[RunningServer, RunningServer]> {
  return waitFor(async () => {
    const [ha, hb] = await Promise.all([health(a), health(b)]);
    if (ha.checks.cluster.leader && !hb.checks.cluster.leader) return [a, b] as [RunningServer, RunningServer];
    if (hb.checks.cluster.leader && !ha.checks.cluster.leader) return [b, a] as [RunningServer, RunningServer];
    return null;
  }, "exactly one leader");
}

/** Restarts whichever of A and B is `server` (after it was killed) on its own DATA_DIR. */
async function restart(server: RunningServer) {
  if (server === a) a = await startInstance(worldA);
  else b = await startInstance(worldB);
}

/** The JSON API as a signed-in person's page scripts use it (cookie and CSRF token). */
async function api(c: Client, method: string, url: string, body?: unknown) {
  const res = await fetch(c.baseUrl + url, {
    method,
    headers: {
      Cookie: c.cookieHeader(),
      "X-CSRF-Token": c.csrf,
      "Content-Type": "application/json",
      Origin: c.baseUrl,
      Accept: "application/json",
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: Record<string, any> = {};
  try {
    json = JSON.parse(text);
  } catch {
    json = { text };
  }
  return { status: res.status, body: json, headers: res.headers };
}

/** Audit entries in the shared database (the one chain of every instance). */
async function auditEntries(): Promise<{ action: string; object: string; details?: Record<string, unknown> }[]> {
  const client = new pgClient.Client({ connectionString: pg.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ entry: string }>("SELECT entry FROM regula_audit ORDER BY seq");
    return rows.map((r) => JSON.parse(r.entry));
  } finally {
    await client.end();
  }
}

/** A revision proposal on `number`, submitted and waiting for the ops approver (minor: one approval). */
async function submittedRevision(editor: Client, number: string, body: string, extra: Record<string, unknown> = {}): Promise<string> {
  const created = await api(editor, "POST", "/api/v1/proposals", {
    kind: "revision",
    number,
    change: "minor",
    body,
    summary: `修订 ${number}`,
    ...extra,
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const id = created.body.proposal.id as string;
  const submitted = await api(editor, "POST", `/api/v1/proposals/${id}/submit`, {});
  expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
  return id;
}

async function proposalStatus(c: Client, id: string): Promise<string> {
  const res = await api(c, "GET", `/api/v1/proposals/${id}`);
  return res.body.proposal?.status ?? `(${res.status})`;
}

/** New ops-owned documents published on A, readable on B. */
async function newDocuments(count: number, title: string): Promise<string[]> {
  const numbers: string[] = [];
  for (let i = 0; i < count; i++) {
    const doc = await publish(a.url, {
      actor: "editor",
      document: {
        title: `${title} ${i + 1}`,
        body: `# ${title}\n\n第 ${i + 1} 条。`,
        ownerDepartment: "ops",
      },
    });
    numbers.push(doc.number);
  }
  const reader = await signIn(b.url, "qahead", { lang: null });
  await waitFor(async () => (await reader.get(`/docs/${numbers[count - 1]}`)).status === 200, "the new documents on B");
  return numbers;
}

describe.skipIf(!postgresBinDir())("faults with two instances on one PostgreSQL and one git remote", () => {
  beforeAll(async () => {
    smtp = await startSmtp();
    receiver = await startReceiver();
    pg = await startPostgres();
    remoteDir = fs.mkdtempSync(path.join(os.tmpdir(), "regula-remote-"));
    execFileSync("git", ["init", "--quiet", "--bare", "--initial-branch=main", remoteDir]);
    worldA = await createWorld();
    worldB = await createWorld();
    a = await startInstance(worldA);
    b = await startInstance(worldB);
    // A webhook receives every publication: one delivery per published version is what people are told.
    const admin = await signIn(a.url, "admin", { lang: null });
    const created = await admin.post("/admin/webhooks", {
      intent: "create",
      name: "publications",
      url: `${receiver.url}/hook`,
      format: "json",
      events: ["document.published"],
      locale: "en",
      active: "on",
    });
    expect(created.status).toBe(302);
  });

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await worldA?.cleanup();
    await worldB?.cleanup();
    await pg?.stop();
    await smtp?.close();
    await receiver?.close();
    if (remoteDir) {
      fs.rmSync(remoteDir, { recursive: true, force: true });
      fs.rmSync(`${remoteDir}.away`, { recursive: true, force: true });
    }
  });

  /** Webhook deliveries per "<number>@<version>". */
  function deliveries(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const r of receiver.requests) {
      const body = JSON.parse(r.body.toString("utf8")) as {
        event: string;
        document?: { number: string; version: number };
      };
      if (body.event !== "document.published" || !body.document) continue;
      const key = `${body.document.number}@${body.document.version}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  }

  it(
    "publishes effective-date revisions exactly once when the scheduler's leader is killed in the middle",
    async () => {
      const numbers = await newDocuments(8, "生效日测试规程");
      const editor = await signIn(a.url, "editor", { lang: null });
      const approver = await signIn(b.url, "approver", { lang: null });
      const { now } = (await hook(a.url, {})) as { now: string };
      // Tomorrow in the company's time zone (UTC+8).
      const tomorrow = new Date(Date.parse(now) + 8 * 3600_000 + DAY).toISOString().slice(0, 10);
      const ids: string[] = [];
      for (const number of numbers) {
        const id = await submittedRevision(editor, number, `# 生效日测试规程\n\n修订后的条款 ${number}。`, { effectiveDate: tomorrow });
        const approved = await api(approver, "POST", `/api/v1/proposals/${id}/approve`, { password: "demo1234" });
        expect(approved.status, JSON.stringify(approved.body)).toBe(200);
        expect(approved.body.result).toBe("scheduled");
        ids.push(id);
      }
      const before = Number(remoteGit("rev-list", "--count", "refs/heads/main").trim());
      const [leader, other] = await leaderAndOther();
      // The date comes: the leader's next tick publishes them one by one; it is killed after the first few.
      await setClocks(DAY + 3600_000);
      await waitFor(() => Number(remoteGit("rev-list", "--count", "refs/heads/main").trim()) >= before + 2, "the leader publishing", 60_000);
      leader.process.kill("SIGKILL");
      await waitFor(async () => (await health(other)).checks.cluster.leader, "the other instance leading");
      // The new leader publishes the rest, and finishes one the dead leader left half-done.
      const watcher = await signIn(other.url, "editor", { lang: null });
      for (const id of ids) await waitFor(async () => (await proposalStatus(watcher, id)) === "published", `${id} published`, 60_000);
      // The dead instance comes back (and sends what its own outbox still held).
      await restart(leader);
      for (const id of ids) expect(commitsOf(id), id).toBe(1);
      const audit = await auditEntries();
      for (const [i, id] of ids.entries()) {
        expect(
          audit.filter((e) => e.action === "proposal.publish" && e.details?.proposal === id),
          `proposal.publish ${id}`
        ).toHaveLength(1);
        expect(
          audit.filter((e) => e.action === "document.publish" && e.object === numbers[i] && e.details?.version === 2),
          `document.publish ${numbers[i]}`
        ).toHaveLength(1);
      }
      await waitFor(() => numbers.every((n) => deliveries().get(`${n}@2`)), "one delivery per publication", 60_000);
      // Both instances drain their delivery queues once more: nothing is sent a second time.
      await Promise.all([a, b].map((s) => hook(s.url, { runJobs: "notifications.outbox" })));
      for (const number of numbers) expect(deliveries().get(`${number}@2`), number).toBe(1);
      expect(remoteGit("rev-list", "--merges", "refs/heads/main").trim()).toBe("");
    },
    scaled(200_000)
  );

  it(
    "sends the daily digest once per person when the leader is killed while it sends",
    async () => {
      // Editorial changes published on both instances are held for the digest.
      const numbers = await newDocuments(2, "摘要测试说明");
      for (const [i, number] of numbers.entries())
        await publish(i ? b.url : a.url, {
          actor: "editor",
          change: "minor",
          summary: "修正用词",
          document: { number },
        });
      const { now } = (await hook(a.url, {})) as { now: string };
      const shanghai = new Date(Date.parse(now) + 8 * 3600_000);
      // 09:00 the next day in the company's time zone (01:00 UTC): past the digest hour.
      const nineAm = Date.UTC(shanghai.getUTCFullYear(), shanghai.getUTCMonth(), shanghai.getUTCDate() + 1, 1, 0);
      const [leader, other] = await leaderAndOther();
      // Only this day's digests (an earlier test's clock move may have sent one for its own day).
      const first = smtp.mails.length;
      const digests = () => smtp.mails.slice(first).filter((m) => /Daily digest|每日摘要/.test(m.subject));
      await setClocks(offsetMs + (nineAm - Date.parse(now)));
      await waitFor(() => digests().length > 0, "the first digest", 60_000);
      leader.process.kill("SIGKILL");
      await waitFor(async () => (await health(other)).checks.cluster.leader, "the other instance leading");
      await restart(leader);
      // The new leader has run every job at least once after taking over: the digest is not sent again.
      await Promise.all([a, b].map((s) => hook(s.url, { runJobs: "notifications.outbox" })));
      await hook(other.url, { runJobs: "notifications.digest" });
      await Promise.all([a, b].map((s) => hook(s.url, { runJobs: "notifications.outbox" })));
      const perPerson = new Map<string, number>();
      for (const m of digests()) for (const to of m.to) perPerson.set(to, (perPerson.get(to) ?? 0) + 1);
      expect(perPerson.size).toBeGreaterThan(0);
      for (const [to, count] of perPerson) expect(count, to).toBe(1);
    },
    scaled(200_000)
  );

  it(
    "answers a clear 503 while PostgreSQL is stopped, keeps serving published documents, loses no write, and recovers by itself",
    async () => {
      const numbers = await newDocuments(12, "停库测试规程");
      const editor = await signIn(a.url, "editor", { lang: null });
      const approverA = await signIn(a.url, "approver", { lang: null });
      const approverB = await signIn(b.url, "approver", { lang: null });
      const ids: string[] = [];
      for (const number of numbers) ids.push(await submittedRevision(editor, number, `# 停库测试规程\n\n修订 ${number}。`));
      const readers = [await signIn(a.url, "staff", { lang: null }), await signIn(b.url, "staff", { lang: null })];
      const admins = [await signIn(a.url, "admin", { lang: "zh-CN" }), await signIn(b.url, "admin", { lang: "zh-CN" })];
      const approvalAnswers: {
        id: string;
        status: number;
        retryAfter: string | null;
      }[] = [];
      const readAnswers: number[] = [];
      let stop = false;
      // Load: approvals (each leads to a publication) and reads through both instances.
      const approving = (async () => {
        for (const [i, id] of ids.entries()) {
          if (i > 0) await new Promise((r) => setTimeout(r, 300));
          const res = await api(i % 2 ? approverB : approverA, "POST", `/api/v1/proposals/${id}/approve`, { password: "demo1234" });
          approvalAnswers.push({
            id,
            status: res.status,
            retryAfter: res.headers.get("Retry-After"),
          });
        }
      })();
      const reading = (async () => {
        for (let i = 0; !stop; i++) {
          const res = await readers[i % 2].get(`/docs/${numbers[i % numbers.length]}`);
          readAnswers.push(res.status);
        }
      })();
      await waitFor(() => approvalAnswers.length >= 2, "approvals under way");
      await pg.kill();
      const stopped = Date.now();
      let down = true;
      try {
        // While it is stopped: the pages say so in the reader's language, the API in its documented shape.
        await waitFor(
          async () => (await health(a)).checks.database.ok === false && (await health(b)).checks.database.ok === false,
          "both instances reporting the outage"
        );
        const healthDown = await health(a);
        expect(healthDown.httpStatus).toBe(503);
        const zh = new Client(b.url);
        zh.cookies.set("regula_lang", "zh-CN");
        await zh.get("/login");
        const login = await zh.post("/login", {
          username: "staff",
          password: "demo1234",
          redirectTo: "/",
        });
        expect(login.status).toBe(503);
        expect(login.headers.get("Retry-After")).toBeTruthy();
        expect(login.text_).toContain("无法连接共享数据库");
        const apiRefused = await api(editor, "POST", "/api/v1/proposals", {
          kind: "revision",
          number: numbers[0],
          change: "minor",
          body: "# x\n\ny\n",
          summary: "停库期间",
        });
        expect(apiRefused.status).toBe(503);
        expect(apiRefused.body.error.code).toBe("unavailable");
        expect(apiRefused.headers.get("Retry-After")).toBeTruthy();
        // Published documents are read from the local clone (nothing is written to read them).
        for (const reader of readers) expect((await reader.get(`/docs/${numbers[0]}`)).status).toBe(200);
        // A backup asked for now fails on either instance, says so, and is kept as failed: whichever instance
        // leads afterwards makes it again once the database is back (its health below needs a good backup).
        for (const [i, admin] of admins.entries()) {
          const backup = await admin.post("/admin/backups", { intent: "backup-now" });
          expect(backup.status).toBe(503);
          expect(backup.text_).toContain("无法连接共享数据库");
          expect((await health([a, b][i])).checks.backup.lastFailure).toBeTruthy();
        }
        // About ten seconds down, then back.
        const left = scaled(10_000) / 3 - (Date.now() - stopped);
        if (left > 0) await new Promise((r) => setTimeout(r, left));
        await pg.restart();
        down = false;
      } finally {
        if (down) await pg.restart();
        await approving;
        stop = true;
        await reading;
      }
      // Every answer was a success or a clear 503 (never a 500, never a hang).
      for (const answer of approvalAnswers) {
        expect([200, 503], JSON.stringify(answer)).toContain(answer.status);
        if (answer.status === 503) expect(answer.retryAfter).toBeTruthy();
      }
      expect(readAnswers.filter((s) => s !== 200)).toEqual([]);
      // Recovery without a restart: the database reached again, the bus listening, one leader.
      let lastSeen: unknown = null;
      await waitFor(
        async () => {
          const [ha, hb] = await Promise.all([health(a), health(b)]);
          lastSeen = { a: ha, b: hb };
          return (
            ha.httpStatus === 200 &&
            hb.httpStatus === 200 &&
            ha.checks.database.ok &&
            hb.checks.database.ok &&
            ha.checks.cluster.bus === "connected" &&
            hb.checks.cluster.bus === "connected"
          );
        },
        "both instances healthy again",
        60_000
      ).catch((error: Error) => {
        // Which check stayed failed says where recovery stopped.
        throw new Error(`${error.message}; last health: ${JSON.stringify(lastSeen)}`);
      });
      await leaderAndOther();
      // Nothing half-written: a proposal is published exactly when its commit is on the remote, with its records
      // (the leader finishes one whose publisher lost the database between its push and its bookkeeping).
      await waitFor(
        async () => {
          for (const id of ids) if ((commitsOf(id) === 1) !== ((await proposalStatus(editor, id)) === "published")) return false;
          return true;
        },
        "every proposal level with the main line",
        60_000
      );
      const audit = await auditEntries();
      for (const [i, id] of ids.entries()) {
        expect(commitsOf(id), id).toBeLessThanOrEqual(1);
        const published = commitsOf(id) === 1;
        expect(
          audit.filter((e) => e.action === "proposal.publish" && e.details?.proposal === id),
          id
        ).toHaveLength(published ? 1 : 0);
        expect(
          audit.filter((e) => e.action === "document.publish" && e.object === numbers[i]),
          numbers[i]
        ).toHaveLength(published ? 2 : 1);
        // What was answered done is done.
        if (approvalAnswers.find((x) => x.id === id)?.status === 200) expect(published, id).toBe(true);
      }
      // The ones refused during the outage can be approved now, through either instance.
      for (const [i, id] of ids.entries()) {
        if ((await proposalStatus(editor, id)) !== "in-review") continue;
        const res = await api(i % 2 ? approverB : approverA, "POST", `/api/v1/proposals/${id}/approve`, { password: "demo1234" });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        expect(commitsOf(id)).toBe(1);
      }
      // A sign-in works again.
      await signIn(b.url, "staff", { lang: "zh-CN" });
    },
    scaled(200_000)
  );

  it(
    "refuses publications while the git remote is gone, leaves nothing half-written, keeps reading, and converges afterwards",
    async () => {
      const numbers = await newDocuments(4, "远端测试规程");
      const editor = await signIn(a.url, "editor", { lang: null });
      const approverA = await signIn(a.url, "approver", { lang: "zh-CN" });
      const approverB = await signIn(b.url, "approver", { lang: null });
      const ids: string[] = [];
      for (const number of numbers) ids.push(await submittedRevision(editor, number, `# 远端测试规程\n\n修订 ${number}。`));
      const readers = [await signIn(a.url, "staff", { lang: null }), await signIn(b.url, "staff", { lang: null })];
      const headBefore = remoteGit("rev-parse", "refs/heads/main").trim();
      fs.renameSync(remoteDir, `${remoteDir}.away`);
      try {
        // Approvals through both instances at once, while reads go on.
        const answers = await Promise.all(
          ids.slice(0, 2).map((id, i) => api(i % 2 ? approverB : approverA, "POST", `/api/v1/proposals/${id}/approve`, { password: "demo1234" }))
        );
        for (const res of answers) {
          expect(res.status, JSON.stringify(res.body)).toBe(503);
          expect(res.headers.get("Retry-After")).toBeTruthy();
          expect(res.body.error.message).toContain("shared document repository cannot be reached");
        }
        // The approval page in Chinese says the same.
        await approverA.get(`/proposals/${ids[2]}`);
        const form = await approverA.post(`/proposals/${ids[2]}`, {
          intent: "approve",
          password: "demo1234",
          comment: "",
        });
        expect(form.status).toBe(503);
        expect(form.text_).toContain("无法连接共享文档仓库");
        for (let i = 0; i < 6; i++) {
          const number = numbers[i % numbers.length];
          const page = await readers[i % 2].get(`/docs/${number}`);
          expect(page.status).toBe(200);
          // Still the published version: nothing of a refused revision shows.
          expect(articleText(page.text_)).not.toContain(`修订 ${number}。`);
        }
        for (const id of ids.slice(0, 3)) expect(await proposalStatus(editor, id)).toBe("in-review");
      } finally {
        fs.renameSync(`${remoteDir}.away`, remoteDir);
      }
      // Nothing was written: the remote did not move, and no instance has a local commit the remote lacks.
      expect(remoteGit("rev-parse", "refs/heads/main").trim()).toBe(headBefore);
      expect(localMain(worldA)).toBe(headBefore);
      expect(localMain(worldB)).toBe(headBefore);
      const audit = await auditEntries();
      for (const id of ids) expect(audit.filter((e) => e.action === "proposal.publish" && e.details?.proposal === id)).toEqual([]);
      // Back: every approval publishes, through either instance, and both converge on one main line.
      for (const [i, id] of ids.entries()) {
        const res = await api(i % 2 ? approverB : approverA, "POST", `/api/v1/proposals/${id}/approve`, { password: "demo1234" });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        expect(res.body.result).toBe("published");
      }
      const head = remoteGit("rev-parse", "refs/heads/main").trim();
      await waitFor(() => localMain(worldA) === head && localMain(worldB) === head, "both instances on the remote's main line", 60_000);
      // The version index follows the fetch at once; each instance shows every new version.
      for (const reader of readers)
        for (const number of numbers)
          await waitFor(async () => articleText((await reader.get(`/docs/${number}`)).text_).includes(`修订 ${number}。`), `${number} v2 on ${reader.baseUrl}`);
      execFileSync("git", ["--git-dir", remoteDir, "fsck", "--full", "--strict"], { stdio: "pipe" });
    },
    scaled(200_000)
  );
});
