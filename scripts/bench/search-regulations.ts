/**
 * The benchmark suite's measure of search on regulation-shaped text: indexing
 * throughput and realistic queries on the generated corpus (see
 * scripts/bench-search.ts and scripts/bench/regulations.ts). Corpus size with
 * BENCH_SEARCH_DOCS (default 10,000) and BENCH_SEARCH_KB ("5-60").
 */
type Row = (measure: string, result: string, target?: string, ok?: boolean | null) => void;

export async function measureRegulationSearch(row: Row, log: (line: string) => void): Promise<void> {
  const { benchRegulationSearch } = await import("../bench-search");
  const documents = Number(process.env.BENCH_SEARCH_DOCS ?? 10_000);
  const [minKB, maxKB] = (process.env.BENCH_SEARCH_KB ?? "5-60").split("-").map(Number);
  log(`Search on regulation-shaped text (${documents} documents of ${minKB}–${maxKB} KB) …`);
  const r = await benchRegulationSearch({ shape: { documents, minKB, maxKB }, log });
  const shape = `${r.documents} regulation-shaped documents of ${r.shape.minKB}–${r.shape.maxKB} KB, ${r.textMB} MB of text`;
  row(`search index catch-up throughput (${shape})`, `${r.indexMBps} MB/s (CPU ${r.indexCpuMBps} MB/s)`, "≥ 2 MB/s", r.indexCpuMBps >= 2);
  row(
    `search, embedded engine, realistic queries (${shape}, ${r.queries} queries)`,
    `p50 ${r.p50Ms} ms, p95 ${r.p95Ms} ms (CPU p50 ${r.cpuP50Ms} ms, p95 ${r.cpuP95Ms} ms)`,
    "p95 < 10 ms",
    r.p95Ms < 10,
  );
  row(`search, the same queries the first time each is asked`, `CPU p50 ${r.firstCpuP50Ms} ms, p95 ${r.firstCpuP95Ms} ms`, "", null);
  row(
    `reference in the same run: the same queries by a linear scan of every document's text`,
    `CPU p50 ${r.scan.cpuP50Ms} ms, p95 ${r.scan.cpuP95Ms} ms (${(r.scan.cpuP95Ms / Math.max(0.01, r.cpuP95Ms)).toFixed(0)}× the engine's p95)`,
    "",
    null,
  );
  row(`longest wait of the event loop for one slice of indexing (what /healthz waits for at worst)`, `${r.longestSliceMs} ms`, "< 50 ms", r.longestSliceMs < 50);
  row(
    `event-loop delay while indexing (histogram, and a probe every 10 ms as a /healthz monitor would poll)`,
    `p50 ${r.loopDelay.p50Ms} ms, p99 ${r.loopDelay.p99Ms} ms, max ${r.loopDelay.maxMs} ms; ${r.loopDelay.over50} of ${r.loopDelay.samples} probes late by > 50 ms`,
    "< 50 ms",
    r.loopDelay.maxMs < 50,
  );
  for (const [what, d] of [
    ["saved (as after a change)", r.indexFile.save],
    ["read back (as at start)", r.indexFile.load],
  ] as const) {
    row(
      `event-loop delay while the ${r.indexFile.MB} MB index file is ${what}`,
      `p50 ${d.p50Ms} ms, p99 ${d.p99Ms} ms, max ${d.maxMs} ms; ${d.over50} of ${d.samples} probes late by > 50 ms`,
      "< 50 ms",
      d.maxMs < 50,
    );
  }
}
