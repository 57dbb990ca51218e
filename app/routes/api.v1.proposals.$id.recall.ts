import type { ActionFunctionArgs } from "@remix-run/node";
import type { AuthUser } from "~/access/session.server";
import { apiProposal } from "~/revisions/api.server";
import { recallProposal } from "~/revisions/commands/recall.server";
import { api, methodNotAllowed } from "~/web/http.server";

/** POST /api/v1/proposals/:id/recall — take a proposal back from review (author only). */
export const action = api(async ({ params, user }: ActionFunctionArgs & { user: AuthUser }) => {
  const p = await recallProposal(user, String(params.id));
  return { proposal: apiProposal(p) };
});

export async function loader() {
  return methodNotAllowed("POST");
}
