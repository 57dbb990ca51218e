import type { LoaderFunctionArgs } from "@remix-run/node";
import { parseSearchParams, searchDocuments } from "~/search/search.server";
import { msg, ValidationError } from "~/utils/errors.server";
import { api, onlyMethods } from "~/web/http.server";

/**
 * GET /api/v1/search?q=&category=&type=&department=&confidentiality=&retired=1&page=&pageSize=
 * Current documents matching the query, best first. Documents the caller may
 * not read appear only when their number or title matches, with no snippet.
 */
export const loader = api(async ({ request, user }: LoaderFunctionArgs & { user: Parameters<typeof searchDocuments>[0] }) => {
  const params = parseSearchParams(new URL(request.url));
  if (!params.q.trim()) throw new ValidationError(msg("search.err.noQuery"), { q: "required" });
  const { result, numberMatch, catchingUp, tookMs } = await searchDocuments(user, params);
  return {
    query: params.q,
    total: result.total,
    // True when the total and facets are estimated from a sample (many documents needed their exact wording checked).
    totalEstimated: result.estimated === true,
    page: result.page,
    pageSize: result.pageSize,
    tookMs,
    // Set while the index catches up with the repository: hits come from the documents indexed so far.
    catchingUp: catchingUp ? { indexed: catchingUp.done, total: catchingUp.total } : null,
    numberMatch: numberMatch ? { number: numberMatch.number, title: numberMatch.title, url: `/docs/${numberMatch.number}` } : null,
    // A hit found inside an attachment links to that file (a PDF at the page).
    hits: result.hits.map((h) => ({ ...h, attachment: h.attachment ?? null, url: h.attachment?.url ?? `/docs/${h.number}` })),
    facets: result.facets,
  };
});

/** Every other method: 405 in the documented JSON shape. */
export const action = onlyMethods("GET");
