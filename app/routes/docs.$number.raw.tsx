import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireUser } from "~/access/session.server";
import { openCurrent, openVersion } from "~/reading/open.server";
import { AccessDeniedError, msg, NotFoundError } from "~/utils/errors.server";
import { resourceErrorPage } from "~/web/http.server";
import { serializeDocument } from "~/documents/front-matter";

/** The markdown source (with front matter) of the current version, or ?version=N. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  try {
    const user = await requireUser(request);
    const number = String(params.number);
    const v = new URL(request.url).searchParams.get("version");
    if (v !== null && !/^\d{1,6}$/.test(v)) throw new NotFoundError(msg("documents.err.notAVersion", { value: v.slice(0, 20) }));
    const view = v ? await openVersion(user, number, Number(v), "raw") : await openCurrent(user, number, "raw");
    if (view.access === "denied") throw new AccessDeniedError(msg("documents.err.needAccess", { number: view.summary.number }));
    return new Response(serializeDocument(view.meta, view.body), {
      headers: {
        "Content-Type": "text/markdown; charset=utf-8",
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": `inline; filename="${view.summary.number}-v${view.record.version}.md"`,
      },
    });
  } catch (error) {
    return resourceErrorPage(error);
  }
}
