import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import type { AuthUser } from "~/access/session.server";
import { onlyFields, readJsonBody, recorded, recordedApi } from "~/access/refusals.server";
import { myRequests, submitAccessRequest, type RequestInput } from "~/access/requests.server";
import { api, apiJson, methodNotAllowed } from "~/web/http.server";

/** GET /api/v1/access/requests — my access requests and emergency accesses, newest first. */
export const loader = api(async ({ user }: LoaderFunctionArgs & { user: AuthUser }) => ({ requests: myRequests(user.id) }));

/**
 * POST /api/v1/access/requests — {number, purpose, scope: "all"|"sections",
 * sections?: string[], history?: boolean, days?: 1–90}; 201 with the request.
 */
export const action = recordedApi("access.request", async ({ request, user }: ActionFunctionArgs & { user: AuthUser }) => {
  if (request.method !== "POST") return methodNotAllowed("GET, POST");
  const body = await recorded(user.username, "access.request", "", async () => onlyFields(await readJsonBody(request), ["number", "purpose", "scope", "sections", "history", "days"]), { channel: "api" });
  const created = await submitAccessRequest(user, body as RequestInput);
  return apiJson({ request: created }, { status: 201, headers: { Location: `/api/v1/access/requests/${created.id}` } });
});
