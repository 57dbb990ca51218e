import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import type { AuthUser } from "~/access/session.server";
import { apiProposal, readApiBody } from "~/revisions/api.server";
import { ApiCreateSchema } from "~/revisions/forms";
import { canViewProposal, listProposals } from "~/revisions/proposals.server";
import { createProposal } from "~/revisions/commands/create.server";
import { PROPOSAL_STATUSES, type ProposalStatus } from "~/revisions/types";
import { msg, ValidationError } from "~/utils/errors.server";
import { api, apiJson, methodNotAllowed } from "~/web/http.server";

/**
 * GET /api/v1/proposals?status=&number=&mine=1&waiting=1 — proposals the caller may see.
 * POST /api/v1/proposals — start a proposal: {kind: "revision"|"new"|"retire"|"restore", …}.
 */
export const loader = api(async ({ request, user }: LoaderFunctionArgs & { user: AuthUser }) => {
  const url = new URL(request.url);
  const status = url.searchParams.get("status");
  if (status && !PROPOSAL_STATUSES.includes(status as ProposalStatus)) {
    throw new ValidationError(msg("revisions.err.unknownStatus", { status: status.slice(0, 20) }), { status: `one of ${PROPOSAL_STATUSES.join(", ")}` });
  }
  const proposals = listProposals({
    status: (status as ProposalStatus) || undefined,
    number: url.searchParams.get("number") || undefined,
    authorId: url.searchParams.get("mine") === "1" ? user.id : undefined,
    waitingFor: url.searchParams.get("waiting") === "1" ? user.id : undefined,
  }).filter((p) => canViewProposal(user, p));
  return { proposals: proposals.map(apiProposal) };
});

export const action = api(async ({ request, user }: ActionFunctionArgs & { user: AuthUser }) => {
  if (request.method !== "POST") return methodNotAllowed("GET, POST");
  const input = await readApiBody(request, ApiCreateSchema);
  const proposal = await createProposal(user, input);
  return apiJson({ proposal: apiProposal(proposal) }, { status: 201, headers: { Location: `/api/v1/proposals/${proposal.id}` } });
});
