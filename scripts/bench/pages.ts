/**
 * Page measurements with the server's own CPU time: each run reads the server
 * process's user + system time from /proc/<pid>/stat before and after and
 * divides by the requests answered, so the figure does not depend on how busy
 * the machine is. The document page is compared with a static server serving
 * the same bytes in the same run, in interleaved rounds, so both see the same
 * machine load.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import { runLoad, summarize, type LoadResult } from "./load";
import { idleMemoryOf, memoryOf, type BenchServer } from "./server";

let ticksPerSecond = 0;
/** CPU time (user + system) a process has used so far, in ms (Linux /proc). */
export function cpuMs(pid: number): number {
  if (!ticksPerSecond) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces) in parentheses: utime is the 14th, stime the 15th.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}

export interface CpuLoadResult extends LoadResult {
  /** Server CPU time per answered request, ms. */
  cpuPerRequest: number;
}

/** One load run with the server's CPU time per request. */
export async function loadWithCpu(server: BenchServer, options: Omit<Parameters<typeof runLoad>[0], "base">): Promise<CpuLoadResult> {
  // The warm-up is part of runLoad; CPU is read around the measured part only by running the warm-up first.
  await runLoad({ ...options, base: server.url, durationMs: 0, warmupMs: options.warmupMs ?? 1000 });
  const before = cpuMs(server.pid);
  const result = await runLoad({ ...options, base: server.url, warmupMs: 0 });
  const cpu = cpuMs(server.pid) - before;
  return { ...result, cpuPerRequest: result.requests ? cpu / result.requests : 0 };
}

function merge(runs: CpuLoadResult[]): CpuLoadResult {
  const latencies = runs.flatMap((r) => r.latencies ?? []);
  const seconds = runs.reduce((n, r) => n + r.seconds, 0);
  const errors = runs.reduce((n, r) => n + r.errors, 0);
  const bytes = runs.reduce((n, r) => n + r.bytes, 0);
  const cpu = runs.reduce((n, r) => n + r.cpuPerRequest * r.requests, 0);
  const merged = summarize(latencies, errors, seconds, bytes);
  return { ...merged, cpuPerRequest: merged.requests ? cpu / merged.requests : 0 };
}

/**
 * The portal and a static server, alternately for `rounds` rounds of
 * `roundMs` each, with the same clients; the results of each side merged.
 */
export async function interleaved(options: {
  portal: BenchServer;
  reference: BenchServer;
  paths: string[];
  headers: Record<string, string>;
  concurrency: number;
  rounds: number;
  roundMs: number;
}): Promise<{ portal: CpuLoadResult; reference: CpuLoadResult }> {
  const portalRuns: CpuLoadResult[] = [];
  const referenceRuns: CpuLoadResult[] = [];
  for (let i = 0; i < options.rounds; i++) {
    const common = { concurrency: options.concurrency, durationMs: options.roundMs, keepLatencies: true, warmupMs: i === 0 ? 1500 : 300 };
    portalRuns.push(await loadWithCpu(options.portal, { ...common, paths: options.paths, headers: options.headers }));
    referenceRuns.push(await loadWithCpu(options.reference, { ...common, paths: ["/"] }));
  }
  return { portal: merge(portalRuns), reference: merge(referenceRuns) };
}

/**
 * Opens `count` connections in batches, each sending a page request and
 * closing before the answer is read (half at once, half after the first
 * bytes of the answer), with ordinary page loads in between. Returns the
 * server's resident memory and open descriptors before and after.
 */
export async function abortSoak(options: { server: BenchServer; path: string; headers: Record<string, string>; count: number; batch?: number }) {
  const { hostname, port } = new URL(options.server.url);
  const request = `GET ${options.path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\n${Object.entries(options.headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("")}\r\n`;
  const fds = () => {
    try {
      return fs.readdirSync(`/proc/${options.server.pid}/fd`).length;
    } catch {
      return 0;
    }
  };
  const abortOne = (i: number) =>
    new Promise<void>((resolve) => {
      const socket = net.connect(Number(port), hostname, () => {
        socket.write(request);
        if (i % 2 === 0) setImmediate(() => socket.destroy());
      });
      socket.once("data", () => socket.destroy());
      socket.once("close", () => resolve());
      socket.once("error", () => resolve());
    });
  const settle = async () => {
    // Ordinary loads between batches; the server finishes the abandoned renders meanwhile.
    await runLoad({ base: options.server.url, paths: [options.path], headers: options.headers, concurrency: 4, durationMs: 300, warmupMs: 0 });
  };
  const batch = options.batch ?? 100;
  // A first round so that caches and pools are at their working size before the "before" figure.
  for (let i = 0; i < batch; i++) await abortOne(i);
  await settle();
  // Each figure is read after the portal has been idle long enough to give back what the load grew
  // (decision 130), so that growth means memory still held, not a heap not yet collected.
  const before = { ...(await idleMemoryOf(options.server.pid)), fds: fds() };
  const started = Date.now();
  // Two halves: the first lets the heap reach its working size under this load, the second
  // should then add nothing (a leak grows with every aborted request, in both halves alike).
  let middle = before;
  const half = Math.ceil(options.count / batch / 2) * batch;
  for (let done = 0; done < options.count; done += batch) {
    await Promise.all(Array.from({ length: Math.min(batch, options.count - done) }, (_, i) => abortOne(done + i)));
    if ((done / batch) % 10 === 9) await settle();
    if (done + batch === half) {
      await settle();
      middle = { ...(await idleMemoryOf(options.server.pid)), fds: fds() };
    }
  }
  await settle();
  const seconds = (Date.now() - started) / 1000;
  const after = { ...(await idleMemoryOf(options.server.pid)), fds: fds() };
  return { before, middle, after, seconds };
}
