/**
 * Search at start-up: choose the engine, load the saved index (or bring it up
 * to date, or rebuild it), subscribe to publications, report health.
 */
import { onBoot } from "~/boot.server";
import { addHealthCheck } from "~/health.server";
import { chooseEngine, currentEngine, engineFallbackReason } from "./engine.server";
import { subscribeToPublications, syncIndex } from "./indexer.server";

subscribeToPublications(currentEngine);

onBoot("search", async () => {
  const engine = await chooseEngine();
  const report = await syncIndex(engine);
  const what =
    report.mode === "loaded"
      ? `loaded (${report.documents} documents)`
      : report.mode === "caught-up"
        ? `caught up (${report.changed} updated, ${report.removed} removed)`
        : `rebuilt (${report.documents} documents)`;
  console.log(`[search] ${engine.name} index ${what} in ${report.ms} ms`);
});

addHealthCheck("search", async () => {
  let engine;
  try {
    engine = currentEngine();
  } catch {
    return { ok: false, engine: "none", error: "search has not started" };
  }
  const health = await engine.health();
  const fallback = engineFallbackReason();
  return { ...health, ...(fallback ? { fallback } : {}) };
});
