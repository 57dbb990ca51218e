/**
 * Giving back the memory a burst of work leaves behind (decision 130).
 *
 * Loading the indexes at start (the search index file, the version index, the
 * citations) allocates several hundred megabytes that are garbage a moment
 * later. V8 collects them when it sees fit, but keeps the pages it freed for
 * the heap it expects to need again, so resident memory stays near the peak:
 * ~500–590 MB after a start on the 10,000-document corpus against ~180 MB of
 * live heap. After such a burst the portal asks V8, through an in-process
 * inspector session (no port is opened), for the collection a heap profiler
 * asks for: every available piece of garbage, with the freed pages given back
 * to the system. It is one pause of a few hundred milliseconds, once.
 *
 * The same holds after a busy spell: the heap grown under load stays grown.
 * While the portal is idle (its event loop busy less than 5 % of the last
 * interval) and resident memory has grown well past what the last collection
 * left, the portal collects once more. An idle portal is not collected again
 * and again: only new growth leads to another collection.
 */
import inspector from "node:inspector";
import { performance } from "node:perf_hooks";

let pending: NodeJS.Timeout | null = null;
/** Resident memory (MB) the last collection left. */
let lastAfterMB: number | null = null;

/** One collection of all available garbage, the freed memory given back; resolves with the resident memory before and after. */
export async function collectAllGarbage(): Promise<{ beforeMB: number; afterMB: number; ms: number }> {
  const mb = (v: number) => Math.round(v / 2 ** 20);
  const before = process.memoryUsage.rss();
  const started = performance.now();
  const session = new inspector.Session();
  session.connect();
  try {
    await new Promise<void>((resolve, reject) => session.post("HeapProfiler.collectGarbage", (error) => (error ? reject(error) : resolve())));
  } finally {
    session.disconnect();
  }
  lastAfterMB = mb(process.memoryUsage.rss());
  return { beforeMB: mb(before), afterMB: lastAfterMB, ms: Math.round(performance.now() - started) };
}

let startupPending = 0;
let startupAllListed = false;
let startupCollected = false;

/**
 * Marks a piece of start-up work that leaves garbage (loading or building an
 * index, a catch-up over every document); call the returned function when it
 * ends. When every piece listed before `allStartupWorkListed` has ended, start-up's
 * garbage is collected once.
 */
export function startupWork(): () => void {
  startupPending++;
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    startupPending--;
    collectWhenStartupEnds();
  };
}

/** Boot has listed all its start-up work (its steps have run and started their background parts). */
export function allStartupWorkListed(): void {
  startupAllListed = true;
  collectWhenStartupEnds();
}

/** A second after the last piece of start-up work ends (what it was still holding is let go by then), one collection, logged. */
function collectWhenStartupEnds() {
  if (!startupAllListed || startupPending > 0 || startupCollected) return;
  startupCollected = true;
  pending = setTimeout(() => {
    pending = null;
    collectAllGarbage().then(
      (r) => console.log(`[memory] after start-up: resident ${r.beforeMB} → ${r.afterMB} MB (garbage collected in ${r.ms} ms)`),
      (error) => console.warn(`[memory] could not collect after start-up: ${(error as Error).message}`),
    );
  }, 1_000);
  pending.unref();
}

/** How much resident memory may grow past what the last collection left before an idle spell gives it back. */
const IDLE_GROWTH_MB = 64;
/** Below this share of the interval spent working, the portal counts as idle. */
const IDLE_UTILIZATION = 0.05;

let idleTimer: NodeJS.Timeout | null = null;

/**
 * Checks every `everyMs` whether the portal is idle and has grown by more than
 * IDLE_GROWTH_MB since the last collection; if so, collects once (logged).
 */
export function startIdleRelease(everyMs = 10_000): void {
  if (idleTimer) return;
  let last = performance.eventLoopUtilization();
  idleTimer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    if (busy >= IDLE_UTILIZATION || pending) return;
    const rssMB = process.memoryUsage.rss() / 2 ** 20;
    if (lastAfterMB !== null && rssMB < lastAfterMB + IDLE_GROWTH_MB) return;
    collectAllGarbage().then(
      (r) => console.log(`[memory] idle after work: resident ${r.beforeMB} → ${r.afterMB} MB (garbage collected in ${r.ms} ms)`),
      (error) => console.warn(`[memory] could not collect while idle: ${(error as Error).message}`),
    );
  }, everyMs);
  idleTimer.unref();
}

export function stopIdleRelease(): void {
  if (idleTimer) clearInterval(idleTimer);
  idleTimer = null;
}
