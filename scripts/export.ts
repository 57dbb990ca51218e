/**
 * npm run export -- <folder> [--include-retired]
 *
 * Writes the current version of every document as markdown with front matter
 * to <folder>/<CATEGORY>/<NUMBER>.md, read from the repository's main line,
 * with its attachments in <NUMBER>.attachments/ and <NUMBER>.attachments.json.
 * Read-only: it may run while the portal is serving the same DATA_DIR.
 */
import path from "node:path";
import { exportCurrent } from "~/import/export.server";

async function main() {
  const argv = process.argv.slice(2);
  const includeRetired = argv.includes("--include-retired");
  const positional = argv.filter((a) => !a.startsWith("--"));
  if (positional.length !== 1 || argv.includes("--help")) {
    console.log("Usage: npm run export -- <folder> [--include-retired]");
    process.exit(argv.includes("--help") ? 0 : 2);
  }
  const folder = path.resolve(positional[0]);
  const report = await exportCurrent(folder, { includeRetired });
  const attachments = report.written.reduce((n, w) => n + w.attachments, 0);
  console.log(
    `Exported ${report.written.length} document(s)${attachments ? ` with ${attachments} attachment(s)` : ""} to ${folder} (repository ${report.head.slice(0, 10)})` +
      (report.skippedRetired ? `; ${report.skippedRetired} retired left out (add --include-retired)` : "") +
      ".",
  );
}

main().catch((error) => {
  console.error(`export: ${(error as Error).message}`);
  process.exit(1);
});
