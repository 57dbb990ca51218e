/**
 * Electronic signatures of people who sign in through a company provider:
 * they have no portal password, so approving sends them to the provider to
 * authenticate again (prompt=login, max_age=0). Their decision (the comment,
 * the stage and content they approve) is held on the server for that one
 * attempt, bound to their session; it is recorded only when the provider's
 * fresh answer comes back, all at once, or not at all (decision 086).
 */
import type { AuthUser } from "~/access/session.server";
import { beginReauthentication, isRefusalReason, providerLabel, type Reauthentication } from "~/access/oidc-sign-in.server";
import { CLOCK_TOLERANCE_SECONDS, OidcError, randomId } from "~/access/oidc.server";
import { appendAudit } from "~/audit/audit.server";
import type { User } from "~/data/schema";
import { ConflictError, DomainError, msg, type Msg } from "~/utils/errors.server";
import { AccessDeniedError } from "~/utils/errors.server";
import { currentApprovers, getProposal } from "./proposals.server";
import { decideProposal } from "./commands/decide.server";
import type { DecisionOutcome } from "./steps.server";

/** An approval waiting for the signer's re-authentication. */
interface HeldApproval {
  id: string;
  kind: "proposal-approval";
  userId: string;
  proposalId: string;
  stageToken: string;
  contentCommit: string;
  comment: string;
  createdAt: number;
  /** Why the last attempt did not record it (shown with the comment kept). */
  problem?: Msg;
}

const HELD_TTL_MS = 30 * 60_000;
const HELD_MAX = 2000;
const held = new Map<string, HeldApproval>();

function sweep() {
  const nowMs = Date.now();
  for (const [id, h] of held) if (nowMs - h.createdAt > HELD_TTL_MS) held.delete(id);
  while (held.size >= HELD_MAX) held.delete(held.keys().next().value!);
}

/**
 * Starts signing an approval at the signer's provider: checks that the person
 * may approve the waiting stage now, holds the comment, and returns where to
 * send the browser.
 */
export async function startApprovalSignature(request: Request, user: AuthUser, proposalId: string, comment: string): Promise<{ location: string; setCookie?: string }> {
  const p = getProposal(proposalId);
  if (user.identity?.source !== "oidc") throw new AccessDeniedError(msg("revisions.err.signWithPassword"));
  if (p.status !== "in-review" || !p.stage) throw new ConflictError(msg("revisions.err.notWaiting", { status: p.status }), { status: p.status });
  if (!currentApprovers(p).some((a) => a.id === user.id)) throw new AccessDeniedError(msg("revisions.err.notYours"));
  sweep();
  const h: HeldApproval = {
    id: randomId(),
    kind: "proposal-approval",
    userId: user.id,
    proposalId,
    stageToken: p.stage.token,
    contentCommit: p.headCommit,
    comment: comment.trim().slice(0, 4000),
    createdAt: Date.now(),
  };
  held.set(h.id, h);
  const back = `/proposals/${encodeURIComponent(proposalId)}?held=${h.id}`;
  try {
    return await beginReauthentication(request, user, { held: h.id }, back);
  } catch (error) {
    // The provider cannot be reached (or is no longer configured): nothing is recorded, the comment is kept.
    if (!(error instanceof OidcError)) throw error;
    h.problem = { key: `oidc.err.${error.reason}`, vars: { provider: user.identity.provider } };
    await appendAudit({ actor: user.username, action: "auth.reauthenticate", outcome: "failed", details: { authMethod: `oidc:${user.identity.provider}`, reason: error.reason, detail: error.detail } });
    return { location: `${back}&signError=${error.reason}` };
  }
}

/**
 * Records a held approval once the provider confirmed the signer: only if the
 * proposal still waits at the same stage with the same content. The held
 * decision is used once; a refusal keeps the comment for another attempt.
 */
export async function finishApprovalSignature(user: User, pending: unknown, proof: Reauthentication): Promise<{ proposalId: string; outcome?: DecisionOutcome; heldId?: string }> {
  const heldId = (pending as { held?: unknown } | undefined)?.held;
  const h = typeof heldId === "string" ? held.get(heldId) : undefined;
  if (!h || h.userId !== user.id) throw new ConflictError(msg("revisions.err.signatureExpired"));
  try {
    const p = getProposal(h.proposalId);
    if (p.status !== "in-review" || p.stage?.token !== h.stageToken || p.headCommit !== h.contentCommit) {
      throw new ConflictError(msg("revisions.err.changedWhileSigning"));
    }
    const outcome = await decideProposal({ ...user, via: "cookie" }, h.proposalId, { decision: "approve", reauthenticated: proof, comment: h.comment });
    held.delete(h.id);
    return { proposalId: h.proposalId, outcome };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    h.problem = error.key ? { key: error.key, vars: error.vars } : msg("revisions.err.signatureExpired");
    return { proposalId: h.proposalId, heldId: h.id };
  }
}

/** The held approval a page shows again (its comment, and why it was not recorded), for its signer only. */
export function heldApproval(user: Pick<User, "id">, proposalId: string, heldId: string | null): { comment: string; problem?: Msg } | null {
  const h = heldId ? held.get(heldId) : undefined;
  if (!h || h.userId !== user.id || h.proposalId !== proposalId) return null;
  return { comment: h.comment, problem: h.problem };
}

/** The proposal a held approval belongs to (to show a refusal there). */
export function heldProposalId(pending: unknown): string | null {
  const heldId = (pending as { held?: unknown } | undefined)?.held;
  return typeof heldId === "string" ? held.get(heldId)?.proposalId ?? null : null;
}

/** What the approval form of a company provider's account shows: the provider, the comment kept, and why the last attempt failed. */
export function ssoSigning(
  user: Pick<User, "id" | "identity">,
  proposalId: string,
  params: URLSearchParams,
): { provider: { "zh-CN": string; en: string }; comment: string; problem: Msg | null } | null {
  if (user.identity?.source !== "oidc") return null;
  const provider = providerLabel(user.identity.provider) ?? { "zh-CN": user.identity.provider, en: user.identity.provider };
  const kept = heldApproval(user, proposalId, params.get("held"));
  const reason = params.get("signError");
  let problem: Msg | null = null;
  if (reason === "decision") problem = kept?.problem ?? msg("revisions.err.signatureExpired");
  else if (reason && isRefusalReason(reason)) problem = msg(`oidc.err.${reason}`, { provider: provider.en, seconds: CLOCK_TOLERANCE_SECONDS });
  return { provider, comment: kept?.comment ?? "", problem };
}
