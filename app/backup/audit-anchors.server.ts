/**
 * The audit log checked against the anchors kept outside it (decision 074):
 * every publication's commit on main carries `Audit-head: <seq> <hash>` (the
 * newest entry when it was made) and every backup's manifest an `audit`
 * anchor. A log cut short, or rewritten, disagrees with them even when its
 * head file was rewritten to match. Read-only: safe while the portal runs.
 */
import path from "node:path";
import { checkAnchor, parseAnchor, readAuditEntries, type AuditAnchor } from "~/audit/audit.server";
import { nativeTrailerValues } from "~/documents/native-history.server";
import { MAIN_REF, parseTrailers, resolveRef, walkFirstParent } from "~/documents/repo.server";
import { getEnv } from "~/utils/env.server";
import { backupDir, listBackups, readManifest } from "./backup.server";

export interface AnchorSource {
  /** How many anchors this source holds. */
  anchors: number;
  /** The newest anchor and where it is (commit subject or backup file). */
  newest: (AuditAnchor & { where: string }) | null;
  /** Each anchor the log disagrees with: where it is and what is wrong. */
  problems: string[];
}

export interface AnchorReport {
  ok: boolean;
  repository: AnchorSource;
  backups: AnchorSource & { dir: string };
}

async function repositoryAnchors(): Promise<{ where: string; value: string }[]> {
  const head = await resolveRef(MAIN_REF).catch(() => null);
  if (!head) return [];
  const native = await nativeTrailerValues(getEnv().repoDir, head, "Audit-head");
  if (native) return native.flatMap((c) => c.values.map((value) => ({ where: `commit ${c.commit.slice(0, 10)} (${c.subject.slice(0, 60)})`, value })));
  const commits = await walkFirstParent(head);
  return commits.flatMap((c) =>
    (parseTrailers(c.message)["Audit-head"] ?? []).map((value) => ({ where: `commit ${c.oid.slice(0, 10)} (${c.message.split("\n")[0].slice(0, 60)})`, value })),
  );
}

function judge(entries: { hash: string }[], list: { where: string; anchor: AuditAnchor | null; raw?: string }[]): AnchorSource {
  const problems: string[] = [];
  let newest: AnchorSource["newest"] = null;
  let anchors = 0;
  for (const { where, anchor, raw } of list) {
    if (!anchor) {
      problems.push(`${where}: its audit anchor "${(raw ?? "").slice(0, 80)}" cannot be read`);
      continue;
    }
    anchors++;
    if (!newest || anchor.seq > newest.seq) newest = { ...anchor, where };
    const problem = checkAnchor(entries, anchor);
    if (problem) problems.push(`${where}: ${problem}`);
  }
  return { anchors, newest, problems };
}

/** Checks the log against every commit trailer on main and every backup manifest in BACKUP_DIR. */
export async function checkAuditAnchors(): Promise<AnchorReport> {
  const entries = readAuditEntries();
  const fromRepo = (await repositoryAnchors()).map(({ where, value }) => ({ where, anchor: parseAnchor(value), raw: value }));
  const repository = judge(entries, fromRepo);

  const dir = backupDir();
  const fromBackups: { where: string; anchor: AuditAnchor | null; raw?: string }[] = [];
  const backupProblems: string[] = [];
  for (const record of await listBackups(dir)) {
    try {
      const manifest = await readManifest(path.join(dir, record.file));
      // Backups written before anchors were recorded hold none; they are not counted.
      if (manifest.audit) fromBackups.push({ where: `backup ${record.file}`, anchor: manifest.audit });
    } catch (error) {
      backupProblems.push(`backup ${record.file}: ${(error as Error).message}`);
    }
  }
  const backups = judge(entries, fromBackups);
  backups.problems.push(...backupProblems);
  return { ok: !repository.problems.length && !backups.problems.length, repository, backups: { ...backups, dir } };
}
