/**
 * npm run reindex — rebuilds the search index of the configured engine
 * (Meilisearch when MEILI_HOST is set, otherwise the embedded index in
 * $DATA_DIR/search) from the current versions in the repository, with a
 * progress bar and a summary. Run it while the portal is stopped.
 */
import fs from "node:fs";
import path from "node:path";
import { acquireDataDirLock } from "~/utils/process-lock.server";
import { getEnv } from "~/utils/env.server";
import { loadDb } from "~/data/db.server";
import { ensureRepo } from "~/documents/repo.server";
import { allLatest, loadVersionIndex } from "~/documents/version-index.server";
import { chooseEngine } from "~/search/choice.server";
import { searchDir } from "~/search/engine.server";
import { MeiliEngine } from "~/search/meili.server";
import { syncIndex } from "~/search/indexer.server";

const WIDTH = 30;

function progress() {
  const tty = process.stderr.isTTY;
  let lastQuarter = -1;
  return (done: number, total: number) => {
    const ratio = total ? done / total : 1;
    const pct = Math.floor(ratio * 100);
    if (tty) {
      const filled = Math.round(ratio * WIDTH);
      process.stderr.write(`\r[${"#".repeat(filled)}${"-".repeat(WIDTH - filled)}] ${String(pct).padStart(3)}% ${done}/${total}`);
      if (done >= total) process.stderr.write("\n");
    } else {
      const quarter = Math.floor(ratio * 4);
      if (quarter !== lastQuarter) {
        lastQuarter = quarter;
        console.log(`indexed ${done}/${total} (${pct}%)`);
      }
    }
  };
}

async function main() {
  const env = getEnv();
  acquireDataDirLock("npm run reindex");
  await loadDb();
  await ensureRepo();
  await loadVersionIndex();
  if (env.MEILI_HOST) {
    // Asked for Meilisearch: rebuilding the embedded index instead would not help.
    const health = await new MeiliEngine({ host: env.MEILI_HOST, apiKey: env.MEILI_API_KEY }).health();
    if (!health.ok) {
      console.error(`reindex: Meilisearch at ${env.MEILI_HOST} is not reachable (${String(health.error)}). Start it (or unset MEILI_HOST) and run again; nothing was rebuilt.`);
      process.exit(1);
    }
  }
  const engine = await chooseEngine({ log: () => {} });
  const latest = allLatest();
  console.log(`Rebuilding the ${engine.name === "meilisearch" ? `Meilisearch index "${env.MEILI_INDEX}"` : "embedded index"} from ${latest.length} documents…`);
  const report = await syncIndex(engine, { full: true, onProgress: progress() });
  const retired = latest.filter((r) => r.meta.retired).length;
  const limited = latest.filter((r) => r.meta.confidentiality !== "internal").length;
  const lines = [
    `Search index rebuilt (${engine.name}) in ${(report.ms / 1000).toFixed(1)} s`,
    `  documents: ${report.documents} (${report.documents - retired} current, ${retired} retired; ${limited} department or restricted)`,
    `  repository head: ${report.head ?? "(empty repository)"}`,
  ];
  if (engine.name === "embedded") {
    const file = path.join(searchDir(), "embedded.json");
    const size = fs.existsSync(file) ? fs.statSync(file).size : 0;
    lines.push(`  saved to: ${file} (${(size / 1024).toFixed(0)} KB)`);
  } else {
    const health = await engine.health();
    lines.push(`  Meilisearch documents: ${String(health.documents ?? "?")}`);
  }
  console.log(lines.join("\n"));
}

main().catch((error) => {
  console.error(`reindex: ${(error as Error).message}`);
  process.exit(1);
});
