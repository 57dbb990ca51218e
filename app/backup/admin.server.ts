/**
 * What an administrator does with backups in the portal: back up now,
 * verify again, download. Each is recorded in the audit log.
 */
import fs from "node:fs";
import { appendAudit } from "~/audit/audit.server";
import { backupPath, createBackup, reverifyBackup, type BackupRecord } from "./backup.server";

/** Makes a backup at an administrator's request. */
export async function backUpNow(actor: string): Promise<BackupRecord> {
  try {
    const record = await createBackup({ trigger: "manual", by: actor });
    await appendAudit({ actor, action: "backup.create", object: `backup:${record.file}`, details: { size: record.size, head: record.head } });
    return record;
  } catch (error) {
    await appendAudit({ actor, action: "backup.create", outcome: "failed", details: { error: (error as Error).message } }).catch(() => {});
    throw error;
  }
}

/** Reads a backup back in full and records the result. */
export async function verifyAgain(file: string, actor: string): Promise<BackupRecord> {
  const record = await reverifyBackup(file);
  await appendAudit({
    actor,
    action: "backup.verify",
    object: `backup:${record.file}`,
    outcome: record.verified.ok ? "ok" : "failed",
    ...(record.verified.error ? { details: { error: record.verified.error } } : {}),
  });
  return record;
}

/** Opens a backup for download (the file holds every record, so each download is logged). */
export async function openBackupDownload(file: string, actor: string): Promise<{ stream: fs.ReadStream; size: number; name: string }> {
  const full = backupPath(file);
  const { size } = fs.statSync(full);
  await appendAudit({ actor, action: "backup.download", object: `backup:${file}`, details: { size } });
  return { stream: fs.createReadStream(full), size, name: file };
}
