import type { LoaderFunctionArgs } from "@remix-run/node";
import type { AuthUser } from "~/access/session.server";
import { openVersion } from "~/reading/open.server";
import { apiVersion } from "~/documents/api.server";
import { AccessDeniedError, msg, NotFoundError } from "~/utils/errors.server";
import { api, onlyMethods } from "~/web/http.server";

/** GET /api/v1/documents/:number/versions/:version — one version with body and html. */
export const loader = api(async ({ params, user }: LoaderFunctionArgs & { user: AuthUser }) => {
  if (!/^\d{1,6}$/.test(String(params.version))) throw new NotFoundError(msg("documents.err.notAVersion", { value: String(params.version).slice(0, 20) }));
  const view = await openVersion(user, String(params.number), Number(params.version), "api");
  if (view.access === "denied") throw new AccessDeniedError(msg("documents.err.needAccess", { number: view.summary.number }));
  return {
    number: view.summary.number,
    title: view.meta.title,
    ...apiVersion(view.record, view.current.version),
    body: view.body,
    html: view.rendered.html,
  };
});

/** Every other method: 405 in the documented JSON shape. */
export const action = onlyMethods("GET");
