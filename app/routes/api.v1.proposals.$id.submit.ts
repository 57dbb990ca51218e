import type { ActionFunctionArgs } from "@remix-run/node";
import type { AuthUser } from "~/access/session.server";
import { apiProposal } from "~/revisions/api.server";
import { submitProposal } from "~/revisions/commands/submit.server";
import { api, methodNotAllowed } from "~/web/http.server";

/** POST /api/v1/proposals/:id/submit — send a draft for approval (author only). */
export const action = api(async ({ params, user }: ActionFunctionArgs & { user: AuthUser }) => {
  const p = await submitProposal(user, String(params.id));
  return { proposal: apiProposal(p) };
});

export async function loader() {
  return methodNotAllowed("POST");
}
