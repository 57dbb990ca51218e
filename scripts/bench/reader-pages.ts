/**
 * The pages a reader uses every day, measured for issue 16's targets: the
 * current-document page against a static server serving the same bytes
 * (interleaved, same run), at 32 clients and at one; home, a category list,
 * search results and a history page by CPU time per request; and a soak of
 * requests abandoned mid-answer.
 */
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { get, runLoad, summarize, type LoadResult } from "./load";
import { abortSoak, interleaved, loadWithCpu, type CpuLoadResult } from "./pages";
import { idleMemoryOf, memoryOf, startPortal, startStatic, waitSearchReady, type BenchServer } from "./server";

type RowFn = (measure: string, result: string, target?: string, ok?: boolean | null) => void;

const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const cpu = (r: CpuLoadResult) => `${r.cpuPerRequest.toFixed(2)} ms CPU/request`;
const line = (r: LoadResult) => `${r.rps.toFixed(0)} req/s, p50 ${ms(r.p50)} ms, p99 ${ms(r.p99)} ms (${r.requests} requests${r.errors ? `, ${r.errors} errors` : ""})`;

export interface ReaderPagesContext {
  portal: BenchServer;
  headers: Record<string, string>;
  docPath: string;
  mixPaths: string[];
  historyPath: string;
  searchPaths: string[];
  categoryPath: string;
  work: string;
  concurrency: number;
  seconds: number;
  soakCount: number;
  row: RowFn;
  log: (line: string) => void;
}

export async function benchReaderPages(ctx: ReaderPagesContext) {
  const { portal, headers, row, log } = ctx;
  const first = await get(new http.Agent(), new URL(ctx.docPath, portal.url), headers);
  if (first.status !== 200) throw new Error(`${ctx.docPath} answered ${first.status}`);
  const htmlFile = path.join(ctx.work, "page.html");
  fs.writeFileSync(htmlFile, first.body);

  log(`Document page ${ctx.docPath} (${(first.bytes / 1024).toFixed(1)} KB) and the same bytes from a static server, ${ctx.concurrency} clients, interleaved …`);
  const reference = await startStatic(htmlFile);
  let doc: CpuLoadResult;
  let ref: CpuLoadResult;
  try {
    const rounds = 4;
    ({ portal: doc, reference: ref } = await interleaved({
      portal,
      reference,
      paths: [ctx.docPath],
      headers,
      concurrency: ctx.concurrency,
      rounds,
      roundMs: (ctx.seconds * 1000) / rounds,
    }));
  } finally {
    await reference.stop();
  }
  const ratio = doc.rps / ref.rps;
  row(`current-document page, ${ctx.concurrency} clients`, `${line(doc)}; ${cpu(doc)}`, "p99 < 50 ms, ≤ 0.6 ms CPU/request", doc.p99 < 50 && doc.cpuPerRequest <= 0.6);
  row(`same bytes from a static node server (same run, interleaved)`, `${line(ref)}; ${cpu(ref)}`);
  row("document page ÷ static server", `${(ratio * 100).toFixed(1)} % of the static throughput; ${(doc.cpuPerRequest / Math.max(ref.cpuPerRequest, 0.001)).toFixed(0)}× its CPU per request`, "≥ 10 %", ratio >= 0.1);

  const one = await loadWithCpu(portal, { paths: [ctx.docPath], headers, concurrency: 1, durationMs: Math.max(2000, ctx.seconds * 300) });
  row("current-document page, 1 client", `p50 ${ms(one.p50)} ms, p99 ${ms(one.p99)} ms (${one.requests} requests); ${cpu(one)}`, "p50 < 2 ms", one.p50 < 2);

  // As a browser asks for it: gzip, at zlib's fastest level (COMPRESSION=0 leaves it to a proxy).
  const gz = await loadWithCpu(portal, { paths: [ctx.docPath], headers: { ...headers, "Accept-Encoding": "gzip" }, concurrency: ctx.concurrency, durationMs: Math.max(2000, ctx.seconds * 300) });
  row(`current-document page with gzip, ${ctx.concurrency} clients`, `${line(gz)}; ${cpu(gz)}`);

  const mix = await loadWithCpu(portal, { paths: ctx.mixPaths, headers, concurrency: ctx.concurrency, durationMs: ctx.seconds * 500 });
  row(`current-document pages (${ctx.mixPaths.length} different documents), ${ctx.concurrency} clients`, `${line(mix)}; ${cpu(mix)}`, "≤ 0.6 ms CPU/request", mix.cpuPerRequest <= 0.6);

  const daily: [string, string[]][] = [
    ["home page", ["/"]],
    ["category list", [ctx.categoryPath]],
    ["search results page", ctx.searchPaths],
    ["history page", [ctx.historyPath]],
  ];
  for (const [name, paths] of daily) {
    const r = await loadWithCpu(portal, { paths, headers, concurrency: 4, durationMs: Math.max(1500, ctx.seconds * 200) });
    row(`${name} (${paths[0]}${paths.length > 1 ? `, ${paths.length} queries` : ""}), 4 clients`, `p50 ${ms(r.p50)} ms, p99 ${ms(r.p99)} ms (${r.requests} requests${r.errors ? `, ${r.errors} errors` : ""}); ${cpu(r)}`, "≤ 1.5 ms CPU/request", r.cpuPerRequest <= 1.5 && r.errors === 0);
  }
  const memAfterLoad = memoryOf(portal.pid);

  log(`Soak: ${ctx.soakCount} page requests abandoned mid-answer …`);
  const soak = await abortSoak({ server: portal, path: ctx.docPath, headers, count: ctx.soakCount });
  const secondHalf = soak.after.rssMB - soak.middle.rssMB;
  row(
    `soak: ${ctx.soakCount} page requests abandoned mid-answer (${soak.seconds.toFixed(0)} s)`,
    `resident ${soak.before.rssMB.toFixed(0)} → ${soak.middle.rssMB.toFixed(0)} (half) → ${soak.after.rssMB.toFixed(0)} MB, open descriptors ${soak.before.fds} → ${soak.after.fds}`,
    "no growth over the second half",
    secondHalf < 10 && soak.after.fds <= soak.before.fds + 5,
  );
  return { first, memAfterLoad };
}

export interface ColdStartContext {
  root: string;
  buildDir: string;
  dataDir: string;
  docPath: string;
  mixPaths: string[];
  searchPaths: string[];
  login: (base: string, username: string) => Promise<Record<string, string>>;
  concurrency: number;
  seconds: number;
  /** The highest resident memory seen before (first start, earlier runs). */
  peakMB: number;
  row: RowFn;
  log: (line: string) => void;
}

/**
 * A cold start with the indexes in place: time to the first served page and until searches are
 * answered, then the page and search load a day brings and the resident memory after it.
 * Returns the running portal.
 */
export async function benchColdStart(ctx: ColdStartContext): Promise<{ portal: BenchServer }> {
  const { row, log } = ctx;
  log("Cold start …");
  const coldStarted = Date.now();
  const portal = await startPortal({ root: ctx.root, buildDir: ctx.buildDir, dataDir: ctx.dataDir, waitForSearch: false });
  const coldReady = portal.readyMs;
  // A monitor polling /healthz every 20 ms from the first answer, through the index load and the
  // start-up work after it (collections included), until 10 s after search is ready.
  const health = pollHealth(portal.url);
  const staff = await ctx.login(portal.url, "staff");
  const firstPage = await get(new http.Agent(), new URL(ctx.docPath, portal.url), staff);
  await waitSearchReady(portal.url, 30 * 60_000);
  const coldSearch = Date.now() - coldStarted;
  await new Promise((r) => setTimeout(r, 10_000));
  const polled = await health.stop();
  row(
    "/healthz polled every 20 ms during the cold start (index load, start-up work and collections, 10 s after search is ready)",
    `${polled.requests} answers: p50 ${polled.p50.toFixed(1)} ms, p99 ${polled.p99.toFixed(1)} ms, max ${polled.max.toFixed(1)} ms; ${polled.over50} over 50 ms`,
    "< 50 ms at all times",
    polled.max < 50,
  );
  row(
    "cold start to first served page",
    `${(coldReady / 1000).toFixed(2)} s to /login, document page after it in ${ms(firstPage.ms)} ms; search index loaded at ${(coldSearch / 1000).toFixed(2)} s (searches wait until then)`,
    "first page < 2 s, search < 4 s",
    coldReady + firstPage.ms < 2000 && coldSearch < 4000,
  );
  // The page and search load a day brings, then resident memory.
  await runLoad({ base: portal.url, paths: ctx.mixPaths, headers: staff, concurrency: ctx.concurrency, durationMs: Math.min(5000, ctx.seconds * 1000), warmupMs: 200 });
  await runLoad({ base: portal.url, paths: ctx.searchPaths, headers: staff, concurrency: 4, durationMs: Math.min(3000, ctx.seconds * 500), warmupMs: 200 });
  const memLoaded = memoryOf(portal.pid);
  const memCold = await idleMemoryOf(portal.pid);
  const peak = Math.max(ctx.peakMB, memCold.peakMB);
  row(
    "resident memory (server process)",
    `${memCold.rssMB.toFixed(0)} MB after cold start + page and search load, once idle for 25 s (${memLoaded.rssMB.toFixed(0)} MB as the load ended); peak ${peak.toFixed(0)} MB (first start and all runs)`,
    "< 300 MB after cold start + load",
    memCold.rssMB < 300,
  );
  return { portal };
}

/** Polls /healthz (anonymous) one request at a time, 20 ms apart, until stopped; the latencies of the answers. */
function pollHealth(base: string): { stop: () => Promise<LoadResult & { over50: number }> } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const latencies: number[] = [];
  let running = true;
  const started = Date.now();
  const loop = (async () => {
    while (running) {
      const r = await get(agent, new URL("/healthz", base), {}).catch(() => null);
      if (r) latencies.push(r.ms);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      agent.destroy();
      return { ...summarize(latencies, 0, (Date.now() - started) / 1000), over50: latencies.filter((ms) => ms > 50).length };
    },
  };
}
