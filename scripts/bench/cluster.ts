/**
 * Several instances (decisions 111–113), when PostgreSQL's server programs are
 * installed: a throwaway PostgreSQL, then in the same run
 * - the document page under load from one process, and from WORKERS=2 on the
 *   same machine (target: at least 1.5× the one process);
 * - publishing end to end with PostgreSQL and a file:// git remote (target p95 < 150 ms);
 * - sign-in through the form and a signed approval through the API (target p95 < 50 ms), with the
 *   password check alone as the reference.
 * The page load comes from wrk when it is installed (Debian package `wrk`), else from this process.
 * Each configuration starts on its own empty DATA_DIR (the demo installation).
 * Alone: `BENCH_BUILD_DIR=<build> npx tsx scripts/bench/cluster.ts`.
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { scryptSync, randomBytes } from "node:crypto";
import { postgresBinDir, startPostgres } from "../../tests/helpers/postgres";
import { get, runLoad, summarize, type LoadResult } from "./load";
import { freePort, startPortal, type BenchServer } from "./server";

type Row = (measure: string, result: string, target?: string, ok?: boolean | null) => void;

async function signIn(base: string, username: string, timed?: (ms: number) => void): Promise<Record<string, string>> {
  const page = await fetch(`${base}/login`);
  const html = await page.text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? "";
  const cookies = new Map<string, string>();
  const keep = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      cookies.set(pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1));
    }
  };
  keep(page);
  const cookie = () => [...cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  const started = performance.now();
  const res = await fetch(`${base}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: cookie(), Origin: base },
    body: new URLSearchParams({ username, password: "demo1234", redirectTo: "/", _csrf: csrf }),
  });
  await res.arrayBuffer();
  timed?.(performance.now() - started);
  keep(res);
  if (res.status !== 302) throw new Error(`sign-in as ${username} failed: ${res.status}`);
  return { Cookie: cookie() };
}

/** The 1-minute load average (the machine is shared: it says how much the figures were disturbed). */
function loadAverage(): string {
  return os.loadavg()[0].toFixed(1);
}

/** CPU seconds (user + system) of a process and its waited-for children, from /proc. */
function processCpu(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    // utime, stime, cutime, cstime are fields 14–17 of stat (11–14 after the name), in clock ticks (100 a second on Linux).
    return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0) / 100;
  } catch {
    return 0;
  }
}

/** The pids of a process and every process below it. */
function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      const children = fs.readFileSync(`/proc/${out[i]}/task/${out[i]}/children`, "utf8").trim();
      if (children) out.push(...children.split(/\s+/).map(Number));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** CPU seconds used so far by a server (the primary and its workers). */
function serverCpu(pid: number): number {
  return processTree(pid).reduce((sum, p) => sum + processCpu(p), 0);
}

/**
 * Waits until `count` different instances behind the port say their search index is ready (new
 * connection per request, so that node:cluster hands them to every worker in turn).
 */
async function waitInstancesReady(base: string, count: number, token: string): Promise<void> {
  const ready = new Set<string>();
  const seen = new Set<string>();
  for (let attempt = 0; ready.size < count; attempt++) {
    if (attempt > 20_000) throw new Error(`only ${ready.size} of ${count} instances became ready (${[...seen].join(", ")})`);
    const res = await fetch(`${base}/healthz`, { headers: { Authorization: `Bearer ${token}`, Connection: "close" } }).catch(() => null);
    const body = (await res?.json().catch(() => null)) as { search?: string; checks?: { cluster?: { instance?: string } } } | null;
    const id = body?.checks?.cluster?.instance ?? "one";
    seen.add(id);
    if (body && body.search !== "loading" && body.search !== "catching-up") ready.add(id);
    else await new Promise((r) => setTimeout(r, 100));
  }
}

/** A plain node:http server answering the same bytes, in one process or as WORKERS node:cluster workers: the ceiling. */
async function startPlain(html: string, workers: number): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const file = path.join(os.tmpdir(), `regula-bench-plain-${process.pid}-${port}.html`);
  fs.writeFileSync(file, html);
  const code = `
    const cluster = require("node:cluster");
    const http = require("node:http");
    const body = require("node:fs").readFileSync(${JSON.stringify(file)});
    if (cluster.isPrimary && ${workers} > 1) {
      for (let i = 0; i < ${workers}; i++) cluster.fork();
      let up = 0;
      cluster.on("listening", () => ++up === ${workers} && console.log("ready"));
    } else {
      http.createServer((req, res) => {
        res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Content-Length": body.length });
        res.end(body);
      }).listen(${port}, "127.0.0.1", () => ${workers} === 1 && console.log("ready"));
    }
  `;
  // A file, not -e: node:cluster forks the workers from the primary's script.
  const script = `${file}.cjs`;
  fs.writeFileSync(script, code);
  const { spawn } = await import("node:child_process");
  const child = spawn(process.execPath, [script], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (d) => String(d).includes("ready") && resolve());
    child.once("exit", () => reject(new Error("the plain server stopped")));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        fs.rmSync(file, { force: true });
        fs.rmSync(script, { force: true });
      }),
  };
}

/** wrk's path when it is installed (Debian package `wrk`): a load generator in C that leaves the cores to the servers. */
const WRK = (() => {
  const found = spawnSync("sh", ["-c", "command -v wrk"], { encoding: "utf8" });
  return found.status === 0 ? found.stdout.trim() : null;
})();

function wrkMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!m) return NaN;
  return Number(m[1]) * { us: 0.001, ms: 1, s: 1000, m: 60_000 }[m[2] as "us" | "ms" | "s" | "m"];
}

/** One wrk run against one address: requests per second, p50/p99 (wrk gives no p95) and wrk's own CPU seconds. */
function runWrk(url: string, headers: Record<string, string>, concurrency: number, seconds: number) {
  const args = ["-t2", `-c${concurrency}`, `-d${seconds}s`, "--latency", ...Object.entries(headers).flatMap(([k, v]) => ["-H", `${k}: ${v}`]), url];
  // bash's `time` reports the CPU of its child (user and system seconds) on stderr.
  const run = spawnSync("bash", ["-c", `TIMEFORMAT='%U %S'; time "$0" "$@"`, WRK!, ...args], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`wrk failed: ${run.stderr}`);
  const out = run.stdout;
  const count = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const pct = (p: number) => wrkMs(new RegExp(`^\\s+${p}%\\s+(\\S+)`, "m").exec(out)?.[1] ?? "");
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = non2xx + (socketErrors ? socketErrors.slice(1).reduce((n, v) => n + Number(v), 0) : 0);
  const [user, system] = run.stderr.trim().split("\n").pop()!.split(" ").map(Number);
  return { requests: count, rps, p50: pct(50), p99: pct(99), errors, cpuSeconds: user + system };
}

/** A measured run with the CPU of the server (all its processes) and of this load generator per request. */
async function measured(server: { url: string; pid: number }, paths: string[], headers: Record<string, string>, concurrency: number, seconds: number) {
  if (WRK && paths.length === 1) {
    // Warm-up, not measured; then the run.
    runWrk(new URL(paths[0], server.url).href, headers, concurrency, 1);
    const cpu0 = serverCpu(server.pid);
    const load = loadAverage();
    const w = runWrk(new URL(paths[0], server.url).href, headers, concurrency, seconds);
    const perRequest = (cpuSeconds: number) => (w.requests ? (cpuSeconds * 1000) / w.requests : 0);
    const result = { requests: w.requests, rps: w.rps, p50: w.p50, p95: NaN, p99: w.p99, errors: w.errors, seconds, max: NaN, bytes: 0 } as LoadResult;
    return { result, load, serverMs: perRequest(serverCpu(server.pid) - cpu0), generatorMs: perRequest(w.cpuSeconds), generator: "wrk" };
  }
  const cpu0 = serverCpu(server.pid);
  const own0 = process.cpuUsage();
  const load = loadAverage();
  const result: LoadResult = await runLoad({ base: server.url, paths, headers, concurrency, durationMs: seconds * 1000 });
  const own = process.cpuUsage(own0);
  const perRequest = (cpuSeconds: number) => (result.requests ? (cpuSeconds * 1000) / result.requests : 0);
  // The warm-up is in the server's CPU too: its share is small against the measured run, and said so.
  return { result, load, serverMs: perRequest(serverCpu(server.pid) - cpu0), generatorMs: perRequest((own.user + own.system) / 1e6), generator: "node" };
}

async function publishHook(base: string, document: Record<string, unknown>, change = "new") {
  const res = await fetch(`${base}/api/test-hooks/publish`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ actor: "editor", change, document }),
  });
  if (!res.ok) throw new Error(`publish failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { number: string; version: number };
}

/** A personal API token for a signed-in person, made on the profile page as they would. */
async function apiToken(base: string, headers: Record<string, string>): Promise<string> {
  const page = await fetch(`${base}/profile`, { headers });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? "";
  const res = await fetch(`${base}/profile`, {
    method: "POST",
    headers: { ...headers, "Content-Type": "application/x-www-form-urlencoded", Origin: base },
    body: new URLSearchParams({ intent: "create-token", label: "bench", _csrf: csrf }),
  });
  const token = /rg_[0-9a-f]{12}_[A-Za-z0-9_-]{20,}/.exec(await res.text())?.[0];
  if (!token) throw new Error(`no API token made: ${res.status}`);
  return token;
}

async function apiCall(base: string, token: string, method: string, route: string, body?: unknown): Promise<Record<string, any>> {
  const res = await fetch(`${base}${route}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, Accept: "application/json", ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = (await res.json()) as Record<string, any>;
  if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/**
 * Signed approvals through the API: `count` major revisions of `number`, each proposed and submitted by the
 * editor, then the first of its two stages approved (with the password, as every approval is signed): the
 * decision alone, no publication. Each proposal is withdrawn again so that the next can be opened.
 */
async function timeApprovals(base: string, number: string, count: number): Promise<number[]> {
  const editor = await apiToken(base, await signIn(base, "editor"));
  const approver = await apiToken(base, await signIn(base, "approver"));
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const created = await apiCall(base, editor, "POST", "/api/v1/proposals", { kind: "revision", number, change: "major", body: `Benchmark body, major revision ${i}.\n`, summary: `Bench ${i}` });
    const id = created.proposal.id as string;
    await apiCall(base, editor, "POST", `/api/v1/proposals/${id}/submit`, {});
    const started = performance.now();
    const approved = await apiCall(base, approver, "POST", `/api/v1/proposals/${id}/approve`, { password: "demo1234" });
    times.push(performance.now() - started);
    if (approved.proposal?.status !== "in-review") throw new Error(`approval ${i}: expected the second stage to wait, got ${approved.proposal?.status}`);
    await apiCall(base, editor, "POST", `/api/v1/proposals/${id}/withdraw`, {});
  }
  return times;
}

export async function benchCluster(options: { root: string; buildDir: string; row: Row; log: (line: string) => void; seconds: number; concurrency: number }) {
  const { root, buildDir, row, log } = options;
  if (!postgresBinDir()) {
    log("Several instances: skipped (no PostgreSQL server programs under /usr/lib/postgresql)");
    return;
  }
  log("Several instances (PostgreSQL, git remote, WORKERS) …");
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "regula-bench-cluster-"));
  const pg = await startPostgres();
  const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(3));
  const token = randomBytes(12).toString("hex");
  try {
    const remote = path.join(work, "remote.git");
    execFileSync("git", ["init", "--quiet", "--bare", "--initial-branch=main", remote]);
    const common = { REGULA_TEST_HOOKS: "1", REGULA_NO_SCHEDULER: "1", REQUEST_LOG: "0", HEALTH_TOKEN: token };

    // The password check is a fixed security parameter (scrypt N=16384, r=8, p=1, in app/org/password.server.ts):
    // its cost here is the floor under every sign-in and every signed approval.
    const scrypts: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t = performance.now();
      scryptSync("reference password", randomBytes(16), 64, { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
      scrypts.push(performance.now() - t);
    }
    const scrypt = summarize(scrypts, 0, 1);
    row("password check alone (scrypt N=16384, r=8, p=1; reference)", `p50 ${ms(scrypt.p50)} ms, p95 ${ms(scrypt.p95)} ms (load ${loadAverage()})`);

    // One process, PostgreSQL and a file:// remote: publishing end to end, sign-in, then the page under load.
    const single = await startPortal({ root, buildDir, dataDir: path.join(work, "one"), env: { ...common, DATABASE_URL: pg.url, GIT_REMOTE: `file://${remote}` } });
    let pageNumber = "";
    const latencies: number[] = [];
    try {
      const first = await publishHook(single.url, { title: "Bench cluster document", body: "Benchmark body.\n\n".repeat(40), ownerDepartment: "ops" });
      pageNumber = first.number;
      const load = loadAverage();
      const cpu0 = serverCpu(single.pid);
      for (let i = 0; i < 60; i++) {
        const started = performance.now();
        await publishHook(single.url, { number: pageNumber, body: `Benchmark body, revision ${i}.\n\n`.repeat(40) }, "minor");
        latencies.push(performance.now() - started);
      }
      const cpu = ((serverCpu(single.pid) - cpu0) * 1000) / 60;
      const pub = summarize(latencies.sort((x, y) => x - y), 0, 1);
      row(
        "publish end to end, PostgreSQL + file:// remote (60 in a row)",
        `p50 ${ms(pub.p50)} ms, p95 ${ms(pub.p95)} ms; ${ms(cpu)} ms CPU each (server and git); load ${load}`,
        "p95 < 150 ms",
        pub.p95 < 150,
      );
      // Sign-in through the form, one after another (each a new session, an audit entry, the rate-limit check).
      const signIns: number[] = [];
      for (let i = 0; i < 40; i++) {
        const started = performance.now();
        await signIn(single.url, i % 2 ? "staff" : "editor", (ms) => signIns.push(ms));
        void started;
      }
      const si = summarize(signIns, 0, 1);
      row(
        "sign-in POST, PostgreSQL (40 in a row, password check included)",
        `p50 ${ms(si.p50)} ms, p95 ${ms(si.p95)} ms; without the password check ≈ p95 ${ms(Math.max(0, si.p95 - scrypt.p50))} ms; load ${loadAverage()}`,
        "p95 < 50 ms",
        si.p95 < 50,
      );
      // A signed approval (first of two stages of a major revision: the decision, its audit entry, the notices).
      const approvals = summarize((await timeApprovals(single.url, pageNumber, 30)).sort((x, y) => x - y), 0, 1);
      row(
        "signed approval through the API, PostgreSQL (30 in a row, password check included)",
        `p50 ${ms(approvals.p50)} ms, p95 ${ms(approvals.p95)} ms; without the password check ≈ p95 ${ms(Math.max(0, approvals.p95 - scrypt.p50))} ms; load ${loadAverage()}`,
        "p95 < 50 ms",
        approvals.p95 < 50,
      );
    } finally {
      await single.stop();
    }
    const pagePaths = [`/docs/${pageNumber}`];
    let pageHtml = "";
    const measure = async (label: string, dataDir: string, env: Record<string, string>, instances: number) => {
      const portal: BenchServer = await startPortal({ root, buildDir, dataDir, env: { ...common, ...env } });
      try {
        // Every worker must have started, loaded its search index and received the document before the run.
        await waitInstancesReady(portal.url, instances, token);
        const headers = await signIn(portal.url, "staff");
        const agent = new http.Agent({ keepAlive: false });
        for (let i = 0; i < 20; i++) {
          const res = await get(agent, new URL(pagePaths[0], portal.url), headers);
          if (res.status !== 200) {
            i = -1;
            await new Promise((r) => setTimeout(r, 200));
          } else pageHtml = res.body;
        }
        agent.destroy();
        const run = await measured(portal, pagePaths, headers, options.concurrency, options.seconds);
        log(
          `  ${label}: ${run.result.rps.toFixed(0)} pages/s, p99 ${ms(run.result.p99)} ms, ${run.result.errors} errors (${run.generator}); ` +
            `CPU per page ${ms(run.serverMs)} ms server, ${ms(run.generatorMs)} ms load generator; load ${run.load}`,
        );
        return run;
      } finally {
        await portal.stop();
      }
    };
    const one = await measure("one process", path.join(work, "one"), { DATABASE_URL: pg.url, GIT_REMOTE: `file://${remote}` }, 1);
    const db2 = await pg.createDatabase("workers");
    const two = await measure("WORKERS=2", path.join(work, "workers"), { DATABASE_URL: db2, GIT_REMOTE: `file://${remote}`, WORKERS: "2" }, 2);
    const ratio = two.result.rps / one.result.rps;
    row(
      `document page, WORKERS=2 vs one process (${options.concurrency} clients, same run)`,
      `${two.result.rps.toFixed(0)} vs ${one.result.rps.toFixed(0)} pages/s = ${ratio.toFixed(2)}×; CPU per page ${ms(two.serverMs)} vs ${ms(one.serverMs)} ms server, ` +
        `${ms(two.generatorMs)} vs ${ms(one.generatorMs)} ms load generator (${one.generator}); load ${two.load} / ${one.load}`,
      "≥ 1.5×",
      ratio >= 1.5,
    );
    // The ceiling this machine gives: the same bytes from plain node:http, two processes against one.
    const plainRuns: Record<number, Awaited<ReturnType<typeof measured>>> = {};
    for (const workers of [1, 2]) {
      const plain = await startPlain(pageHtml, workers);
      try {
        plainRuns[workers] = await measured(plain, ["/"], {}, options.concurrency, Math.min(options.seconds, 5));
      } finally {
        await plain.stop();
      }
    }
    const [p1, p2] = [plainRuns[1], plainRuns[2]];
    row(
      "same page bytes from plain node:http, 2 processes vs 1 (ceiling)",
      `${p2.result.rps.toFixed(0)} vs ${p1.result.rps.toFixed(0)} req/s = ${(p2.result.rps / p1.result.rps).toFixed(2)}×; load generator (${p1.generator}) ${ms(p2.generatorMs)} / ${ms(p1.generatorMs)} ms CPU per request`,
    );
  } finally {
    await pg.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The plain node:http ceiling alone (BENCH_PLAIN_ONLY=1): two processes against one, with a page of `bytes` bytes. */
async function plainOnly(seconds: number, concurrency: number, bytes: number) {
  const html = `<!DOCTYPE html><html><body>${"x".repeat(bytes)}</body></html>`;
  for (const workers of [1, 2]) {
    const plain = await startPlain(html, workers);
    try {
      const run = await measured(plain, ["/"], {}, concurrency, seconds);
      console.log(`  plain node:http, ${workers} process(es): ${run.result.rps.toFixed(0)} req/s, CPU per request ${run.serverMs.toFixed(2)} ms server, ${run.generatorMs.toFixed(2)} ms load generator; load ${run.load}`);
    } finally {
      await plain.stop();
    }
  }
}

// Alone: the figures are printed, BENCHMARKS.md is not touched.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
  const buildDir = process.env.BENCH_BUILD_DIR;
  if (process.env.BENCH_PLAIN_ONLY === "1") {
    await plainOnly(Number(process.env.BENCH_SECONDS) || 5, Number(process.env.BENCH_CONCURRENCY) || 32, Number(process.env.BENCH_PLAIN_BYTES) || 20_000);
    process.exit(0);
  }
  if (!buildDir) {
    console.error("Set BENCH_BUILD_DIR to a build (npm run build makes ./build)");
    process.exit(2);
  }
  benchCluster({
    root,
    buildDir: path.resolve(buildDir),
    log: (l) => console.log(l),
    row: (m, r, t, ok) => console.log(`  ${ok === undefined || ok === null ? "·" : ok ? "✓" : "✗"} ${m}: ${r}${t ? `  (target ${t})` : ""}`),
    seconds: Number(process.env.BENCH_SECONDS) || 10,
    concurrency: Number(process.env.BENCH_CONCURRENCY) || 32,
  }).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
