import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import type { AuthUser } from "~/access/session.server";
import { decideAccess } from "~/access/decisions.server";
import { onlyFields, readJsonBody, recorded, recordedApi } from "~/access/refusals.server";
import { requestFor, withdrawRequest } from "~/access/requests.server";
import { api, methodNotAllowed } from "~/web/http.server";

/** GET /api/v1/access/requests/:id — one request (its requester, its deciders and admins). */
export const loader = api(async ({ params, user }: LoaderFunctionArgs & { user: AuthUser }) => ({ request: await requestFor(user, String(params.id)) }));

/**
 * POST /api/v1/access/requests/:id — {decision: "approve", days, sections?, note?}
 * | {decision: "reject", reason} (deciders; for emergency access "approve" ratifies)
 * | {decision: "withdraw"} (the requester).
 */
export const action = recordedApi("access.decide", async ({ request, params, user }: ActionFunctionArgs & { user: AuthUser }) => {
  if (request.method !== "POST") return methodNotAllowed("GET, POST");
  const id = String(params.id);
  const body = await recorded(user.username, "access.decide", `request:${id.slice(0, 40)}`, async () => {
      const raw = await readJsonBody(request);
      const allowed = raw.decision === "approve" ? ["decision", "days", "sections", "note"] : raw.decision === "reject" ? ["decision", "reason"] : ["decision"];
      return onlyFields(raw, allowed);
    },
    { channel: "api" },
  );
  if (body.decision === "withdraw") return { request: await withdrawRequest(user, id) };
  const result = await decideAccess(user, id, body);
  return { request: result.request, grant: result.grant ?? null };
});
