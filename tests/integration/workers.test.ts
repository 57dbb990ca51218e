/**
 * WORKERS=2 started the way `npm start` starts the portal (scripts/start.mjs →
 * scripts/serve.mjs → scripts/workers.mjs, decision 113), on a real
 * PostgreSQL: both worker processes serve on the one port, a publication
 * through one is current on the other, a killed worker is started again by
 * the primary, and SIGTERM stops every process cleanly.
 *
 * node:cluster hands each new connection to the next worker; the requests
 * here open a new connection each (no keep-alive), so both workers answer.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signIn } from "../helpers/client";
import { ROOT, TEST_ENV } from "../helpers/paths";
import { postgresBinDir, startPostgres, type TestPostgres } from "../helpers/postgres";
import { freePort } from "../helpers/server";
import { scaled } from "../helpers/time";
import { createWorld, type World } from "../helpers/world";
import { waitFor } from "./notifications-receivers";

let pg: TestPostgres;
let world: World;
let primary: ChildProcess;
let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
let output = "";
let base = "";
/** Every worker pid seen, so that none outlives the test. */
const pids = new Set<number>();

/** One request on a connection of its own (so node:cluster may give it to either worker). */
function request(url: string, headers: Record<string, string> = {}, method = "GET", body?: string): Promise<{ status: number; text: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: false, headers: { Connection: "close", ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8"), headers: res.headers }));
    });
    req.on("error", reject);
    req.setTimeout(scaled(30_000), () => req.destroy(new Error(`no answer from ${url}`)));
    if (body) req.write(body);
    req.end();
  });
}

interface InstanceHealth {
  instance: string;
  pid: number;
  head: string;
  indexedHead: string;
  leader: boolean;
}

/** /healthz as a monitor reads it, from whichever worker takes the connection. */
async function healthOnce(): Promise<InstanceHealth | null> {
  const res = await request(`${base}/healthz`, { Authorization: `Bearer ${TEST_ENV.HEALTH_TOKEN}` }).catch(() => null);
  if (!res || res.status !== 200) return null;
  const body = JSON.parse(res.text) as { checks: { cluster: { instance: string; leader: boolean }; repository: { head: string; indexedHead: string } } };
  const instance = body.checks.cluster.instance;
  pids.add(Number(instance.split(":")[1]));
  return { instance, pid: Number(instance.split(":")[1]), head: body.checks.repository.head, indexedHead: body.checks.repository.indexedHead, leader: body.checks.cluster.leader };
}

/** Asks /healthz until two different workers have answered (bounded by attempts); their latest answers. */
async function bothWorkers(accept: (h: InstanceHealth) => boolean = () => true): Promise<InstanceHealth[]> {
  const seen = new Map<string, InstanceHealth>();
  return waitFor(async () => {
    const h = await healthOnce();
    if (h) seen.set(h.instance, h);
    const good = [...seen.values()].filter((x) => alive(x.pid) && accept(x));
    return good.length >= 2 ? good : null;
  }, "answers from two workers", 60_000);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!postgresBinDir())("WORKERS=2 through npm start", () => {
  beforeAll(async () => {
    pg = await startPostgres();
    world = await createWorld();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const buildDir = process.env.REGULA_TEST_BUILD;
    if (!buildDir) throw new Error("No test build: run through vitest (global setup builds the app)");
    primary = spawn(process.execPath, [path.join(ROOT, "scripts/start.mjs")], {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_ENV: "production",
        REGULA_BUILD_DIR: path.relative(ROOT, buildDir),
        PORT: String(port),
        HOST: "127.0.0.1",
        DATA_DIR: world.dataDir,
        CONTENT_DIR: path.join(ROOT, "content"),
        REGULA_TEST_HOOKS: "1",
        DEMO: "1",
        ...TEST_ENV,
        WORKERS: "2",
        DATABASE_URL: pg.url,
        SCHEDULER_INTERVAL_SECONDS: "1",
        GIT_SYNC_SECONDS: "2",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    primary.stdout!.on("data", (d) => (output += d.toString()));
    primary.stderr!.on("data", (d) => (output += d.toString()));
    primary.on("exit", (code, signal) => (exited = { code, signal }));
    await waitFor(async () => {
      if (exited) throw new Error(`npm start exited: ${JSON.stringify(exited)}\n${output}`);
      return (await healthOnce()) !== null;
    }, "the workers answering", 120_000);
  });

  afterAll(async () => {
    if (primary && !exited) {
      primary.kill("SIGKILL");
      // Workers whose primary is gone: end them too.
      for (const pid of pids) if (alive(pid)) process.kill(pid, "SIGKILL");
    }
    await world?.cleanup();
    await pg?.stop();
  });

  it("serves from both workers; a publication through one is current on the other", async () => {
    const workers = await bothWorkers();
    expect(new Set(workers.map((w) => w.pid)).size).toBe(2);
    expect(workers.filter((w) => w.leader)).toHaveLength(1);
    // The shared repository the primary made from DATA_DIR/repo.
    const shared = path.join(world.dataDir, "shared.git");
    const res = await request(`${base}/api/test-hooks/publish`, { "Content-Type": "application/json" }, "POST", JSON.stringify({ actor: "editor", document: { title: "多进程发布检验", body: "Published through one worker.", ownerDepartment: "qa" } }));
    expect(res.status, res.text).toBe(200);
    const { number } = JSON.parse(res.text) as { number: string };
    const head = execFileSync("git", ["--git-dir", shared, "rev-parse", "refs/heads/main"], { encoding: "utf8" }).trim();
    // Both workers' version indexes reach the shared head.
    await bothWorkers((h) => h.indexedHead === head);
    // A signed-in reader's session works on either worker, and either shows the document.
    const reader = await signIn(base, "qahead", { lang: null });
    for (let i = 0; i < 6; i++) {
      const page = await request(`${base}/docs/${number}`, { Cookie: reader.cookieHeader() });
      expect(page.status).toBe(200);
      expect(page.text).toContain("多进程发布检验");
    }
  }, scaled(120_000));

  it("starts a killed worker again, and the pair serves on", async () => {
    const [victim, survivor] = await bothWorkers();
    process.kill(victim.pid, "SIGKILL");
    // Asked only once the primary knows: node:cluster can hand a connection accepted in the same instant
    // to the dying worker, and that one connection then waits for the client's own timeout.
    await waitFor(() => /worker \d stopped \(SIGKILL\); starting it again/.test(output), "the primary to see the worker stop", 60_000);
    const after = await bothWorkers((h) => h.pid !== victim.pid);
    expect(after.map((h) => h.pid)).toContain(survivor.pid);
    // Exactly one of them leads the scheduled jobs.
    await waitFor(async () => {
      const now = await bothWorkers((h) => h.pid !== victim.pid);
      return now.filter((h) => h.leader).length === 1;
    }, "one leader after the restart");
  }, scaled(120_000));

  it("stops every process cleanly on SIGTERM", async () => {
    const workers = await bothWorkers();
    primary.kill("SIGTERM");
    await waitFor(() => exited !== null, "npm start to exit", 60_000);
    expect(exited).toEqual({ code: 0, signal: null });
    for (const w of workers) expect(alive(w.pid), `worker ${w.pid}`).toBe(false);
    expect(output).not.toMatch(/unhandled|uncaught/i);
  }, scaled(120_000));
});
