import type { LoaderFunctionArgs } from "@remix-run/node";
import { listDocuments } from "~/documents/documents.server";
import { apiDocument } from "~/documents/api.server";
import { getCategory } from "~/documents/config.server";
import { msg, ValidationError } from "~/utils/errors.server";
import { api, onlyMethods } from "~/web/http.server";

/** GET /api/v1/documents?category=EXE&retired=1 — current documents (metadata only). */
export const loader = api(async ({ request }: LoaderFunctionArgs) => {
  const url = new URL(request.url);
  const category = url.searchParams.get("category") ?? undefined;
  if (category && !getCategory(category)) throw new ValidationError(msg("documents.err.unknownCategory", { category: category.slice(0, 20) }), { category: "unknown" });
  const documents = listDocuments({ category, includeRetired: url.searchParams.get("retired") === "1" });
  return { documents: documents.map(apiDocument) };
});

/** Every other method: 405 in the documented JSON shape. */
export const action = onlyMethods("GET");
