/** An administrator routes a stage of a proposal in review to a named person (inside the "revisions" lock). */
import type { AuthUser } from "~/access/session.server";
import { getUserByUsername, isAdmin } from "~/org/users.server";
import { nowIso } from "~/utils/clock.server";
import { AccessDeniedError, ConflictError, msg, ValidationError } from "~/utils/errors.server";
import { withLock } from "~/utils/lock.server";
import { routeGap } from "~/revisions/routing.server";
import type { Proposal } from "~/revisions/types";
import { LOCK, personRef, getProposal, owningDepartment, approvedThisRound, rerouteCandidates } from "~/revisions/proposals.server";
import { announceWaiting, routeGapError, recordStep } from "~/revisions/steps.server";

/**
 * An administrator routes one waiting or later stage of a proposal in review to a
 * named person (for the rest of this round). Refused when the person cannot take
 * the stage or the stage would still have nobody.
 */
export async function rerouteProposal(user: AuthUser, id: string, stageIndex: number, username: string): Promise<Proposal> {
  if (!isAdmin(user)) throw new AccessDeniedError(msg("revisions.err.rerouteAdminOnly"));
  const events: (() => Promise<void>)[] = [];
  const updated = await withLock(LOCK, async () => {
    const p = getProposal(id);
    if (p.status !== "in-review" || !p.stage) throw new ConflictError(msg("revisions.err.notWaiting", { status: p.status }), { status: p.status });
    if (!Number.isInteger(stageIndex) || stageIndex < p.stage.index || stageIndex >= p.stages.length) {
      throw new ValidationError(msg("revisions.reroute.badStage"), { stage: "not a waiting stage" }).saying(
        { key: "revisions.reroute.badStage" },
        { stage: { key: "revisions.reroute.badStage" } }
      );
    }
    const target = getUserByUsername(username);
    if (!target || !rerouteCandidates(p).some((u) => u.id === target.id)) {
      throw new ValidationError(msg("revisions.reroute.badPerson"), {
        username: "not eligible",
      }).saying({ key: "revisions.reroute.badPerson" }, { username: { key: "revisions.reroute.badPerson" } });
    }
    const overrides = { ...(p.routeOverrides ?? {}), [stageIndex]: target.id };
    const gap = routeGap(p, p.stages, owningDepartment(p), { from: p.stage.index, approved: approvedThisRound(p), overrides });
    if (gap && gap.stage <= stageIndex) throw routeGapError(gap, { key: "revisions.reroute.refused", text: "The stage was not re-routed:" });
    const at = nowIso();
    const reason = `stage ${stageIndex + 1} (${p.stages[stageIndex]}) → ${target.username}`;
    const result = await recordStep(
      id,
      (rec) => {
        rec.routeOverrides = overrides;
        if (rec.stage && rec.stage.index === stageIndex) rec.stage.approverIds = [target.id];
        rec.decisions.push({ at, by: personRef(user), decision: "rerouted", stage: stageIndex, stageToken: p.stages[stageIndex], reason });
        return structuredClone(rec);
      },
      [{ actor: user.username, action: "proposal.reroute", object: p.number, details: { proposal: id, stage: stageIndex + 1, token: p.stages[stageIndex], to: target.username } }]
    );
    if (stageIndex === p.stage.index) events.push(() => announceWaiting(result));
    return result;
  });
  for (const fn of events) await fn();
  return updated;
}
