/**
 * npm run migrate-data -- --to postgres [--force]   DATA_DIR (db.json, audit log, notification logs) → DATABASE_URL
 * npm run migrate-data -- --to lowdb [--force]      DATABASE_URL → DATA_DIR
 * Copies the application data between the two stores, verifies counts and
 * hashes read back from the target, and refuses a target that already holds
 * data unless --force is given. Run it while the portal is stopped: DATA_DIR
 * is locked for the copy. Documents (the git repository) and the files under
 * DATA_DIR stay where they are.
 */
import { acquireDataDirLock } from "~/utils/process-lock.server";
import { getEnv } from "~/utils/env.server";
import { copyLowdbToPostgres, copyPostgresToLowdb, type CopyReport } from "~/data/migrate-data.server";

const USAGE = "Usage: npm run migrate-data -- --to postgres|lowdb [--force]   (DATABASE_URL names the database, DATA_DIR the installation)";

function describe(r: CopyReport): string {
  const counts = Object.entries(r.counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
  const logs = Object.entries(r.logLines)
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
  return `${counts || "no records"}; audit entries ${r.auditEntries}; log lines: ${logs}; data sha256 ${r.dataHash.slice(0, 16)}…, audit sha256 ${r.auditHash.slice(0, 16)}…, logs sha256 ${r.logsHash.slice(0, 16)}…`;
}

async function main() {
  const args = process.argv.slice(2);
  const at = args.indexOf("--to");
  const to = at >= 0 ? args[at + 1] : undefined;
  const force = args.includes("--force");
  const unknown = args.filter((a, i) => a !== "--force" && a !== "--to" && i !== at + 1);
  if ((to !== "postgres" && to !== "lowdb") || unknown.length) {
    console.error(USAGE);
    process.exit(2);
  }
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error(`migrate-data: DATABASE_URL is not set (postgres://user:password@host:5432/database).\n${USAGE}`);
    process.exit(2);
  }
  const env = getEnv();
  acquireDataDirLock("npm run migrate-data");
  const result =
    to === "postgres"
      ? await copyLowdbToPostgres({ dataDir: env.dataDir, url, force })
      : await copyPostgresToLowdb({ dataDir: env.dataDir, url, force });
  const from = to === "postgres" ? env.dataDir : "the database";
  console.log(`Copied from ${from}: ${describe(result.source)}`);
  console.log(`Verified in ${to === "postgres" ? "the database" : env.dataDir}: ${describe(result.target)}`);
  console.log(
    to === "postgres"
      ? "Done. Start the portal with DATABASE_URL set: db.json is no longer read (keep it as a fallback), and the audit log in DATA_DIR becomes this instance's copy of the database's."
      : "Done. Start the portal without DATABASE_URL to use DATA_DIR again.",
  );
}

main().catch((error) => {
  console.error(`migrate-data: ${(error as Error).message}`);
  process.exit(1);
});
