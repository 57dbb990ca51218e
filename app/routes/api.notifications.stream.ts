import { apiJson } from "~/web/http.server";
import { translate } from "~/i18n/i18n";
import type { LoaderFunctionArgs } from "@remix-run/node";
import { getUser } from "~/access/session.server";
import { openStream } from "~/notifications/live.server";
import { localeOf } from "~/shell.server";

/**
 * The live stream for open pages (Server-Sent Events). A browser reconnecting
 * after a drop sends Last-Event-ID (or `?lastEventId=` when the page opens a
 * new stream itself) and receives what it missed.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await getUser(request);
  if (!user) {
    return apiJson({ error: { code: "unauthorized", message: translate("en", "error.apiSignIn") } }, { status: 401, headers: { "Cache-Control": "no-store" } });
  }
  const lastEventId = request.headers.get("Last-Event-ID") ?? new URL(request.url).searchParams.get("lastEventId");
  return openStream(user, localeOf(request, user), request.signal, lastEventId);
}
