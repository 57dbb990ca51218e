import type { ActionFunctionArgs } from "@remix-run/node";
import type { AuthUser } from "~/access/session.server";
import { apiProposal, readApiBody } from "~/revisions/api.server";
import { ApiReasonSchema } from "~/revisions/forms";
import { decideProposal } from "~/revisions/commands/decide.server";
import { api, methodNotAllowed } from "~/web/http.server";

/** POST /api/v1/proposals/:id/request-changes {reason} — send the proposal back for changes; the reason is required and shown to the editor. */
export const action = api(async ({ request, params, user }: ActionFunctionArgs & { user: AuthUser }) => {
  const input = await readApiBody(request, ApiReasonSchema);
  const outcome = await decideProposal(user, String(params.id), { decision: "request-changes", reason: input.reason });
  return { result: outcome.result, proposal: apiProposal(outcome.proposal) };
});

export async function loader() {
  return methodNotAllowed("POST");
}
