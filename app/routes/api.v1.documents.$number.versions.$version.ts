import type { LoaderFunctionArgs } from "@remix-run/node";
import type { AuthUser } from "~/access/session.server";
import { openVersion } from "~/documents/documents.server";
import { apiVersion } from "~/documents/api.server";
import { AccessDeniedError, NotFoundError } from "~/utils/errors.server";
import { api } from "~/utils/http.server";

/** GET /api/v1/documents/:number/versions/:version — one version with body and html. */
export const loader = api(async ({ params, user }: LoaderFunctionArgs & { user: AuthUser }) => {
  if (!/^\d{1,6}$/.test(String(params.version))) throw new NotFoundError(`"${String(params.version).slice(0, 20)}" is not a version number`);
  const view = await openVersion(user, String(params.number), Number(params.version), "api");
  if (view.access === "denied") throw new AccessDeniedError(`You need access to ${view.summary.number}`);
  return {
    number: view.summary.number,
    title: view.meta.title,
    ...apiVersion(view.record, view.current.version),
    body: view.body,
    html: view.rendered.html,
  };
});
