import type { LoaderFunctionArgs } from "@remix-run/node";
import type { AuthUser } from "~/access/session.server";
import { versionDiffJson } from "~/reading/diff.server";
import { msg, ValidationError } from "~/utils/errors.server";
import { api, onlyMethods } from "~/web/http.server";

/**
 * GET /api/v1/documents/:number/diff?from=1&to=3[&text=full] — structured diff
 * of two versions: `diff` compares source lines, `changes` compares blocks
 * (articles added, removed, changed, moved, renumbered, with every changed
 * block). Unchanged context lines carry their line numbers only unless
 * `text=full` is asked for (docs/decisions/101-diff-cache.md).
 */
export const loader = api(async ({ request, params, user }: LoaderFunctionArgs & { user: AuthUser }) => {
  const url = new URL(request.url);
  const from = url.searchParams.get("from");
  const to = url.searchParams.get("to");
  const text = url.searchParams.get("text") ?? "changed";
  const errors: Record<string, string> = {};
  if (!from || !/^\d{1,6}$/.test(from)) errors.from = "required: a version number";
  if (!to || !/^\d{1,6}$/.test(to)) errors.to = "required: a version number";
  if (Object.keys(errors).length) throw new ValidationError(msg("documents.err.fromTo"), errors);
  if (text !== "changed" && text !== "full") throw new ValidationError(msg("documents.err.diffText"), { text: "one of: changed, full" });
  const json = await versionDiffJson(user, String(params.number), Number(from), Number(to), text as "changed" | "full");
  return new Response(json, { headers: { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff" } });
});

/** Every other method: 405 in the documented JSON shape. */
export const action = onlyMethods("GET");
