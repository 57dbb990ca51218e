/** The author takes a proposal back from review (inside the "revisions" lock). */
import type { AuthUser } from "~/access/session.server";
import { appendAudit } from "~/audit/audit.server";
import { ConflictError, msg } from "~/utils/errors.server";
import { withLock } from "~/utils/lock.server";
import type { Proposal } from "~/revisions/types";
import { LOCK, personRef, getProposal } from "~/revisions/proposals.server";
import { mutate, requireAuthor, decision } from "~/revisions/steps.server";

/** The author takes a proposal back from review to change it (approvals so far lapse). */
export async function recallProposal(user: AuthUser, id: string): Promise<Proposal> {
  return withLock(LOCK, async () => {
    const p = getProposal(id);
    requireAuthor(user, p);
    if (p.status !== "in-review") throw new ConflictError(msg("revisions.err.recallOnlyInReview"));
    const updated = await mutate(id, (rec) => {
      rec.status = "draft";
      rec.stage = undefined;
      rec.decisions.push(decision(personRef(user), "recalled"));
      return structuredClone(rec);
    });
    await appendAudit({ actor: user.username, action: "proposal.recall", object: p.number, details: { proposal: id } });
    return updated;
  });
}
