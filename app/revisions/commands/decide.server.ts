/**
 * An approver's decision on the waiting stage: approval (signed with the
 * password), rejection or a request for changes. Everything is worked out
 * before anything is written; the record and its audit entries change together
 * (recordStep) inside the "revisions" lock, and events go out after it.
 */
import { checkSignaturePassword } from "~/access/signature-password.server";
import type { Reauthentication } from "~/access/oidc-sign-in.server";
import { refusesDemoPassword } from "~/access/demo-accounts.server";
import { clearLoginFailures, loginRate, recordLoginFailure } from "~/access/rate-limit.server";
import type { AuthUser } from "~/access/session.server";
import { getUserById } from "~/org/users.server";
import { appendAudit, type AuditInput } from "~/audit/audit.server";
import { emit } from "~/documents/events.server";
import { AccessDeniedError, ConflictError, DomainError, msg, ValidationError } from "~/utils/errors.server";
import { withLock } from "~/utils/lock.server";
import { syncDb } from "~/data/db.server";
import { approvalMeaning, routeGap } from "~/revisions/routing.server";
import type { Decision, Proposal } from "~/revisions/types";
import { LOCK, type Actor, personRef, link, getProposal, owningDepartment, approvedThisRound, currentApproverIds, isStale } from "~/revisions/proposals.server";
import { decision, announceWaiting, routeGapError, startStage, type DecisionOutcome, stageTimes, returnStale, finalise, recordStep } from "~/revisions/steps.server";

export type DecisionInput = { decision: "approve"; password?: string; reauthenticated?: Reauthentication; comment?: string } | { decision: "reject" | "request-changes"; reason: string };

/** How long a re-authentication at the provider stays good for signing (the provider answered moments ago). */
const REAUTH_MAX_AGE_MS = 5 * 60_000;

/**
 * Checks the signer's password (rate-limited like sign-in), or for an account of a company
 * sign-in provider its fresh re-authentication there; throws on failure. Returns how the
 * signer was authenticated ("password", "ldap-bind" or "oidc:<provider>"), recorded with the signature.
 */
async function verifySignature(user: Actor, input: { password?: string; reauthenticated?: Reauthentication }, p: Proposal, early: Promise<EarlyCheck>): Promise<string> {
  const fresh = getUserById(user.id);
  if (fresh?.identity?.source === "oidc") {
    const proof = input.reauthenticated;
    const age = proof ? Date.now() - Date.parse(proof.at) : Infinity;
    if (proof && proof.method === `oidc:${fresh.identity.provider}` && age < REAUTH_MAX_AGE_MS) return proof.method;
    await appendAudit({ actor: user.username, action: "proposal.approve", object: p.number, outcome: "failed", details: { proposal: p.id, reason: "no fresh sign-in at the provider" } });
    throw new ValidationError(msg("revisions.err.signAtProvider"), { password: "revisions.err.signAtProvider" });
  }
  const password = input.password ?? "";
  const key = signKey(user);
  const pre = await early;
  if ("error" in pre) throw pre.error;
  if (pre.wait > 0) throw new DomainError("rate_limited", msg("revisions.err.signRateLimited", { minutes: Math.ceil(pre.wait / 60) }), { retryAfter: pre.wait });
  // Checked again when the account changed since the early check (a new password saved through another instance).
  const same = fresh && pre.check && fresh.passwordHash === pre.hash && fresh.identity?.source === pre.source;
  const check = same ? pre.check! : fresh ? await checkSignaturePassword(fresh, password) : { ok: false, method: "password" as const };
  // The published demo password signs nothing on a real installation (decision 091).
  const ok = !!password && !refusesDemoPassword(password) && check.ok;
  if (!ok) {
    await recordLoginFailure(key);
    await appendAudit({
      actor: user.username,
      action: "proposal.approve",
      object: p.number,
      outcome: "failed",
      details: { proposal: p.id, reason: "wrong password", method: check.method },
    });
    throw new ValidationError(msg("revisions.err.wrongPassword"), { password: "wrong password" });
  }
  if (pre.failures > 0) await clearLoginFailures(key);
  return check.method;
}

const signKey = (user: Actor) => `sign|${user.username.toLowerCase()}`;

/** The signer's rate-limit state and password check, worked out before the decision's lock (never rejects). */
type EarlyCheck =
  | { wait: number; failures: number; hash?: string; source?: string; check?: { ok: boolean; method: "password" | "ldap-bind" } }
  | { error: unknown };

/**
 * Starts the signature's slow part — the password hash (tens of milliseconds of scrypt, off the
 * event loop) or the directory bind — while the decision waits for its lock and reads the latest
 * records. Nothing is decided from it before the rate limit is read, and its answer is used only
 * if the account is unchanged when the decision is made.
 */
async function startSignatureCheck(user: Actor, input: { password?: string }): Promise<EarlyCheck> {
  try {
    const { wait, failures } = await loginRate(signKey(user));
    const fresh = getUserById(user.id);
    if (wait > 0 || !fresh || fresh.identity?.source === "oidc") return { wait, failures };
    const check = await checkSignaturePassword(fresh, input.password ?? "");
    return { wait, failures, hash: fresh.passwordHash, source: fresh.identity?.source, check };
  } catch (error) {
    return { error };
  }
}

/**
 * An approver's decision on the waiting stage. Approvals are signed by
 * re-entering the password; rejections and requests for changes need a reason.
 * The final approval publishes (or schedules, with a future effective date).
 */
export async function decideProposal(user: AuthUser, id: string, input: DecisionInput): Promise<DecisionOutcome> {
  const events: (() => Promise<void>)[] = [];
  const early = input.decision === "approve" ? startSignatureCheck(user, input) : null;
  const outcome = await withLock(LOCK, async (): Promise<DecisionOutcome> => {
    // With several instances, the proposal may have been submitted through another one a moment ago.
    await syncDb();
    const p = getProposal(id);
    if (p.author.id === user.id) throw new AccessDeniedError(msg("revisions.err.ownProposal"));
    if (p.status !== "in-review" || !p.stage) throw new ConflictError(msg("revisions.err.notWaiting", { status: p.status }), { status: p.status });
    if (!currentApproverIds(p).includes(user.id)) {
      throw new AccessDeniedError(
        approvedThisRound(p).includes(user.id)
          ? msg("revisions.err.approvedEarlier")
          : msg("revisions.err.notYours")
      );
    }
    const stage = p.stage;
    const me = personRef(user);
    const timing = { stage: stage.index, stageToken: stage.token, stageRole: stage.role };
    const title = `${p.number} ${p.meta.title}`;
    if (input.decision !== "approve") {
      const reason = input.reason.trim();
      if (reason.length < 3) throw new ValidationError(msg("revisions.err.reasonForEditor"), { reason: "required" });
      const status = input.decision === "reject" ? "rejected" : "changes-requested";
      const kind = input.decision === "reject" ? "rejected" : "changes-requested";
      const updated = await recordStep(
        id,
        (rec) => {
          rec.status = status;
          rec.stage = undefined;
          rec.decisions.push({ ...decision(me, kind, { ...timing, reason: reason.slice(0, 4000), contentCommit: rec.headCommit }), ...stageTimes(stage) });
          return structuredClone(rec);
        },
        [{ actor: user.username, action: `proposal.${input.decision}`, object: p.number, details: { proposal: id, stage: stage.token, reason } }]
      );
      events.push(() =>
        emit("proposal.decided", {
          proposalId: id,
          number: p.number,
          title,
          authorId: p.author.id,
          decision: kind,
          stage: stage.role,
          byUserId: user.id,
          reason,
          link: link(id),
        })
      );
      return { proposal: updated, result: kind };
    }
    const signedWith = await verifySignature(user, input, p, early!);
    if (isStale(p)) {
      const updated = await returnStale(p, me);
      return { proposal: updated, result: "returned" };
    }
    const meaning = approvalMeaning(stage.role);
    const comment = input.comment?.trim() ? input.comment.trim().slice(0, 4000) : undefined;
    const signed: Decision = {
      ...decision(me, "approved", { ...timing, meaning, signed: true, signedWith, contentCommit: p.headCommit, ...(comment ? { reason: comment } : {}) }),
      ...stageTimes(stage),
    };
    const approveAudit: AuditInput = {
      actor: user.username,
      action: "proposal.approve",
      object: p.number,
      details: { proposal: id, stage: stage.token, meaning, signed: true, signedWith, contentCommit: p.headCommit },
    };
    const approvedEvent = () =>
      emit("proposal.decided", {
        proposalId: id,
        number: p.number,
        title,
        authorId: p.author.id,
        decision: "approved",
        stage: stage.role,
        byUserId: user.id,
        link: link(id),
      });
    // Everything is worked out before anything is written: an approval that cannot be carried
    // through leaves no signature, decision, audit entry or event behind (decision 070).
    if (stage.index + 1 < p.stages.length) {
      const approvedAfter = [...approvedThisRound(p), user.id];
      const gap = routeGap(p, p.stages, owningDepartment(p), { from: stage.index + 1, approved: approvedAfter, overrides: p.routeOverrides });
      if (gap) throw routeGapError(gap, { key: "revisions.route.approvalRefused", text: "Your approval was not recorded:" });
      const next = startStage(p, stage.index + 1, approvedAfter);
      const updated = await recordStep(
        id,
        (rec) => {
          rec.decisions.push(signed);
          rec.stage = next;
          return structuredClone(rec);
        },
        [approveAudit]
      );
      events.push(approvedEvent);
      events.push(() => announceWaiting(updated));
      return { proposal: updated, result: "next-stage" };
    }
    return finalise(p, me, events, { signed, audit: approveAudit, event: approvedEvent });
  });
  for (const fn of events) await fn();
  return outcome;
}
