/**
 * Two portal instances with their own DATA_DIRs, one PostgreSQL and one bare
 * git remote (decisions 111–112): what one instance publishes is readable and
 * searchable on the other at once, a notification raised on one reaches a page
 * connected to the other, both show one notification centre, one record of
 * acknowledgements and one stream history (decision 119), concurrent publications through both end in one
 * linear history the remote's `git fsck` accepts, an instance killed in the
 * middle of publications loses none that it answered and catches up when it
 * comes back, and the scheduler's leader lease moves when its holder dies.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signIn, type Client } from "../helpers/client";
import { freePort, healthDetails, startServer, type RunningServer } from "../helpers/server";
import { ROOT } from "../helpers/paths";
import { createWorld, type World } from "../helpers/world";
import { postgresBinDir, startPostgres, type TestPostgres } from "../helpers/postgres";
import { scaled } from "../helpers/time";
import { publish, waitFor } from "./notifications-receivers";

const INTERVAL_SECONDS = 2;
const NGINX = "/usr/sbin/nginx";

let pg: TestPostgres;
let remoteDir: string;
let worldA: World;
let worldB: World;
let a: RunningServer;
let b: RunningServer;

function remoteGit(...args: string[]): string {
  return execFileSync("git", ["--git-dir", remoteDir, ...args], { encoding: "utf8" });
}

function clusterEnv(): Record<string, string> {
  return {
    DATABASE_URL: pg.url,
    GIT_REMOTE: `file://${remoteDir}`,
    SCHEDULER_INTERVAL_SECONDS: String(INTERVAL_SECONDS),
  };
}

async function startInstance(world: World): Promise<RunningServer> {
  return startServer({ dataDir: world.dataDir, env: clusterEnv() });
}

async function clusterHealth(server: RunningServer) {
  const { body } = await healthDetails<{ checks: { cluster: { leader: boolean; bus: string; instance: string } } }>(server);
  return body.checks.cluster;
}

/** The unread count in the page header. */
function unreadIn(html: string): number {
  return Number(/data-testid="unread-count"[^>]*>(\d+)</.exec(html)?.[1] ?? NaN);
}

/** The notification centre's items, newest first. */
function itemIds(html: string): string[] {
  return [...html.matchAll(/<li class="notification-item[^"]*" data-id="(n\d+)"/g)].map((m) => m[1]);
}

/** A live stream on an instance, its events collected as they arrive. */
async function openStream(base: string, c: Client, lastEventId?: string) {
  const controller = new AbortController();
  const res = await fetch(`${base}/api/notifications/stream`, {
    headers: { Cookie: c.cookieHeader(), Accept: "text/event-stream", ...(lastEventId ? { "Last-Event-ID": lastEventId } : {}) },
    signal: controller.signal,
  });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const events: { event: string; id?: string; data: Record<string, unknown> }[] = [];
  const pump = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const fields = Object.fromEntries(
            block
              .split("\n")
              .filter((l) => l && !l.startsWith(":"))
              .map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trim()]),
          );
          if (fields.event) events.push({ event: fields.event, id: fields.id, data: JSON.parse(fields.data) });
        }
      }
    } catch {
      /* aborted */
    }
  })();
  return {
    events,
    close: async () => {
      controller.abort();
      await pump;
    },
  };
}

/** The document page as a signed-in reader sees it (status and text). */
async function page(c: Client, number: string) {
  const res = await c.get(`/docs/${number}`);
  return { status: res.status, text: res.text_ };
}

describe.skipIf(!postgresBinDir())("two instances on one PostgreSQL and one git remote", () => {
  let readerA: Client;
  let readerB: Client;

  beforeAll(async () => {
    pg = await startPostgres();
    remoteDir = fs.mkdtempSync(path.join(os.tmpdir(), "regula-remote-"));
    execFileSync("git", ["init", "--quiet", "--bare", "--initial-branch=main", remoteDir]);
    worldA = await createWorld();
    worldB = await createWorld();
    // A finds the remote empty and pushes its repository; B's copy of the same history matches it.
    a = await startInstance(worldA);
    b = await startInstance(worldB);
    readerA = await signIn(a.url, "qahead", { lang: null });
    readerB = await signIn(b.url, "qahead", { lang: null });
  });

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await worldA?.cleanup();
    await worldB?.cleanup();
    await pg?.stop();
    if (remoteDir) fs.rmSync(remoteDir, { recursive: true, force: true });
  });

  it("gives the remote A's history at first start, and B starts from the same main branch", async () => {
    const remoteMain = remoteGit("rev-parse", "refs/heads/main").trim();
    expect(remoteMain).toMatch(/^[0-9a-f]{40}$/);
    expect(execFileSync("git", ["--git-dir", path.join(worldB.dataDir, "repo"), "rev-parse", "refs/heads/main"], { encoding: "utf8" }).trim()).toBe(remoteMain);
  });

  it("makes a publication on A readable and searchable on B within a second", async () => {
    const title = "跨实例发布的检验规程";
    const doc = await publish(a.url, { actor: "editor", document: { title, body: "Cross-instance inspection rule, 抽检 8%。", ownerDepartment: "qa" } });
    const answered = Date.now();
    const seen = await waitFor(async () => {
      const p = await page(readerB, doc.number);
      return p.status === 200 && p.text.includes(title) ? Date.now() : 0;
    }, `${doc.number} on B`);
    const ms = seen - answered;
    console.log(`[cluster test] publication on A readable on B after ${ms} ms`);
    expect(ms).toBeLessThan(scaled(1000));
    const search = await readerB.get(`/search?q=${encodeURIComponent("跨实例发布")}`);
    expect(search.text_).toContain(doc.number);
  });

  it("brings a notification raised on A live to a page connected to B", async () => {
    const controller = new AbortController();
    const res = await fetch(`${b.url}/api/notifications/stream`, {
      headers: { Cookie: readerB.cookieHeader(), Accept: "text/event-stream" },
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    const pump = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          text += decoder.decode(value, { stream: true });
        }
      } catch {
        /* aborted */
      }
    })();
    await waitFor(() => text.includes("event: hello"), "hello on B");
    const doc = await publish(a.url, { actor: "editor", document: { title: "实时推送跨实例", body: "Live.", ownerDepartment: "qa" } });
    await waitFor(() => text.includes("event: notification") && text.includes(doc.number), "the live notification on B");
    expect(text).toContain("实时推送跨实例");
    controller.abort();
    await pump;
  });

  it("keeps one notification centre, one record of acknowledgements and one stream history for both instances", async () => {
    // A page on B sees nothing new and drops its stream; what A raises meanwhile is sent when it resumes on B.
    const s1 = await openStream(b.url, readerB);
    const hello = await waitFor(() => s1.events.find((e) => e.event === "hello"), "hello on B");
    await s1.close();
    const title = "两实例共用的通知中心";
    const doc = await publish(a.url, { actor: "editor", document: { title, body: "第一版。", ownerDepartment: "qa" } });
    await publish(a.url, { actor: "editor", change: "major", summary: "跨实例的重大变更", document: { number: doc.number, body: "第二版，改动较大。" } });

    // B's notification centre lists what A raised, with the same unread count as A's.
    const centreA = (await readerA.get("/notifications")).text_;
    expect(centreA).toContain(doc.number);
    const unreadBefore = unreadIn(centreA);
    expect(unreadBefore).toBeGreaterThanOrEqual(2);
    const centreB = await waitFor(async () => {
      const text = (await readerB.get("/notifications")).text_;
      return itemIds(text).join() === itemIds(centreA).join() && unreadIn(text) === unreadBefore ? text : "";
    }, "A's notifications in B's centre, with A's unread count");
    expect(unreadIn(centreB)).toBe(unreadBefore);

    // The stream resumed on B with Last-Event-ID gets both notifications it missed, in order.
    const s2 = await openStream(b.url, readerB, hello.id);
    await waitFor(() => s2.events.find((e) => e.event === "hello"), "hello after resuming on B");
    expect(s2.events.filter((e) => e.event === "notification").map((e) => e.data.title)).toEqual([
      `新文档 ${doc.number} ${title}（v1）`,
      `${doc.number} ${title}：v2 重大变更`,
    ]);
    await s2.close();

    // Opened and acknowledged on B: A shows the acknowledgement, and both count the two notices as read.
    expect((await readerB.get(`/docs/${doc.number}`)).status).toBe(200);
    const ack = await readerB.post(`/docs/${doc.number}/ack`, { intent: "acknowledge", version: "2" });
    expect(ack.status).toBe(302);
    await waitFor(async () => /您已于 \d{4}-\d{2}-\d{2} 确认阅读 v2/.test((await readerA.get(`/docs/${doc.number}`)).text_), "B's acknowledgement on A");
    await waitFor(async () => unreadIn((await readerA.get("/notifications")).text_) === unreadBefore - 2, "the notices read on A");
    expect(unreadIn((await readerB.get("/notifications")).text_)).toBe(unreadBefore - 2);
  });

  it("enforces on B at once a grant approved on A, and its revocation", async () => {
    const marker = "CLUSTER-GRANT-MARKER-5R2K";
    const doc = await publish(a.url, {
      actor: "editor",
      document: { title: "Supplier rebate ladder", body: `# Rebates\n\nThe ladder is ${marker}.`, ownerDepartment: "fin", confidentiality: "restricted" },
    });
    const staffA = await signIn(a.url, "staff", { lang: null });
    const staffB = await signIn(b.url, "staff", { lang: null });
    await waitFor(async () => (await page(staffB, doc.number)).status === 200, `${doc.number} on B`);
    expect((await page(staffB, doc.number)).text).not.toContain(marker);
    await staffA.get(`/access/request?number=${doc.number}`);
    const sent = await staffA.post(`/access/request?number=${doc.number}`, {
      intent: "request",
      number: doc.number,
      purpose: "Checking rebate terms for a supplier audit",
      scope: "all",
      history: "current",
      days: "14",
    });
    expect(sent.status).toBe(302);
    const id = /\/access\/requests\/([0-9a-f-]{36})/.exec(sent.headers.get("location") ?? "")?.[1];
    expect(id).toBeTruthy();
    const head = await signIn(a.url, "finhead", { lang: null });
    await head.get("/access/queue");
    expect((await head.post("/access/queue", { intent: "approve", id: id!, days: "14" })).status).toBe(302);
    // The very next request on B is decided with the grant.
    expect((await page(staffB, doc.number)).text).toContain(marker);
    const admin = await signIn(a.url, "admin", { lang: null });
    const grants = await admin.get(`/admin/access?number=${doc.number}`);
    const grantId = /name="id" value="([0-9a-f-]{36})"/.exec(grants.text_)?.[1];
    expect(grantId).toBeTruthy();
    expect((await admin.post("/admin/access", { intent: "revoke", id: grantId!, reason: "Audit finished" })).status).toBe(302);
    expect((await page(staffB, doc.number)).text).not.toContain(marker);
  });

  it("lets exactly one of 50 concurrent approvals of one proposal through both instances win", async () => {
    const doc = await publish(a.url, { actor: "editor", document: { title: "设备点检规程 并发批准", body: "每班开机前点检一次。", ownerDepartment: "ops" } });
    await waitFor(async () => (await page(readerB, doc.number)).status === 200, `${doc.number} on B`);
    const editor = await signIn(a.url, "editor", { lang: null });
    const created = await editor.post(`/docs/${doc.number}/propose`, {
      intent: "create-submit",
      change: "minor",
      summary: "交接班也点检",
      body: "每班开机前和交接班时各点检一次。",
      "audienceDepartments[]": "",
    });
    expect(created.status).toBe(302);
    const id = /\/proposals\/(P-\d+)/.exec(created.headers.get("location") ?? "")![1];
    const approverA = await signIn(a.url, "approver", { lang: null });
    const approverB = await signIn(b.url, "approver", { lang: null });
    await approverA.get(`/proposals/${id}`);
    await waitFor(async () => (await approverB.get(`/proposals/${id}`)).status === 200, "the proposal on B");
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 ? approverB : approverA).post(`/proposals/${id}`, { intent: "approve", password: "demo1234", comment: `#${i}` })),
    );
    const won = answers.filter((r) => r.status === 302 && (r.headers.get("location") ?? "").includes("done=published"));
    expect(won).toHaveLength(1);
    for (const r of answers) expect([302, 400, 409]).toContain(r.status);
    const versions = remoteGit("log", "--format=%B", "refs/heads/main").split(`Document: ${doc.number}\n`).length - 1;
    expect(versions).toBe(2);
    for (const reader of [readerA, readerB]) {
      await waitFor(async () => (await page(reader, doc.number)).text.includes("交接班时各点检一次"), "v2 on both");
    }
  });

  it("publishes 50 documents concurrently through both instances into one linear history that git fsck accepts", async () => {
    const before = Number(remoteGit("rev-list", "--count", "refs/heads/main").trim());
    const numbers = Array.from({ length: 50 }, (_, i) => `EXE-${String(700 + i).padStart(3, "0")}`);
    const results = await Promise.all(
      numbers.map((number, i) =>
        publish(i % 2 ? b.url : a.url, { actor: "editor", document: { number, category: "EXE", title: `并发发布 ${number}`, body: `Concurrent ${i}.` } }).then(
          (r) => ({ ok: true as const, r }),
          (error: Error) => ({ ok: false as const, error: error.message }),
        ),
      ),
    );
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(Number(remoteGit("rev-list", "--count", "refs/heads/main").trim())).toBe(before + 50);
    expect(remoteGit("rev-list", "--merges", "refs/heads/main").trim()).toBe("");
    const log = remoteGit("log", "--format=%B", `-50`, "refs/heads/main");
    for (const number of numbers) expect(log).toContain(`Document: ${number}`);
    execFileSync("git", ["--git-dir", remoteDir, "fsck", "--full", "--strict"], { stdio: "pipe" });
    // Both instances show every one of them.
    for (const reader of [readerA, readerB]) {
      await waitFor(async () => (await page(reader, numbers[49])).status === 200, "last of the 50");
      for (const number of [numbers[0], numbers[1], numbers[48], numbers[49]]) expect((await page(reader, number)).status).toBe(200);
    }
  });

  it("keeps every publication A answered when A is killed in the middle of publishing; B goes on; A catches up on restart", async () => {
    const numbers = Array.from({ length: 16 }, (_, i) => `EXE-${String(800 + i).padStart(3, "0")}`);
    const answered: string[] = [];
    const attempts = numbers.map((number) =>
      publish(a.url, { actor: "editor", document: { number, category: "EXE", title: `中断测试 ${number}`, body: "Kill." } }).then(
        () => void answered.push(number),
        () => undefined,
      ),
    );
    await waitFor(() => answered.length >= 3, "some answered publications");
    a.process.kill("SIGKILL");
    await Promise.all(attempts);
    expect(answered.length).toBeGreaterThanOrEqual(3);
    // B keeps serving, and has every publication A answered.
    const log = () => remoteGit("log", "--format=%B", "refs/heads/main");
    for (const number of answered) expect(log()).toContain(`Document: ${number}`);
    for (const number of answered) await waitFor(async () => (await page(readerB, number)).status === 200, `${number} on B`);
    // B publishes a new document under a number of its own: the numbers above are A's, given outright
    // (not reserved), and A may have pushed one of them after it answered its last.
    const onB = await publish(b.url, { actor: "editor", document: { number: "EXE-850", category: "EXE", title: "A 停机期间发布", body: "While A was down." } });
    execFileSync("git", ["--git-dir", remoteDir, "fsck", "--full", "--strict"], { stdio: "pipe" });
    // A comes back on the same DATA_DIR and catches up with what B published meanwhile.
    a = await startInstance(worldA);
    readerA = await signIn(a.url, "qahead", { lang: null });
    expect((await page(readerA, onB.number)).status).toBe(200);
    for (const number of answered) expect((await page(readerA, number)).status).toBe(200);
    const after = await publish(a.url, { actor: "editor", document: { title: "A 恢复后发布", body: "After restart." } });
    await waitFor(async () => (await page(readerB, after.number)).status === 200, "A's new publication on B");
  });

  it("tells an admin on the instance that does not lead that the scheduled backups are made by the other", async () => {
    const ha = await clusterHealth(a);
    const leader = ha.leader ? a : b;
    const other = ha.leader ? b : a;
    const onLeader = await (await signIn(leader.url, "admin", { lang: "zh-CN" })).get("/admin/backups");
    expect(onLeader.status).toBe(200);
    expect(onLeader.text_).not.toContain("定时备份由当前负责定时任务的实例制作");
    const onOther = await (await signIn(other.url, "admin", { lang: "zh-CN" })).get("/admin/backups");
    expect(onOther.status).toBe(200);
    expect(onOther.text_).toContain("定时备份由当前负责定时任务的实例制作");
    expect((await (await signIn(other.url, "admin", { lang: "en" })).get("/admin/backups")).text_).toContain("the scheduled backups are made by the one that runs the scheduled jobs now");
  });

  it("moves the scheduler's leader lease to the other instance within one interval when the leader is killed", async () => {
    const [ha, hb] = await Promise.all([clusterHealth(a), clusterHealth(b)]);
    expect([ha.leader, hb.leader].filter(Boolean)).toHaveLength(1);
    expect(ha.bus).toBe("connected");
    expect(hb.bus).toBe("connected");
    const leader = ha.leader ? a : b;
    const other = ha.leader ? b : a;
    leader.process.kill("SIGKILL");
    const killed = Date.now();
    await waitFor(async () => (await clusterHealth(other)).leader, "the other instance leading");
    const ms = Date.now() - killed;
    console.log(`[cluster test] leader lease moved after ${ms} ms (interval ${INTERVAL_SECONDS} s)`);
    expect(ms).toBeLessThan(scaled(INTERVAL_SECONDS * 1000 + 1000));
    if (leader === a) a = await startInstance(worldA);
    else b = await startInstance(worldB);
    // The restarted instance follows; exactly one leads.
    const [ha2, hb2] = await Promise.all([clusterHealth(a), clusterHealth(b)]);
    expect([ha2.leader, hb2.leader].filter(Boolean)).toHaveLength(1);
  });

  it.skipIf(!fs.existsSync(NGINX))("serves both instances behind nginx with the example configuration, and keeps serving when one stops", async () => {
    const prefix = fs.mkdtempSync(path.join(os.tmpdir(), "regula-nginx-"));
    for (const d of ["logs", "tmp"]) fs.mkdirSync(path.join(prefix, d));
    // As root, nginx's workers run as nobody: they must be able to write their temp folders.
    fs.chmodSync(path.join(prefix, "tmp"), 0o777);
    const port = await freePort();
    const example = fs.readFileSync(path.join(ROOT, "docs/examples/nginx-two-instances.conf"), "utf8");
    const conf = example
      .replace("127.0.0.1:3001", `127.0.0.1:${a.port}`)
      .replace("127.0.0.1:3002", `127.0.0.1:${b.port}`)
      .replace("listen 127.0.0.1:8080", `listen 127.0.0.1:${port}`);
    expect(conf).not.toBe(example);
    fs.writeFileSync(path.join(prefix, "nginx.conf"), conf);
    execFileSync(NGINX, ["-p", prefix, "-c", path.join(prefix, "nginx.conf"), "-t"], { stdio: "pipe" });
    execFileSync(NGINX, ["-p", prefix, "-c", path.join(prefix, "nginx.conf")], { stdio: "pipe" });
    const front = `http://127.0.0.1:${port}`;
    try {
      await waitFor(async () => (await fetch(`${front}/healthz`).catch(() => null))?.status === 200, "nginx answering");
      const reader = await signIn(front, "qahead", { lang: null });
      const doc = await publish(a.url, { actor: "editor", document: { title: "经负载均衡读取", body: "Behind nginx.", ownerDepartment: "qa" } });
      // nginx takes turns: once two requests in a row show the document, both instances have it (the other
      // one follows the remote within moments); then every further request through nginx shows it.
      const shown = async () => (await page(reader, doc.number)).text.includes("经负载均衡读取");
      await waitFor(async () => (await shown()) && (await shown()), "the document on both instances through nginx");
      for (let i = 0; i < 6; i++) expect((await page(reader, doc.number)).text).toContain("经负载均衡读取");
      // A live stream through nginx gets its greeting unbuffered.
      const controller = new AbortController();
      const stream = await fetch(`${front}/api/notifications/stream`, { headers: { Cookie: reader.cookieHeader() }, signal: controller.signal });
      const first = await stream.body!.getReader().read();
      expect(new TextDecoder().decode(first.value)).toContain("retry:");
      controller.abort();
      // One instance stops: the session and the pages keep working through the other.
      await b.stop();
      for (let i = 0; i < 4; i++) expect((await page(reader, doc.number)).status).toBe(200);
      b = await startInstance(worldB);
    } finally {
      try {
        execFileSync(NGINX, ["-p", prefix, "-c", path.join(prefix, "nginx.conf"), "-s", "stop"], { stdio: "pipe" });
      } catch {
        /* not running */
      }
      fs.rmSync(prefix, { recursive: true, force: true });
    }
  });
});
