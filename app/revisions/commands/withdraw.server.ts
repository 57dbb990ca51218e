/** Closing a proposal without publishing it (inside the "revisions" lock). */
import type { AuthUser } from "~/access/session.server";
import { isAdmin } from "~/org/users.server";
import { appendAudit } from "~/audit/audit.server";
import { AccessDeniedError, ConflictError, msg, ValidationError } from "~/utils/errors.server";
import { withLock } from "~/utils/lock.server";
import { OPEN_STATUSES, type Proposal } from "~/revisions/types";
import { LOCK, personRef, getProposal } from "~/revisions/proposals.server";
import { mutate, decision } from "~/revisions/steps.server";

/** Closes a proposal without publishing (author, or an admin; a scheduled one only by an admin). */
export async function withdrawProposal(user: AuthUser, id: string, reason = ""): Promise<Proposal> {
  return withLock(LOCK, async () => {
    const p = getProposal(id);
    const admin = isAdmin(user);
    if (p.author.id !== user.id && !admin) throw new AccessDeniedError(msg("revisions.err.withdrawWho"));
    if (!OPEN_STATUSES.includes(p.status)) throw new ConflictError(msg("revisions.err.alreadyStatus", { status: p.status }));
    if (p.status === "scheduled" && !admin) throw new AccessDeniedError(msg("revisions.err.scheduledAdminOnly"));
    if ((p.status === "scheduled" || p.author.id !== user.id) && reason.trim().length < 3) {
      throw new ValidationError(msg("revisions.err.giveReason"), { reason: "required" });
    }
    const updated = await mutate(id, (rec) => {
      rec.status = "withdrawn";
      rec.stage = undefined;
      rec.scheduledFor = undefined;
      rec.decisions.push(decision(personRef(user), "withdrawn", reason.trim() ? { reason: reason.trim().slice(0, 2000) } : {}));
      return structuredClone(rec);
    });
    await appendAudit({ actor: user.username, action: "proposal.withdraw", object: p.number, details: { proposal: id, reason: reason.trim() || undefined } });
    return updated;
  });
}
