import type { LoaderFunctionArgs } from "@remix-run/node";
import { suggestDocuments } from "~/search/search.server";
import { msg, ValidationError } from "~/utils/errors.server";
import { api, onlyMethods } from "~/web/http.server";

/** GET /api/search/suggest?q= — up to eight documents for search-as-you-type (the header box). */
export const loader = api(async ({ request, user }: LoaderFunctionArgs & { user: Parameters<typeof suggestDocuments>[0] }) => {
  const q = new URL(request.url).searchParams.get("q") ?? "";
  if (q.length > 200) throw new ValidationError(msg("search.err.tooLong"), { q: "too long" });
  return { q, suggestions: await suggestDocuments(user, q) };
});

/** Every other method: 405 in the documented JSON shape. */
export const action = onlyMethods("GET");
