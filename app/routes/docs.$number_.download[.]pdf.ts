import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireUser } from "~/access/session.server";
import { pdfDownload } from "~/downloads/downloads.server";
import { localeOf } from "~/shell.server";
import { resource } from "~/web/http.server";

/** GET /docs/<number>/download.pdf[?version=N] — the print view's controlled copy as a PDF (same access as the document). */
export const loader = resource(async ({ request, params }: LoaderFunctionArgs) => {
  const user = await requireUser(request);
  return pdfDownload(user, String(params.number), new URL(request.url).searchParams.get("version"), localeOf(request, user));
});
