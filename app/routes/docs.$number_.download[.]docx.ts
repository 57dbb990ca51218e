import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireUser } from "~/access/session.server";
import { docxDownload } from "~/downloads/downloads.server";
import { verifyBase } from "~/print/verify.server";
import { localeOf } from "~/shell.server";
import { resource } from "~/web/http.server";

/** GET /docs/<number>/download.docx[?version=N] — the version as a Word file (same access as the document). */
export const loader = resource(async ({ request, params }: LoaderFunctionArgs) => {
  const user = await requireUser(request);
  return docxDownload(user, String(params.number), new URL(request.url).searchParams.get("version"), localeOf(request, user), verifyBase(request.url));
});
