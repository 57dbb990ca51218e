/**
 * npm run backup [-- --out <dir>] [--keep-all]
 * Writes one verified backup of DATA_DIR (repository bundle + data files) to
 * BACKUP_DIR (or --out). Safe while the portal runs: it only reads DATA_DIR
 * (the database is replaced atomically by rename, git objects never change)
 * and writes nothing but the backup and its record.
 */
import fs from "node:fs";
import path from "node:path";

function usage(): never {
  console.error("Usage: npm run backup [-- --out <dir>] [--keep-all]");
  process.exit(2);
}

async function main() {
  const args = process.argv.slice(2);
  let outDir: string | undefined;
  let prune = true;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--out") outDir = args[++i] ?? usage();
    else if (args[i] === "--keep-all") prune = false;
    else usage();
  }
  const dataDir = path.resolve(process.env.DATA_DIR ?? "./data");
  if (!fs.existsSync(path.join(dataDir, "db.json")) && !fs.existsSync(path.join(dataDir, "repo", "HEAD"))) {
    console.error(`backup: ${dataDir} holds no Regula data (no db.json, no repository). Set DATA_DIR.`);
    process.exit(1);
  }
  // The backup tool never signs anyone in; a placeholder keeps it from creating a session secret in DATA_DIR.
  process.env.SESSION_SECRET ??= "backup-tool-uses-no-sessions";
  const { createBackup, backupDir } = await import("~/backup/backup.server");
  const started = Date.now();
  const record = await createBackup({ trigger: "command", by: process.env.USER || "command line", outDir, prune });
  const file = path.join(outDir ? path.resolve(outDir) : backupDir(), record.file);
  console.log(`Backup written: ${file}`);
  console.log(
    `  ${(record.size / 1024).toFixed(1)} KB, verified ${record.verified.ok ? "OK" : "FAILED"}; ` +
      `${record.commits} commits, ${record.documents} documents, ${record.users} users, ${record.dataFiles} data files; ` +
      `${Date.now() - started} ms`,
  );
  // With DATABASE_URL the dump's connections end here, so the command returns at once.
  const { closeDb } = await import("~/data/db.server");
  await closeDb();
}

main().catch((error) => {
  console.error(`backup: ${(error as Error).message}`);
  process.exit(1);
});
