/**
 * Publishing end to end, measured inside the portal's own domain code on the
 * benchmark corpus: start-up (database, version index, search index, every
 * domain's subscribers) and its background work, then revisions published one after another through
 * publishVersion: commit, version index, search index and every other
 * `document.published` subscriber (notifications, …) before it returns.
 * Prints one JSON line with the timings.
 */
const count = Number(process.argv[2] ?? 100);
const numbers = (process.argv[3] ?? "").split(",").filter(Boolean);

async function main() {
  const bootStart = Date.now();
  const { boot } = await import("~/boot.server");
  await boot();
  const bootMs = Date.now() - bootStart;
  // Publications are measured once start-up's background work is over (the search index loaded,
  // the duplicate report's index and the attachment-text catch-up done): until the event loop has
  // been idle for half a second, or 60 s at most.
  const { whenSearchReady } = await import("~/search/choice.server");
  await whenSearchReady();
  const { performance } = await import("node:perf_hooks");
  for (let waited = 0; waited < 60_000; waited += 500) {
    const before = performance.eventLoopUtilization();
    await new Promise((r) => setTimeout(r, 500));
    if (performance.eventLoopUtilization(performance.eventLoopUtilization(), before).utilization < 0.05) break;
  }
  const { publishVersion, readVersionContent } = await import("~/documents/documents.server");
  const { latestVersion } = await import("~/documents/version-index.server");
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const number = numbers[i % numbers.length];
    const current = latestVersion(number)!;
    const { meta, body } = await readVersionContent(current);
    const started = process.hrtime.bigint();
    await publishVersion({
      number,
      meta,
      body: `${body}\n\n修订记录 ${i}：补充说明第 ${i} 条。Revision note ${i}.`,
      author: { username: "editor", name: "王编辑", email: "editor@regula.example" },
      change: "minor",
      summary: `基准测试修订 ${i}`,
      approvedBy: ["approver"],
      expectedVersion: current.version,
    });
    latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  process.stdout.write(JSON.stringify({ bootMs, latencies }) + "\n");
  process.exit(0);
}

main().catch((error) => {
  console.error(`publish worker: ${(error as Error).stack ?? error}`);
  process.exit(1);
});

export {};
