import type { ActionFunctionArgs } from "@remix-run/node";
import type { AuthUser } from "~/access/session.server";
import { apiProposal, readApiBody } from "~/revisions/api.server";
import { ApiWithdrawSchema } from "~/revisions/forms";
import { withdrawProposal } from "~/revisions/commands/withdraw.server";
import { api, methodNotAllowed } from "~/web/http.server";

/** POST /api/v1/proposals/:id/withdraw {reason?} — close a proposal without publishing it. */
export const action = api(async ({ request, params, user }: ActionFunctionArgs & { user: AuthUser }) => {
  const input = await readApiBody(request, ApiWithdrawSchema);
  const p = await withdrawProposal(user, String(params.id), input.reason);
  return { proposal: apiProposal(p) };
});

export async function loader() {
  return methodNotAllowed("POST");
}
