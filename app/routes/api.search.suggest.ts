import type { LoaderFunctionArgs } from "@remix-run/node";
import { suggestDocuments } from "~/search/search.server";
import { ValidationError } from "~/utils/errors.server";
import { api } from "~/utils/http.server";

/** GET /api/search/suggest?q= — up to eight documents for search-as-you-type (the header box). */
export const loader = api(async ({ request, user }: LoaderFunctionArgs & { user: Parameters<typeof suggestDocuments>[0] }) => {
  const q = new URL(request.url).searchParams.get("q") ?? "";
  if (q.length > 200) throw new ValidationError("The query is at most 200 characters", { q: "too long" });
  return { q, suggestions: await suggestDocuments(user, q) };
});
