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
    `p50 ${r.p50Ms} ms, p95 ${r.p95Ms} ms (CPU p95 ${r.cpuP95Ms} ms)`,
    "p95 < 10 ms",
    r.p95Ms < 10,
  );
}
