/**
 * Keeping proposals level with the main line: after a crash between a
 * publication and its bookkeeping (at start-up), and when another publication
 * makes open proposals on the same document stale.
 */
import { collection } from "~/data/db.server";
import { versionsOf, type VersionRecord } from "~/documents/version-index.server";
import { withLock } from "~/utils/lock.server";
import type { Proposal } from "~/revisions/types";
import { COLLECTION, LOCK, SYSTEM, listProposals, getProposal } from "~/revisions/proposals.server";
import { returnStale, finishPublication } from "~/revisions/steps.server";

/**
 * Brings proposal records level with the main line after a crash between a
 * publication and its bookkeeping: a proposal whose id is on a main-line
 * commit is published, and a publication whose shared records were never
 * written gets them now (at start-up, and on the scheduler's leader, so that
 * another instance finishes what a dead one left: decision 121).
 */
export async function reconcileWithMainLine(): Promise<number> {
  let fixed = 0;
  for (const p of listProposals({ open: true })) {
    const record = versionsOf(p.number).find((v) => v.proposal === p.id);
    if (!record) continue;
    await withLock(LOCK, async () => {
      const fresh = getProposal(p.id);
      if (fresh.status === "published") return;
      await finishPublication(fresh, record, SYSTEM);
      fixed++;
    });
  }
  return fixed;
}

/**
 * When a version is published, proposals on the same document that were in
 * review or scheduled on an older base go back to their authors: their
 * approvals no longer describe the text that would be published.
 * Called from the "document.published" subscription (no lock: a plain db update).
 */
export async function onDocumentPublished(record: VersionRecord): Promise<void> {
  const affected = collection<Proposal>(COLLECTION).filter(
    (p) => p.number === record.number && p.id !== record.proposal && (p.status === "in-review" || p.status === "scheduled") && p.baseVersion < record.version
  );
  for (const p of affected) await returnStale(structuredClone(p), SYSTEM);
}
