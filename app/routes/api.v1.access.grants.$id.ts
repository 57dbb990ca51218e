import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import type { AuthUser } from "~/access/session.server";
import { getGrant, grantState, revokeGrant } from "~/access/grants.server";
import { mayDecideFor } from "~/access/delegates.server";
import { onlyFields, readJsonBody, recorded, recordedApi } from "~/access/refusals.server";
import { latestVersion } from "~/documents/version-index.server";
import { msg, NotFoundError } from "~/utils/errors.server";
import { api, methodNotAllowed } from "~/web/http.server";

/** GET /api/v1/access/grants/:id — one grant (its holder, its deciders, admins). */
export const loader = api(async ({ params, user }: LoaderFunctionArgs & { user: AuthUser }) => {
  const g = getGrant(String(params.id));
  if (!g || (g.userId !== user.id && !mayDecideFor(user, latestVersion(g.number)?.meta.ownerDepartment ?? ""))) {
    throw new NotFoundError(msg("access.err.noGrant"));
  }
  return { grant: { ...g, state: grantState(g) } };
});

/** POST or DELETE /api/v1/access/grants/:id — {reason}: revokes the grant now. */
export const action = recordedApi("access.revoke", async ({ request, params, user }: ActionFunctionArgs & { user: AuthUser }) => {
  if (request.method !== "POST" && request.method !== "DELETE") {
    return methodNotAllowed("GET, POST, DELETE");
  }
  const id = String(params.id);
  const body = await recorded(user.username, "access.revoke", `grant:${id.slice(0, 40)}`, async () => onlyFields(await readJsonBody(request), ["reason"]), { channel: "api" });
  const grant = await revokeGrant(user, id, String(body.reason ?? ""));
  return { grant: { ...grant, state: grantState(grant) } };
});
