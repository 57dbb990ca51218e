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
 */
import inspector from "node:inspector";

let pending: NodeJS.Timeout | null = null;

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
  return { beforeMB: mb(before), afterMB: mb(process.memoryUsage.rss()), ms: Math.round(performance.now() - started) };
}

/**
 * Collects `delayMs` after the last call (calls in between coalesce, so a burst
 * made of several steps is collected once, at its end), and logs what it gave back.
 */
export function releaseAfterBurst(reason: string, delayMs = 1_000): void {
  if (pending) clearTimeout(pending);
  pending = setTimeout(() => {
    pending = null;
    collectAllGarbage().then(
      (r) => console.log(`[memory] after ${reason}: resident ${r.beforeMB} → ${r.afterMB} MB (garbage collected in ${r.ms} ms)`),
      (error) => console.warn(`[memory] could not collect after ${reason}: ${(error as Error).message}`),
    );
  }, delayMs);
  pending.unref();
}
