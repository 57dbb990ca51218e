/**
 * npm run restore -- <backup file> [--force]
 * Restores a backup into DATA_DIR. DATA_DIR must be empty (a folder holding
 * only backups/ counts as empty) unless --force, which moves its current
 * contents to a sibling folder first. Stop the portal before restoring.
 */
import path from "node:path";

async function main() {
  const args = process.argv.slice(2);
  const force = args.includes("--force");
  const files = args.filter((a) => a !== "--force");
  if (files.length !== 1 || files[0].startsWith("--")) {
    console.error("Usage: npm run restore -- <backup file> [--force]");
    process.exit(2);
  }
  // Restoring brings back the backed-up session secret; no new one may be created first.
  process.env.SESSION_SECRET ??= "restore-tool-uses-no-sessions";
  const { restoreBackup } = await import("~/backup/restore.server");
  const started = Date.now();
  const report = await restoreBackup(path.resolve(files[0]), { force });
  if (report.movedAside) console.log(`The previous contents of DATA_DIR were moved to ${report.movedAside}`);
  console.log(`Restored the backup of ${report.createdAt} into ${report.dataDir} in ${Date.now() - started} ms:`);
  console.log(
    `  repository at ${report.head ?? "(empty)"} (${report.commits} commits, ${report.documents} documents, ${report.refs} refs), ` +
      `${report.users} users, ${report.dataFiles} data files.`,
  );
  console.log("Start the portal (npm start); it rebuilds the version and search indexes from the repository.");
}

main().catch((error) => {
  console.error(`restore: ${(error as Error).message}`);
  process.exit(1);
});
