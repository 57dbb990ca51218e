import type { LoaderFunctionArgs } from "@remix-run/node";
import type { AuthUser } from "~/access/session.server";
import { grantState, grantsInForce, grantsOf } from "~/access/grants.server";
import { isAdmin } from "~/org/users.server";
import { AccessDeniedError, msg } from "~/utils/errors.server";
import { api, onlyMethods } from "~/web/http.server";

/**
 * GET /api/v1/access/grants — my grants with their state;
 * ?all=1 (admins): every grant in force, optionally &number=.
 */
export const loader = api(async ({ request, user }: LoaderFunctionArgs & { user: AuthUser }) => {
  const url = new URL(request.url);
  if (url.searchParams.get("all") === "1") {
    if (!isAdmin(user)) throw new AccessDeniedError(msg("access.err.adminGrants"));
    return { grants: grantsInForce({ number: url.searchParams.get("number")?.toUpperCase() || undefined }) };
  }
  return { grants: grantsOf(user.id).map((g) => ({ ...g, state: grantState(g) })) };
});

/** Every other method: 405 in the documented JSON shape. */
export const action = onlyMethods("GET");
