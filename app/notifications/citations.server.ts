/**
 * When a document is retired or changes in a major way, the owners of the
 * current documents that cite it are told (decision 089): one notification
 * per person per publication, naming their citing documents. Recipients are
 * the citing documents' department owners (its approvers, else the admins),
 * as for review reminders.
 */
import { citingDocuments, whenCitationsReady } from "~/documents/citation-index.server";
import { latestVersion } from "~/documents/version-index.server";
import type { DomainEvents } from "~/documents/events.server";
import { notify } from "./dispatch.server";
import { departmentOwners } from "./recipients.server";

/** Tells the owners of citing documents that a document they cite was retired or changed in a major way. */
export async function onCitedDocumentPublished({ record, actor }: DomainEvents["document.published"]): Promise<void> {
  if (record.change !== "retire" && record.change !== "major") return;
  await whenCitationsReady();
  const byOwner = new Map<string, string[]>();
  for (const citing of citingDocuments(record.number)) {
    const current = latestVersion(citing);
    if (!current || current.meta.retired) continue;
    for (const owner of departmentOwners(current.meta.ownerDepartment)) {
      if (owner.username === actor) continue;
      byOwner.set(owner.id, [...(byOwner.get(owner.id) ?? []), citing]);
    }
  }
  if (!byOwner.size) return;
  await notify(
    [...byOwner].map(([userId, numbers]) => ({
      userId,
      kind: "citation.affected" as const,
      group: "changes" as const,
      digest: false,
      key: `cited:${record.number}@${record.version}`,
      number: record.number,
      version: record.version,
      change: record.change,
      data: { citing: numbers.join(",") },
    })),
  );
}
