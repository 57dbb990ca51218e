import type { ActionFunctionArgs } from "@remix-run/node";
import type { AuthUser } from "~/access/session.server";
import { takeEmergencyAccess, type EmergencyInput } from "~/access/emergency.server";
import { onlyFields, readJsonBody, recorded, recordedApi } from "~/access/refusals.server";
import { apiJson, methodNotAllowed } from "~/web/http.server";

/**
 * POST /api/v1/access/emergency — {number, justification, history?, days?, confirm: true}:
 * immediate access for 7 days unless ratified; 201 with the request and grant.
 */
export const action = recordedApi("access.emergency", async ({ request, user }: ActionFunctionArgs & { user: AuthUser }) => {
  if (request.method !== "POST") return methodNotAllowed("POST");
  const body = await recorded(user.username, "access.emergency", "", async () => onlyFields(await readJsonBody(request), ["number", "justification", "history", "days", "confirm"]), { channel: "api" });
  const { request: created, grant } = await takeEmergencyAccess(user, body as EmergencyInput);
  return apiJson({ request: created, grant }, { status: 201 });
});

export async function loader() {
  return methodNotAllowed("POST");
}
