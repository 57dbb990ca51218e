import type { LoaderFunctionArgs } from "@remix-run/node";
import { openCurrent } from "~/reading/open.server";
import { apiDocument } from "~/documents/api.server";
import { recordOpened } from "~/notifications/acknowledgements.server";
import { AccessDeniedError, msg } from "~/utils/errors.server";
import { api, onlyMethods } from "~/web/http.server";

/** GET /api/v1/documents/:number — the current version with body (markdown) and html. */
export const loader = api(async ({ params, user }: LoaderFunctionArgs & { user: import("~/access/session.server").AuthUser }) => {
  const view = await openCurrent(user, String(params.number), "api");
  if (view.access === "denied") {
    throw new AccessDeniedError(msg("documents.err.needAccess", { number: view.summary.number }), {
      number: view.summary.number,
      title: view.summary.title,
      ownerDepartment: view.summary.ownerDepartment,
      requestAccess: `/access/request?number=${view.summary.number}`,
    });
  }
  await recordOpened(user.id, view.summary.number, view.record.version);
  return { ...apiDocument(view.summary), commit: view.record.commit, body: view.body, html: view.rendered.html, toc: view.rendered.toc };
});

/** Every other method: 405 in the documented JSON shape. */
export const action = onlyMethods("GET");
