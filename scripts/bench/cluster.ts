/**
 * Several instances (decisions 111–113), when PostgreSQL's server programs are
 * installed: a throwaway PostgreSQL, then in the same run
 * - the document page under load from one process, and from WORKERS=2 on the
 *   same machine (target: at least 1.5× the one process);
 * - publishing end to end with PostgreSQL and a file:// git remote (target p95 < 150 ms).
 * Each configuration starts on its own empty DATA_DIR (the demo installation).
 * Alone: `BENCH_BUILD_DIR=<build> npx tsx scripts/bench/cluster.ts`.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { postgresBinDir, startPostgres } from "../../tests/helpers/postgres";
import { get, runLoad, summarize } from "./load";
import { startPortal } from "./server";

type Row = (measure: string, result: string, target?: string, ok?: boolean | null) => void;

async function signIn(base: string, username: string): Promise<Record<string, string>> {
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
  const res = await fetch(`${base}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: cookie(), Origin: base },
    body: new URLSearchParams({ username, password: "demo1234", redirectTo: "/", _csrf: csrf }),
  });
  keep(res);
  if (res.status !== 302) throw new Error(`sign-in as ${username} failed: ${res.status}`);
  return { Cookie: cookie() };
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

export async function benchCluster(options: { root: string; buildDir: string; row: Row; log: (line: string) => void; seconds: number; concurrency: number }) {
  const { root, buildDir, row, log } = options;
  if (!postgresBinDir()) {
    log("Several instances: skipped (no PostgreSQL server programs under /usr/lib/postgresql)");
    return;
  }
  log("Several instances (PostgreSQL, git remote, WORKERS) …");
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "regula-bench-cluster-"));
  const pg = await startPostgres();
  const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
  try {
    const remote = path.join(work, "remote.git");
    execFileSync("git", ["init", "--quiet", "--bare", "--initial-branch=main", remote]);
    const common = { REGULA_TEST_HOOKS: "1", REGULA_NO_SCHEDULER: "1", REQUEST_LOG: "0" };

    // One process, PostgreSQL and a file:// remote: publishing end to end, then the page under load.
    const single = await startPortal({ root, buildDir, dataDir: path.join(work, "one"), env: { ...common, DATABASE_URL: pg.url, GIT_REMOTE: `file://${remote}` } });
    let pageNumber = "";
    const latencies: number[] = [];
    try {
      const first = await publishHook(single.url, { title: "Bench cluster document", body: "Benchmark body.\n\n".repeat(40), ownerDepartment: "ops" });
      pageNumber = first.number;
      for (let i = 0; i < 60; i++) {
        const started = performance.now();
        await publishHook(single.url, { number: pageNumber, body: `Benchmark body, revision ${i}.\n\n`.repeat(40) }, "minor");
        latencies.push(performance.now() - started);
      }
      const pub = summarize(latencies.sort((x, y) => x - y), 0, 1);
      row("publish end to end, PostgreSQL + file:// remote (60 in a row)", `p50 ${ms(pub.p50)} ms, p95 ${ms(pub.p95)} ms`, "p95 < 150 ms", pub.p95 < 150);
    } finally {
      await single.stop();
    }
    const pagePaths = [`/docs/${pageNumber}`];
    const measure = async (label: string, dataDir: string, env: Record<string, string>) => {
      const portal = await startPortal({ root, buildDir, dataDir, env: { ...common, ...env } });
      try {
        const headers = await signIn(portal.url, "staff");
        // Every worker must have the document before the measured run.
        const agent = new http.Agent({ keepAlive: false });
        for (let i = 0; i < 20; i++) {
          const res = await get(agent, new URL(pagePaths[0], portal.url), headers);
          if (res.status !== 200) {
            i = -1;
            await new Promise((r) => setTimeout(r, 200));
          }
        }
        agent.destroy();
        const result = await runLoad({ base: portal.url, paths: pagePaths, headers, concurrency: options.concurrency, durationMs: options.seconds * 1000 });
        log(`  ${label}: ${result.rps.toFixed(0)} pages/s, p95 ${ms(result.p95)} ms, ${result.errors} errors`);
        return result;
      } finally {
        await portal.stop();
      }
    };
    const one = await measure("one process", path.join(work, "one"), { DATABASE_URL: pg.url, GIT_REMOTE: `file://${remote}` });
    const db2 = await pg.createDatabase("workers");
    const two = await measure("WORKERS=2", path.join(work, "workers"), { DATABASE_URL: db2, GIT_REMOTE: `file://${remote}`, WORKERS: "2" });
    const ratio = two.rps / one.rps;
    row(
      `document page, WORKERS=2 vs one process (${options.concurrency} clients, same run)`,
      `${two.rps.toFixed(0)} vs ${one.rps.toFixed(0)} pages/s = ${ratio.toFixed(2)}×`,
      "≥ 1.5×",
      ratio >= 1.5,
    );
  } finally {
    await pg.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

// Alone: the figures are printed, BENCHMARKS.md is not touched.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
  const buildDir = process.env.BENCH_BUILD_DIR;
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
