import type { LoaderFunctionArgs } from "@remix-run/node";
import type { AuthUser } from "~/access/session.server";
import { historyOf } from "~/reading/open.server";
import { apiVersion } from "~/documents/api.server";
import { api, onlyMethods } from "~/web/http.server";

/** GET /api/v1/documents/:number/versions — every version, newest first. */
export const loader = api(async ({ params, user }: LoaderFunctionArgs & { user: AuthUser }) => {
  const { current, versions } = await historyOf(user, String(params.number));
  return { number: current.number, current: current.version, versions: versions.map((v) => apiVersion(v, current.version)) };
});

/** Every other method: 405 in the documented JSON shape. */
export const action = onlyMethods("GET");
