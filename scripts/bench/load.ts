/**
 * A small closed-loop load generator: N concurrent clients over keep-alive
 * connections, each sending its next request as soon as the previous answer
 * has been read, for a fixed time. Latencies are kept per request.
 */
import http from "node:http";

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  bytes: number;
  /** Every latency, in ms, when the run was asked to keep them (to merge interleaved rounds). */
  latencies?: number[];
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function summarize(latencies: number[], errors: number, seconds: number, bytes = 0): LoadResult {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    seconds,
    rps: latencies.length / seconds,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? 0,
    bytes,
  };
}

/** One GET; resolves with status, body length and milliseconds. */
export function get(agent: http.Agent, url: URL, headers: Record<string, string>): Promise<{ status: number; bytes: number; ms: number; body: string }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = http.request(url, { agent, headers, method: "GET" }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, bytes: body.length, ms, body: body.toString("utf8") });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

/** Runs `concurrency` clients against paths (round-robin) for `durationMs`, after a short warm-up. */
export async function runLoad(options: {
  base: string;
  paths: string[];
  headers?: Record<string, string>;
  concurrency: number;
  durationMs: number;
  warmupMs?: number;
  keepLatencies?: boolean;
}): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const headers = options.headers ?? {};
  let next = 0;
  const nextUrl = () => new URL(options.paths[next++ % options.paths.length], options.base);
  // Warm-up: fill caches and open connections; not measured.
  const warmEnd = Date.now() + (options.warmupMs ?? 1500);
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (Date.now() < warmEnd) await get(agent, nextUrl(), headers).catch(() => {});
    }),
  );
  const latencies: number[] = [];
  let errors = 0;
  let bytes = 0;
  const started = Date.now();
  const end = started + options.durationMs;
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (Date.now() < end) {
        try {
          const res = await get(agent, nextUrl(), headers);
          if (res.status !== 200) errors++;
          else {
            latencies.push(res.ms);
            bytes += res.bytes;
          }
        } catch {
          errors++;
        }
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  agent.destroy();
  const result = summarize(latencies, errors, seconds, bytes);
  return options.keepLatencies ? { ...result, latencies } : result;
}

/** Sequential requests (one at a time), for per-request latency of heavier pages. */
export async function runSequential(base: string, paths: string[], headers: Record<string, string>, count: number): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < Math.min(3, count); i++) await get(agent, new URL(paths[i % paths.length], base), headers);
  const latencies: number[] = [];
  let errors = 0;
  const started = Date.now();
  for (let i = 0; i < count; i++) {
    const res = await get(agent, new URL(paths[i % paths.length], base), headers);
    if (res.status === 200) latencies.push(res.ms);
    else errors++;
  }
  agent.destroy();
  return summarize(latencies, errors, (Date.now() - started) / 1000);
}
