import type { LoaderFunctionArgs } from "@remix-run/node";
import type { AuthUser } from "~/access/session.server";
import { versionDiffFold } from "~/reading/diff.server";
import { msg, ValidationError } from "~/utils/errors.server";
import { api } from "~/web/http.server";

/** GET /docs/:number/diff-fold?from=1&to=3&fold=4 — one folded stretch of the formatted diff, loaded when the reader opens it. */
export const loader = api(async ({ request, params, user }: LoaderFunctionArgs & { user: AuthUser }) => {
  const url = new URL(request.url);
  const errors: Record<string, string> = {};
  for (const name of ["from", "to", "fold"]) {
    if (!/^\d{1,6}$/.test(url.searchParams.get(name) ?? "")) errors[name] = "required: a number";
  }
  if (Object.keys(errors).length) throw new ValidationError(msg("documents.err.foldParams"), errors);
  const n = (name: string) => Number(url.searchParams.get(name));
  return { items: await versionDiffFold(user, String(params.number), n("from"), n("to"), n("fold")) };
});
