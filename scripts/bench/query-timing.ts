/**
 * The measuring loop the search benchmarks share: runs a list of queries for
 * a number of rounds against one or more searchers (interleaved, so that other
 * load on the machine falls on all of them alike), timing each call by the
 * clock and by this process's CPU time.
 */

/** The p-th percentile of sorted numbers (0 when there are none). */
export function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export interface QueryTimings {
  /** Milliseconds by the clock, per call. */
  wall: number[];
  /** Milliseconds of this process's CPU time, per call. */
  cpu: number[];
  /** CPU milliseconds per query text. */
  byQuery: Map<string, number[]>;
}

export interface TimingSummary {
  queries: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  cpuP50Ms: number;
  cpuP95Ms: number;
}

/** Times `fn` by the clock and by CPU. */
export async function timeCall(fn: () => Promise<unknown> | unknown): Promise<{ wallMs: number; cpuMs: number }> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  await fn();
  const used = process.cpuUsage(cpu);
  return { wallMs: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
}

/**
 * Runs every query `rounds` times against each searcher, interleaved; returns
 * the timings of each searcher in the order given.
 */
export async function timeQueries(
  queries: readonly string[],
  rounds: number,
  searchers: readonly ((query: string, round: number) => Promise<unknown> | unknown)[],
): Promise<QueryTimings[]> {
  const out = searchers.map(() => ({ wall: [] as number[], cpu: [] as number[], byQuery: new Map<string, number[]>() }));
  for (let round = 0; round < rounds; round++) {
    for (const q of queries) {
      for (let s = 0; s < searchers.length; s++) {
        const t = await timeCall(() => searchers[s](q, round));
        out[s].wall.push(t.wallMs);
        out[s].cpu.push(t.cpuMs);
        const list = out[s].byQuery.get(q) ?? [];
        list.push(t.cpuMs);
        out[s].byQuery.set(q, list);
      }
    }
  }
  return out;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** Percentiles of a set of timings (ms, two decimals). */
export function summarize(t: Pick<QueryTimings, "wall" | "cpu">): TimingSummary {
  const wall = [...t.wall].sort((a, b) => a - b);
  const cpu = [...t.cpu].sort((a, b) => a - b);
  return {
    queries: wall.length,
    p50Ms: round2(percentile(wall, 50)),
    p95Ms: round2(percentile(wall, 95)),
    maxMs: round2(wall[wall.length - 1] ?? 0),
    cpuP50Ms: round2(percentile(cpu, 50)),
    cpuP95Ms: round2(percentile(cpu, 95)),
  };
}

/** The slowest queries by median CPU time. */
export function slowestQueries(t: QueryTimings, count = 8): { q: string; cpuMs: number }[] {
  return [...t.byQuery]
    .map(([q, list]) => ({ q, cpuMs: Math.round(percentile([...list].sort((a, b) => a - b), 50) * 10) / 10 }))
    .sort((a, b) => b.cpuMs - a.cpuMs)
    .slice(0, count);
}
