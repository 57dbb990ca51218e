/**
 * npm run bench — the benchmark suite.
 *
 * Generates a corpus in a temporary DATA_DIR (BENCH_DOCS documents across the
 * five categories in Chinese and English, BENCH_VERSIONS versions in the
 * repository, BENCH_USERS users), builds the app, starts it as a real server
 * and measures: the current-document page under 32 concurrent clients (and
 * the same HTML from a static file server as the ceiling), history and diff
 * (with native `git log -- file` as the reference), publishing end to end,
 * search, the first start (index rebuild), a cold start and resident memory,
 * and a backup of the whole corpus. Prints a table and writes BENCHMARKS.md.
 *
 * Settings: BENCH_DOCS (10000), BENCH_VERSIONS (100000), BENCH_USERS (5000),
 * BENCH_SECONDS per load run (10), BENCH_CONCURRENCY (32), BENCH_BUILD_DIR
 * (reuse a build instead of building), BENCH_KEEP=1 (keep the corpus),
 * BENCH_OUT (BENCHMARKS.md; "-" prints only), BENCH_SOAK (requests abandoned mid-answer
 * in the soak, 10000), BENCH_ONLY=pages (only the reader pages, for iterating), BENCH_ONLY=reader
 * (the reader pages, then cold start, search ready and memory after load),
 * BENCH_ONLY=diff-editions (only the diffs of regulation-sized editions),
 * BENCH_ATTACH_ROUNDS / BENCH_ATTACH_MB (publishing with attachments: 8 rounds of 20 MB),
 * BENCH_HEAP_SNAPSHOT=<dir> (with BENCH_ONLY=reader: a heap snapshot of the server after its cold start and load).
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { dirSize, generateCorpus, type CorpusInfo } from "./bench/corpus";
import { get, runLoad, runSequential, summarize } from "./bench/load";
import { benchColdStart, benchReaderPages } from "./bench/reader-pages";
import { heapSnapshotOf, memoryOf, startPortal, waitSearchReady, type BenchServer } from "./bench/server";
import { benchDiffEditions } from "./bench/diff-editions";
import http from "node:http";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const num = (name: string, fallback: number) => {
  const v = process.env[name];
  if (v === undefined || v === "") return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number`);
  return n;
};

const config = {
  documents: num("BENCH_DOCS", 10_000),
  versions: num("BENCH_VERSIONS", 100_000),
  users: num("BENCH_USERS", 5_000),
  seconds: num("BENCH_SECONDS", 10),
  concurrency: num("BENCH_CONCURRENCY", 32),
  soak: num("BENCH_SOAK", 10_000),
};
if (config.versions < config.documents) throw new Error("BENCH_VERSIONS must be at least BENCH_DOCS (every document has a first version)");

const log = (line: string) => console.log(line);
const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

interface Row {
  measure: string;
  result: string;
  target: string;
  ok: boolean | null;
}
const rows: Row[] = [];
const notes: string[] = [];
function row(measure: string, result: string, target = "", ok: boolean | null = null) {
  rows.push({ measure, result, target, ok });
  log(`  ${ok === null ? "·" : ok ? "✓" : "✗"} ${measure}: ${result}${target ? `  (target ${target})` : ""}`);
}

async function login(base: string, username: string): Promise<Record<string, string>> {
  const page = await fetch(`${base}/login`);
  const html = await page.text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? "";
  const cookies = new Map<string, string>();
  const keep = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const i = pair.indexOf("=");
      cookies.set(pair.slice(0, i), pair.slice(i + 1));
    }
  };
  keep(page);
  const cookie = () => [...cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  const res = await fetch(`${base}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: base, Cookie: cookie() },
    body: new URLSearchParams({ username, password: "demo1234", redirectTo: "/", _csrf: csrf }),
  });
  keep(res);
  if (res.status !== 302) throw new Error(`Sign-in as ${username} failed: ${res.status}`);
  return { Cookie: cookie() };
}

function buildApp(): string {
  if (process.env.BENCH_BUILD_DIR) return path.resolve(process.env.BENCH_BUILD_DIR);
  const rel = path.join(".bench-build", String(process.pid), "build");
  const started = Date.now();
  log(`Building the app into ${rel} …`);
  const result = spawnSync(process.execPath, [path.join(ROOT, "node_modules/@remix-run/dev/dist/cli.js"), "vite:build"], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: "production", REGULA_BUILD_DIR: rel },
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`Build failed:\n${result.stdout}\n${result.stderr}`);
  log(`  built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return path.join(ROOT, rel);
}

function runTsx(script: string, args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), path.join(ROOT, script), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d.toString()));
    child.stderr.on("data", (d) => (stderr += d.toString()));
    child.on("exit", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** Median time of a native git command, in ms. */
function timeGit(args: string[], runs = 5): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    execFileSync("git", args, { stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

function machine(): string {
  const cpu = os.cpus()[0]?.model?.trim() ?? "unknown CPU";
  return `${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, ${os.type()} ${os.release()}`;
}

/** Fills in what the corpus holds from the portal's own API (works for a generated or a reused corpus). */
async function describeCorpus(base: string, headers: Record<string, string>, corpus: CorpusInfo, dataDir: string) {
  const res = await fetch(`${base}/api/v1/documents`, { headers: { ...headers, Accept: "application/json" } });
  const { documents } = (await res.json()) as { documents: { number: string; version: number; confidentiality: string }[] };
  corpus.documents = documents.length;
  corpus.versions = documents.reduce((n, d) => n + d.version, 0);
  corpus.readable = documents.filter((d) => d.confidentiality === "internal").map((d) => d.number);
  const busiest = documents.reduce((a, b) => (b.version > a.version ? b : a));
  corpus.busiest = { number: busiest.number, versions: busiest.version };
  corpus.large.versions = documents.find((d) => d.number === corpus.large.number)?.version ?? 0;
  const raw = await fetch(`${base}/docs/${corpus.large.number}/raw`, { headers });
  if (raw.ok) corpus.large.bytes = (await raw.arrayBuffer()).byteLength;
  const db = JSON.parse(fs.readFileSync(path.join(dataDir, "db.json"), "utf8")) as { users?: unknown[] };
  corpus.users = db.users?.length ?? corpus.users;
}

async function main() {
  const benchStarted = Date.now();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "regula-bench-"));
  const dataDir = path.join(work, "data");
  let portal: BenchServer | null = null;
  let buildDir: string | null = null;
  const cleanup = async () => {
    await portal?.stop();
    if (process.env.BENCH_KEEP !== "1") fs.rmSync(work, { recursive: true, force: true });
    if (buildDir && !process.env.BENCH_BUILD_DIR) fs.rmSync(path.dirname(buildDir), { recursive: true, force: true });
  };
  process.once("SIGINT", () => void cleanup().then(() => process.exit(130)));
  try {
    log(`Regula benchmark — ${config.documents} documents, ${config.versions} versions, ${config.users} users; ${config.concurrency} clients × ${config.seconds} s`);
    log(`Machine: ${machine()}`);
    const loadAtStart = os.loadavg()[0];
    let corpus: CorpusInfo;
    if (process.env.BENCH_REUSE) {
      // Reuse a corpus kept by an earlier run (BENCH_KEEP=1): derived data is removed so the first start rebuilds it.
      const kept = path.resolve(process.env.BENCH_REUSE);
      fs.cpSync(kept, dataDir, { recursive: true });
      for (const derived of ["cache", "search", ".lock", "backups"]) fs.rmSync(path.join(dataDir, derived), { recursive: true, force: true });
      corpus = { documents: 0, versions: 0, users: 0, busiest: { number: "", versions: 0 }, large: { number: "EXE-001", versions: 0, bytes: 0 }, readable: [], generateMs: 0, repoBytes: dirSize(path.join(dataDir, "repo")) };
      log(`Reusing the corpus from ${kept}`);
    } else {
      log(`Corpus in ${dataDir} …`);
      corpus = await generateCorpus(
        { dataDir, contentDir: path.join(ROOT, "content"), documents: config.documents, versions: config.versions, users: config.users },
        log,
      );
      row("corpus generation (git fast-import + database)", `${(corpus.generateMs / 1000).toFixed(1)} s, repository ${(corpus.repoBytes / 2 ** 20).toFixed(0)} MB`);
    }

    buildDir = buildApp();
    if (process.env.BENCH_ONLY === "diff-editions") {
      await benchDiffEditions({ root: ROOT, buildDir, dataDir, number: corpus.large.number, runTsx, login, log, row: (m, r, t, ok) => row(`diff of editions: ${m}`, r, t, ok) });
      printTable();
      return;
    }

    // 1. First start: the portal builds its version index and search index from git.
    log("First start (indexes built from the repository) …");
    portal = await startPortal({ root: ROOT, buildDir, dataDir });
    const firstStart = portal.searchReadyMs;
    const rebuildLine = /\[regula\][^\n]*/.exec(portal.output())?.[0] ?? "";
    const searchLine = /\[search\][^\n]*/.exec(portal.output())?.[0] ?? "";
    row("first start: version index + search index built from git", `${(firstStart / 1000).toFixed(1)} s`, "", null);
    notes.push(`First start log: \`${rebuildLine.trim().replace(dataDir, "<temp>/data")}\`; \`${searchLine.trim()}\`.`);

    const staff = await login(portal.url, "staff");
    await describeCorpus(portal.url, await login(portal.url, "admin"), corpus, dataDir);
    notes.push(
      `Corpus: ${corpus.documents} documents, ${corpus.versions} versions (busiest document ${corpus.busiest.number} with ${corpus.busiest.versions} versions; ` +
        `${corpus.large.number} is a ${(corpus.large.bytes / 1024).toFixed(0)} KB Chinese document with ${corpus.large.versions} versions), ${corpus.users} users; ` +
        `repository ${(corpus.repoBytes / 2 ** 20).toFixed(0)} MB as written by git fast-import (one pack).`,
    );
    const docPath = `/docs/${corpus.readable[Math.floor(corpus.readable.length / 3)]}`;
    const mixPaths = corpus.readable.filter((_, i) => i % Math.max(1, Math.floor(corpus.readable.length / 2000)) === 0).slice(0, 2000).map((n) => `/docs/${n}`);
    const queries = ["审批", "质量检验", "供应商 评估", "backup recovery", "procurement", "应急预案", "EXE-0", "报销流程", "calibration sample", "权限"];

    // 2. The pages a reader uses daily, with the server's CPU time per request, and the
    //    document page against a static server serving the same bytes (scripts/bench/reader-pages.ts).
    const { memAfterLoad } = await benchReaderPages({
      portal,
      headers: staff,
      docPath,
      mixPaths,
      historyPath: `/docs/${corpus.busiest.number}/history`,
      searchPaths: queries.map((q) => `/search?q=${encodeURIComponent(q)}`),
      categoryPath: `/categories/${docPath.split("/")[2].split("-")[0]}`,
      work,
      concurrency: config.concurrency,
      seconds: config.seconds,
      soakCount: config.soak,
      row,
      log,
    });
    if (process.env.BENCH_ONLY === "pages" || process.env.BENCH_ONLY === "reader") {
      log(`Memory after the page load: ${memAfterLoad.rssMB.toFixed(0)} MB resident`);
      // BENCH_ONLY=reader: then the cold start, first page, search ready and memory after load.
      if (process.env.BENCH_ONLY === "reader") {
        await portal.stop();
        ({ portal } = await benchColdStart({ root: ROOT, buildDir, dataDir, docPath, mixPaths, searchPaths: queries.map((q) => `/search?q=${encodeURIComponent(q)}`), login, concurrency: config.concurrency, seconds: config.seconds, peakMB: memAfterLoad.peakMB, row, log }));
        if (process.env.BENCH_HEAP_SNAPSHOT) log(`Heap snapshot after the cold start and its load: ${await heapSnapshotOf(portal, process.env.BENCH_HEAP_SNAPSHOT)}`);
      }
      printTable();
      return;
    }

    // 3. History and diff, with native git as the reference.
    const busiest = corpus.busiest.number;
    const history = await runSequential(portal.url, [`/docs/${busiest}/history`], staff, 200);
    const file = `documents/${busiest.split("-")[0]}/${busiest}.md`;
    const gitLog = timeGit(["--git-dir", path.join(dataDir, "repo"), "log", "--format=%H %s", "--", file]);
    row(
      `history page (${busiest}, ${corpus.busiest.versions} versions)`,
      `p50 ${ms(history.p50)} ms, p95 ${ms(history.p95)} ms; native git log -- file ${ms(gitLog)} ms (portal p50 is ${(gitLog / history.p50).toFixed(0)}× faster)`,
      "p95 < 20 ms",
      history.p95 < 20,
    );
    const apiHistory = await runSequential(portal.url, [`/api/v1/documents/${busiest}/versions`], staff, 200);
    row("history API (JSON)", `p50 ${ms(apiHistory.p50)} ms, p95 ${ms(apiHistory.p95)} ms`, "p95 < 20 ms", apiHistory.p95 < 20);
    const largeVersions = Math.max(2, corpus.large.versions);
    const diffPaths = [`/docs/${corpus.large.number}/diff?from=1&to=${largeVersions}`];
    const diff = await runSequential(portal.url, diffPaths, staff, 30);
    const diffApi = await runSequential(portal.url, [`/api/v1/documents/${corpus.large.number}/diff?from=1&to=${largeVersions}`], staff, 30);
    row(
      `diff of a ${(corpus.large.bytes / 1024).toFixed(0)} KB Chinese document (v1 → v${largeVersions})`,
      `page p50 ${ms(diff.p50)} ms, p95 ${ms(diff.p95)} ms; API p95 ${ms(diffApi.p95)} ms`,
      "< 50 ms",
      diff.p95 < 50,
    );

    // 4. Search over HTTP on the corpus.
    const searchPaths = queries.map((q) => `/search?q=${encodeURIComponent(q)}`);
    const searchHttp = await runSequential(portal.url, searchPaths, staff, 100);
    row("search page over HTTP (whole request)", `p50 ${ms(searchHttp.p50)} ms, p95 ${ms(searchHttp.p95)} ms`);
    const searchApi = await runSequential(portal.url, queries.map((q) => `/api/v1/search?q=${encodeURIComponent(q)}`), staff, 100);
    row("search API over HTTP (whole request)", `p50 ${ms(searchApi.p50)} ms, p95 ${ms(searchApi.p95)} ms`);

    const memAll = memoryOf(portal.pid);
    await portal.stop();
    portal = null;

    // 5. Publishing end to end (domain code: commit, version index, search index, notifications).
    log("Publishing revisions …");
    const publishNumbers = corpus.readable.slice(0, 50).join(",");
    const pub = await runTsx("scripts/bench/publish-worker.ts", ["100", publishNumbers], { DATA_DIR: dataDir, REGULA_NO_SCHEDULER: "1", CONTENT_DIR: path.join(ROOT, "content") });
    if (pub.code !== 0) throw new Error(`publish worker failed:\n${pub.stderr}`);
    const pubResult = JSON.parse(pub.stdout.trim().split("\n").pop()!) as { bootMs: number; latencies: number[] };
    const pubSummary = summarize(pubResult.latencies, 0, 1);
    row("publish a revision end to end (100 in a row)", `p50 ${ms(pubSummary.p50)} ms, p95 ${ms(pubSummary.p95)} ms, max ${ms(pubSummary.max)} ms`, "p95 < 100 ms", pubSummary.p95 < 100);

    // 6. Cold start with indexes in place, first served page, memory (scripts/bench/reader-pages.ts).
    ({ portal } = await benchColdStart({ root: ROOT, buildDir, dataDir, docPath, mixPaths, searchPaths, login, concurrency: config.concurrency, seconds: config.seconds, peakMB: Math.max(memAfterLoad.peakMB, memAll.peakMB), row, log }));

    // 7. A backup of the whole corpus while the portal runs.
    log("Backup of the corpus …");
    const backupOut = path.join(work, "backups");
    const backupStart = Date.now();
    const backup = await runTsx("scripts/backup.ts", ["--out", backupOut], { DATA_DIR: dataDir });
    if (backup.code !== 0) throw new Error(`backup failed:\n${backup.stderr}`);
    const backupBytes = dirSize(backupOut);
    row("npm run backup of the corpus (bundle, archive, full verification)", `${((Date.now() - backupStart) / 1000).toFixed(1)} s, ${(backupBytes / 2 ** 20).toFixed(0)} MB`);
    await portal.stop();
    portal = null;

    // Diffs of regulation-sized editions (scripts/bench/diff-editions.ts; its own portal start).
    await benchDiffEditions({ root: ROOT, buildDir, dataDir, number: corpus.large.number, runTsx, login, log, row: (m, r, t, ok) => row(`diff of editions: ${m}`, r, t, ok) });

    // 8. The embedded search engine alone (the search module's own benchmark).
    const benchSearchFile = path.join(ROOT, "scripts", "bench-search.ts");
    if (fs.existsSync(benchSearchFile)) {
      log("Search engine …");
      const { benchSearch } = (await import("./bench-search")) as typeof import("./bench-search");
      const s = await benchSearch({ documents: config.documents });
      row(`search, embedded engine (${s.documents} documents, ${s.queries} queries)`, `p50 ${ms(s.p50Ms)} ms, p95 ${ms(s.p95Ms)} ms`, "p95 < 10 ms", s.p95Ms < 10);
    }
    await (await import("./bench/search-regulations")).measureRegulationSearch(row, log);
    await (await import("./bench/consolidate")).benchConsolidation(row, log, config.documents);
    // 9. Attachment text: OCR throughput, search with and without attachment text (scripts/bench/ocr.ts).
    await (await import("./bench/ocr")).measureAttachmentBench(row, log);
    // Publishing a version with 20 MB of attachments over HTTP, git add + commit as the reference (scripts/bench/attachments.ts).
    await (await import("./bench/attachments")).benchAttachmentPublish({ root: ROOT, buildDir, row, log });
    // 10. Several instances: WORKERS=2 against one process, publishing with PostgreSQL and a git remote (scripts/bench/cluster.ts).
    await (await import("./bench/cluster")).benchCluster({ root: ROOT, buildDir, row, log, seconds: config.seconds, concurrency: config.concurrency });
    // 11. The data layer with PostgreSQL against lowdb (scripts/bench/postgres.ts).
    await (await import("./bench/postgres")).benchPostgres(row, log);

    const totalMin = (Date.now() - benchStarted) / 60000;
    notes.push(
      `Load average (1 min) at the start ${loadAtStart.toFixed(1)}, at the end ${os.loadavg()[0].toFixed(1)}: ` +
        `anything above ~0.5 means other processes shared the ${os.cpus().length} cores during the run and the figures are pessimistic.`,
    );
    log(`\nDone in ${totalMin.toFixed(1)} min.`);
    printTable();
    writeReport(totalMin);
  } finally {
    await cleanup();
  }
}

function printTable() {
  const w1 = Math.max(...rows.map((r) => r.measure.length));
  log("");
  for (const r of rows) log(`${r.ok === null ? " " : r.ok ? "✓" : "✗"} ${r.measure.padEnd(w1)}  ${r.result}${r.target ? `  [target ${r.target}]` : ""}`);
}

function writeReport(totalMin: number) {
  const out = process.env.BENCH_OUT ?? path.join(ROOT, "BENCHMARKS.md");
  if (out === "-") return;
  const envLine = [
    process.env.BENCH_DOCS ? `BENCH_DOCS=${config.documents}` : "",
    process.env.BENCH_VERSIONS ? `BENCH_VERSIONS=${config.versions}` : "",
    process.env.BENCH_USERS ? `BENCH_USERS=${config.users}` : "",
    // A reused corpus (kept from an earlier run) and a changed heap limit are part of how the figures were made.
    process.env.BENCH_REUSE ? "BENCH_REUSE=<data dir of an earlier run>" : "",
    process.env.REGULA_HEAP_MB ? `REGULA_HEAP_MB=${process.env.REGULA_HEAP_MB}` : "",
  ]
    .filter(Boolean)
    .join(" ");
  const table = [
    "| measure | result | target | |",
    "|---|---|---|---|",
    ...rows.map((r) => `| ${r.measure} | ${r.result} | ${r.target || "—"} | ${r.ok === null ? "" : r.ok ? "met" : "**missed**"} |`),
  ].join("\n");
  const existing = fs.existsSync(out) ? fs.readFileSync(out, "utf8") : "";
  // Keep the hand-written analysis below the marker; replace the measured part above it.
  const marker = "<!-- analysis -->";
  const analysis = existing.includes(marker) ? existing.slice(existing.indexOf(marker)) : `${marker}\n`;
  const text = `# Benchmarks

Measured with \`${envLine ? `${envLine} ` : ""}npm run bench\` on ${new Date().toISOString().slice(0, 10)} (${totalMin.toFixed(1)} min in all).

Machine: ${machine()}. The load generator runs on the same machine as the server (loopback), so both share the cores.

${notes.join("\n")}

${table}

${analysis}`;
  fs.writeFileSync(out, text);
  log(`Wrote ${out}`);
}

main().catch((error) => {
  console.error(`bench: ${(error as Error).stack ?? error}`);
  process.exit(1);
});

