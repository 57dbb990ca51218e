import type { LoaderFunctionArgs } from "@remix-run/node";
import type { AuthUser } from "~/access/session.server";
import { diffVersions } from "~/reading/diff.server";
import { msg, ValidationError } from "~/utils/errors.server";
import { api, onlyMethods } from "~/web/http.server";

/**
 * GET /api/v1/documents/:number/diff?from=1&to=3 — structured diff of two
 * versions: `diff` compares source lines, `changes` compares blocks (articles
 * added, removed, changed, moved, renumbered, with every changed block).
 */
export const loader = api(async ({ request, params, user }: LoaderFunctionArgs & { user: AuthUser }) => {
  const url = new URL(request.url);
  const from = url.searchParams.get("from");
  const to = url.searchParams.get("to");
  const errors: Record<string, string> = {};
  if (!from || !/^\d{1,6}$/.test(from)) errors.from = "required: a version number";
  if (!to || !/^\d{1,6}$/.test(to)) errors.to = "required: a version number";
  if (Object.keys(errors).length) throw new ValidationError(msg("documents.err.fromTo"), errors);
  const result = await diffVersions(user, String(params.number), Number(from), Number(to), { withChanges: true });
  return { number: result.number, from: result.from.version, to: result.to.version, metaChanges: result.metaChanges, diff: result.diff, changes: result.changes };
});

/** Every other method: 405 in the documented JSON shape. */
export const action = onlyMethods("GET");
