/** The scheduler's job: scheduled revisions whose effective date has come are published, each in its own lock. */
import { today } from "~/utils/clock.server";
import { withLock } from "~/utils/lock.server";
import { LOCK, SYSTEM, listProposals, getProposal } from "~/revisions/proposals.server";
import { publishApproved } from "~/revisions/steps.server";

/**
 * Publishes scheduled revisions whose effective date has come (the scheduler
 * job; safe to run any number of times, and after downtime it catches up).
 */
export async function publishDueRevisions(): Promise<{ published: string[]; returned: string[] }> {
  const out = { published: [] as string[], returned: [] as string[] };
  const due = listProposals({ status: "scheduled" }).filter((p) => (p.scheduledFor ?? p.effectiveDate ?? "") <= today());
  for (const candidate of due) {
    await withLock(LOCK, async () => {
      const p = getProposal(candidate.id);
      if (p.status !== "scheduled") return;
      const result = await publishApproved(p, SYSTEM);
      (result.result === "published" ? out.published : out.returned).push(p.id);
    });
  }
  return out;
}
