import type { ActionFunctionArgs } from "@remix-run/node";
import type { AuthUser } from "~/access/session.server";
import { apiProposal, readApiBody } from "~/revisions/api.server";
import { ApiApproveSchema } from "~/revisions/forms";
import { decideProposal } from "~/revisions/commands/decide.server";
import { api, methodNotAllowed } from "~/web/http.server";

/**
 * POST /api/v1/proposals/:id/approve {password, comment?} — approve the waiting
 * stage; the password is the electronic signature, as in the web form.
 */
export const action = api(async ({ request, params, user }: ActionFunctionArgs & { user: AuthUser }) => {
  const input = await readApiBody(request, ApiApproveSchema);
  const outcome = await decideProposal(user, String(params.id), { decision: "approve", password: input.password, comment: input.comment });
  return { result: outcome.result, proposal: apiProposal(outcome.proposal) };
});

export async function loader() {
  return methodNotAllowed("POST");
}
