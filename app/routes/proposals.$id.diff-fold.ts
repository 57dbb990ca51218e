import type { LoaderFunctionArgs } from "@remix-run/node";
import type { AuthUser } from "~/access/session.server";
import { proposalDiffFold } from "~/revisions/pages.server";
import { msg, ValidationError } from "~/utils/errors.server";
import { api } from "~/web/http.server";

/** GET /proposals/:id/diff-fold?fold=4 — one folded stretch of the proposal's formatted diff, loaded when the reviewer opens it. */
export const loader = api(async ({ request, params, user }: LoaderFunctionArgs & { user: AuthUser }) => {
  const fold = new URL(request.url).searchParams.get("fold") ?? "";
  if (!/^\d{1,6}$/.test(fold)) throw new ValidationError(msg("documents.err.foldParam"), { fold: "required: a number" });
  return { items: await proposalDiffFold(user, String(params.id), Number(fold)) };
});
