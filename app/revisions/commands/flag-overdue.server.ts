/** The scheduler's job: a waiting stage past its due time is flagged once, to its approvers and the admins. */
import { now } from "~/utils/clock.server";
import { emit } from "~/documents/events.server";
import { link, listProposals, currentApproverIds, isOverdue } from "~/revisions/proposals.server";
import { mutate } from "~/revisions/steps.server";

/** Raises the overdue flag once per waiting stage (to its approvers and the admins). */
export async function flagOverdueApprovals(): Promise<number> {
  const at = now();
  let flagged = 0;
  for (const p of listProposals({ status: "in-review" })) {
    if (!p.stage || p.stage.overdueFlaggedAt || !isOverdue(p, at)) continue;
    const stageIndex = p.stage.index;
    const approverIds = currentApproverIds(p);
    await mutate(p.id, (rec) => {
      if (rec.stage && rec.stage.index === stageIndex) rec.stage.overdueFlaggedAt = at.toISOString();
    });
    await emit("approval.overdue", {
      kind: "proposal",
      id: p.id,
      number: p.number,
      title: `${p.number} ${p.meta.title}`,
      approverIds,
      dueAt: p.stage.dueAt,
      link: link(p.id),
    });
    flagged++;
  }
  return flagged;
}
