import type { LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { requireUser } from "~/access/session.server";
import { openNotification } from "~/notifications/centre.server";
import { localeOf } from "~/shell.server";
import { resource } from "~/web/http.server";

/** Opening a notification marks it read and goes where it leads (the diff, the document, the task). */
export const loader = resource(async ({ request, params }: LoaderFunctionArgs) => {
  const user = await requireUser(request);
  const href = await openNotification(user, localeOf(request, user), String(params.id));
  return redirect(href, { headers: { "Cache-Control": "private, no-store" } });
});
