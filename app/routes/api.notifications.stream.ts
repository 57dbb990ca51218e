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
    return new Response("Sign in to receive live notifications", { status: 401, headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" } });
  }
  const lastEventId = request.headers.get("Last-Event-ID") ?? new URL(request.url).searchParams.get("lastEventId");
  return openStream(user, localeOf(request, user), request.signal, lastEventId);
}
