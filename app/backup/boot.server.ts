/**
 * Backups at start-up: the scheduled job (a backup whenever the last good one
 * is older than BACKUP_INTERVAL_HOURS, so downtime is caught up at the next
 * start), the health check and the figure on the admin home page.
 */
import { addAdminFigure } from "~/admin.server";
import { addHealthCheck } from "~/health.server";
import { minuteOf } from "~/utils/clock.server";
import { jobsRunHere, registerJob } from "~/utils/scheduler.server";
import { backupStatus, runScheduledBackup, type BackupStatus } from "./backup.server";

/** Last computed status, for the synchronous admin figure. */
let latest: BackupStatus | null = null;

async function refresh(): Promise<BackupStatus> {
  latest = await backupStatus();
  return latest;
}

registerJob("backup", async () => {
  await runScheduledBackup().finally(() => refresh().catch(() => {}));
});

addHealthCheck("backup", async () => {
  const s = await refresh();
  // With several instances only the leader makes the scheduled backups: another instance's own
  // folder ages (or keeps a failure from when it led) without anything being wrong.
  const mine = jobsRunHere();
  return {
    ok: !mine || (!s.overdue && !s.lastFailure),
    ...(mine ? {} : { madeBy: "leader" }),
    scheduled: s.scheduled,
    intervalHours: s.intervalHours,
    lastGood: s.lastGood?.createdAt ?? null,
    nextDue: s.nextDue,
    overdue: s.overdue,
    ...(s.lastFailure ? { lastFailure: s.lastFailure } : {}),
  };
});

addAdminFigure("/admin/backups", () => {
  if (!latest) return "…";
  const when = latest.lastGood ? minuteOf(latest.lastGood.createdAt) : "—";
  // Another instance makes the scheduled backups (decision 132): this one's folder ageing is no warning.
  return (latest.overdue && jobsRunHere()) || latest.lastFailure ? `⚠ ${when}` : when;
});

void refresh().catch(() => {});
