/**
 * Diffs of regulation-sized editions: two generated editions of a ~200 KB law
 * (tests/fixtures/editions.ts: numbered articles under chapters and sections,
 * items, tables; the second edition inserts and removes articles so later ones
 * are renumbered, moves articles, rewords and rewrites paragraphs, edits
 * items and table cells) are published as two versions of one document of
 * the benchmark corpus, the portal is started, and measured over HTTP: the
 * formatted diff page and the diff API cold (first request of a freshly
 * started portal) and warm (cached), the page's size, a fold loaded on
 * demand and the markdown source view, with the server's CPU per request,
 * and git's own diff of the same pair as a reference.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { diffLines } from "diff";
import { get, runSequential } from "./load";
import { cpuMs } from "./pages";
import { startPortal } from "./server";

export interface DiffEditionsBench {
  root: string;
  buildDir: string;
  /** A data directory with a corpus in it (the portal must not be running on it). */
  dataDir: string;
  /** A current, internal document of the corpus to publish the editions as. */
  number: string;
  runTsx: (script: string, args: string[], env: Record<string, string>) => Promise<{ code: number; stdout: string; stderr: string }>;
  login: (base: string, username: string) => Promise<Record<string, string>>;
  row: (measure: string, result: string, target?: string, ok?: boolean | null) => void;
  log: (line: string) => void;
  /** Requests per measurement (default 30). */
  samples?: number;
}

const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

/** Median wall time of a function over `runs` runs, in ms. */
function median(runs: number, fn: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

/** Publishes the two editions, starts the portal and adds the rows of the "diffs of regulation-sized editions" section. */
export async function benchDiffEditions(o: DiffEditionsBench): Promise<void> {
  const samples = o.samples ?? 30;
  o.log("Diffs of regulation-sized editions: publishing two generated editions …");
  const pub = await o.runTsx("scripts/bench/diff-editions-worker.ts", [o.number], { DATA_DIR: o.dataDir, REGULA_NO_SCHEDULER: "1", CONTENT_DIR: path.join(o.root, "content") });
  if (pub.code !== 0) throw new Error(`diff editions worker failed: ${pub.stderr.slice(-2000)}`);
  const info = JSON.parse(pub.stdout.trim().split("\n").pop()!) as { number: string; from: number; to: number; oldBytes: number; newBytes: number };
  const range = `from=${info.from}&to=${info.to}`;
  const pagePath = `/docs/${info.number}/diff?${range}`;
  const apiPath = `/api/v1/documents/${info.number}/diff?${range}`;
  const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;

  // Cold: a freshly started portal has computed nothing for this pair (the
  // editions were published by another process, so nothing was warmed). The
  // page and the API are each measured as the first request of a portal of
  // their own, and as the first request for a pair on a portal that has
  // answered others (the same editions compared the other way round, to → from).
  const reversed = `/docs/${info.number}/diff?from=${info.to}&to=${info.from}`;
  const reversedApi = `/api/v1/documents/${info.number}/diff?from=${info.to}&to=${info.from}`;
  const once = async (portalUrl: string, pid: number, agent: http.Agent, headers: Record<string, string>, p: string) => {
    const before = cpuMs(pid);
    const res = await get(agent, new URL(p, portalUrl), headers);
    if (res.status !== 200) throw new Error(`${p} answered ${res.status}`);
    return { ms: res.ms, cpu: cpuMs(pid) - before, res };
  };
  let coldApi: { ms: number; cpu: number };
  let coldPairPage: { ms: number; cpu: number };
  {
    const portal = await startPortal({ root: o.root, buildDir: o.buildDir, dataDir: o.dataDir, waitForSearch: false });
    try {
      const staff = await o.login(portal.url, "staff");
      const agent = new http.Agent({ keepAlive: true });
      coldApi = await once(portal.url, portal.pid, agent, staff, apiPath);
      coldPairPage = await once(portal.url, portal.pid, agent, staff, reversed);
      agent.destroy();
    } finally {
      await portal.stop();
    }
  }

  const portal = await startPortal({ root: o.root, buildDir: o.buildDir, dataDir: o.dataDir, waitForSearch: false });
  try {
    const staff = await o.login(portal.url, "staff");
    const agent = new http.Agent({ keepAlive: true });
    const coldPage = await once(portal.url, portal.pid, agent, staff, pagePath);
    const first = coldPage.res;
    const api = await get(agent, new URL(apiPath, portal.url), staff);
    const full = await get(agent, new URL(`${apiPath}&text=full`, portal.url), staff);
    const apiBody = JSON.parse(api.body) as { diff: { tooLarge: boolean; stats?: { added: number; removed: number; changed: number } }; changes: { summary: { counts: Record<string, number> } } };
    const stats = apiBody.diff.stats ?? { added: 0, removed: 0, changed: 0 };
    const changedLines = stats.added + stats.removed + 2 * stats.changed;
    const counts = apiBody.changes.summary.counts;
    const folds = [...first.body.matchAll(/id="fd-f(\d+)"/g)].map((m) => Number(m[1]));
    const foldPath = `/docs/${info.number}/diff-fold?${range}&fold=${folds[Math.floor(folds.length / 2)] ?? 0}`;
    const source = await get(agent, new URL(`${pagePath}&view=split`, portal.url), staff);

    const shape = `${Math.round(info.oldBytes / 1024)} KB → ${Math.round(info.newBytes / 1024)} KB, ${changedLines} changed lines; articles ${counts.added} added, ${counts.removed} removed, ${counts.changed} changed, ${counts.moved} moved, ${counts.renumbered} renumbered`;
    o.row("editions compared (generated law, two versions)", shape);

    // Warm: what every later reader gets (and the first one, when publication warmed the pair).
    const timed = async (paths: string[], count: number) => {
      const before = cpuMs(portal.pid);
      const r = await runSequential(portal.url, paths, staff, count);
      return { ...r, cpu: (cpuMs(portal.pid) - before) / count };
    };
    const cpu = (v: number) => `${v.toFixed(v >= 10 ? 0 : 1)} ms CPU/request`;
    const page = await timed([pagePath], samples);
    o.row("formatted diff page (default view), warm", `p50 ${ms(page.p50)} ms, p95 ${ms(page.p95)} ms; ${cpu(page.cpu)}`, "p95 < 300 ms", page.p95 < 300);
    o.row("formatted diff page, cold: first request after start; first request for a pair on a running portal", `${ms(coldPage.ms)} ms, ${cpu(coldPage.cpu)}; ${ms(coldPairPage.ms)} ms, ${cpu(coldPairPage.cpu)}`);
    const apiRun = await timed([apiPath], samples);
    o.row(`diff API (source lines + block changes, ${kb(api.bytes)} JSON; ${kb(full.bytes)} with text=full), warm`, `p50 ${ms(apiRun.p50)} ms, p95 ${ms(apiRun.p95)} ms; ${cpu(apiRun.cpu)}`, "p95 < 150 ms", apiRun.p95 < 150);
    const coldPairApi = await once(portal.url, portal.pid, agent, staff, reversedApi);
    agent.destroy();
    o.row("diff API, cold: first request after start; first request for a pair on a running portal", `${ms(coldApi.ms)} ms, ${cpu(coldApi.cpu)}; ${ms(coldPairApi.ms)} ms, ${cpu(coldPairApi.cpu)}`);
    const context = [...first.body.matchAll(/<script[^>]*>[^<]*__remixContext[\s\S]*?<\/script>/g)].map((m) => m[0]).join("");
    o.row(
      "formatted diff page size",
      `${kb(Buffer.byteLength(first.body))} (${kb(gzipSync(first.body).length)} gzip; hydration data ${kb(Buffer.byteLength(context))}), ${folds.length} folds`,
      "< 400 KB",
      Buffer.byteLength(first.body) < 400 * 1024,
    );
    const fold = await timed([foldPath], samples);
    o.row("one fold loaded on demand (JSON)", `p50 ${ms(fold.p50)} ms, p95 ${ms(fold.p95)} ms; ${cpu(fold.cpu)}`);
    const sourceRun = await timed([`${pagePath}&view=split`], Math.max(5, Math.floor(samples / 3)));
    o.row("markdown source diff page (side by side), warm", `p50 ${ms(sourceRun.p50)} ms, p95 ${ms(sourceRun.p95)} ms, ${kb(Buffer.byteLength(source.body))}`);

    // References on the same pair, in this run: git's own diff and jsdiff's line diff.
    const { lawEditions } = await import("../../tests/fixtures/editions");
    const pair = lawEditions();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "regula-diff-ref-"));
    try {
      fs.writeFileSync(path.join(dir, "old.md"), pair.old);
      fs.writeFileSync(path.join(dir, "new.md"), pair.new);
      const git = median(5, () => {
        // Exit status 1 means "differ".
        spawnSync("git", ["diff", "--no-index", "--no-color", "old.md", "new.md"], { cwd: dir, maxBuffer: 64 * 1024 * 1024 });
      });
      const lines = median(3, () => diffLines(pair.old, pair.new));
      o.row(
        "reference, same pair: git diff --no-index; jsdiff diffLines",
        `${ms(git)} ms; ${ms(lines)} ms — warm page p50 ${(page.p50 / git).toFixed(1)}× git, warm API p50 ${(apiRun.p50 / git).toFixed(1)}× git`,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    fs.writeFileSync(path.join(o.dataDir, "..", "diff-editions-page.html"), first.body);
  } finally {
    await portal.stop();
  }
}
