/**
 * Search at start-up: choose the engine, load the saved index (or bring it up
 * to date, or rebuild it), subscribe to publications, report health.
 */
import { startupWork } from "~/utils/memory.server";
import { onBoot, onShutdown } from "~/utils/lifecycle.server";
import { addHealthCheck } from "~/health.server";
import { catchUpProgress, chooseEngine, currentEngine, engineFallbackReason, searchLoading, setSearchReadiness, whenSearchReady } from "./choice.server";
import { registerJob } from "~/utils/scheduler.server";
import { catchUpIfBehind, subscribeToAttachmentText, subscribeToPublications, syncIndex } from "./indexer.server";
import { applySynonyms } from "./synonyms.server";

subscribeToPublications(currentEngine);
subscribeToAttachmentText(currentEngine);

// Repairs the index after a failed update (for example Meilisearch unreachable for a moment).
registerJob("search.catch-up", async () => {
  let engine;
  try {
    engine = currentEngine();
  } catch {
    return;
  }
  const report = await catchUpIfBehind(engine);
  if (report && report.changed + report.removed > 0) console.log(`[search] caught up: ${report.changed} updated, ${report.removed} removed`);
}, 300);

onBoot("search", async () => {
  // Loading (or rebuilding) the index runs after the server starts answering. Searches wait
  // until the saved index is read, then answer from what is indexed while the rest catches up.
  let usable: () => void = () => {};
  const ready = new Promise<void>((resolve) => (usable = resolve));
  setSearchReadiness(ready);
  // Reading or building the index leaves garbage the size of the index file (decision 130).
  const loaded = startupWork();
  let engine;
  try {
    engine = await chooseEngine();
  } catch (error) {
    usable(); // nothing to wait for: searches report that search has not started
    loaded();
    throw error;
  }
  try {
    await applySynonyms();
  } catch (error) {
    console.error(`[search] could not apply the synonym list: ${(error as Error).message}`);
  }
  const sync = syncIndex(engine, { onUsable: () => usable() }).then(
    (report) => {
      const what =
        report.mode === "loaded"
          ? `loaded (${report.documents} documents)`
          : report.mode === "caught-up"
            ? `caught up (${report.changed} updated, ${report.removed} removed)`
            : `rebuilt (${report.documents} documents)`;
      console.log(`[search] ${engine.name} index ${what} in ${report.ms} ms`);
    },
    (error) => console.error(`[search] could not load the index: ${(error as Error).message}; the catch-up job retries`),
  );
  void sync.finally(() => {
    usable();
    loaded();
  });
});

// An index change waiting for its (debounced) save is written before the process exits.
onShutdown("search", async () => {
  try {
    await whenSearchReady();
    await currentEngine().flush();
  } catch {
    /* no engine chosen yet: nothing to write */
  }
});

addHealthCheck("search", async () => {
  let engine;
  try {
    engine = currentEngine();
  } catch {
    return { ok: false, engine: "none", error: "search has not started" };
  }
  if (searchLoading()) return { ok: true, engine: engine.name, state: "loading" };
  const health = await engine.health();
  const fallback = engineFallbackReason();
  const catchingUp = catchUpProgress();
  return { ...health, ...(fallback ? { fallback } : {}), ...(catchingUp ? { state: "catching-up", catchingUp } : {}) };
});
