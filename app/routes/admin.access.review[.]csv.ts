import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireRole } from "~/access/guards.server";
import { accessReview, accessReviewCsv, parseReviewFilter } from "~/access/review.server";
import { appendAudit } from "~/audit/audit.server";
import { csvResponse } from "~/audit/csv";
import { resourceErrorPage } from "~/web/http.server";

/** GET /admin/access/review.csv?from=&to=&number=&user= — the access review's detailed rows. */
export async function loader({ request }: LoaderFunctionArgs) {
  try {
    const admin = await requireRole(request, "admin");
    const filter = parseReviewFilter(new URL(request.url).searchParams);
    const { rows } = accessReview(filter);
    await appendAudit({ actor: admin.username, action: "access.review.export", object: "", details: { ...filter, rows: rows.length } });
    return csvResponse(accessReviewCsv(rows), `access-review-${filter.from}-${filter.to}.csv`);
  } catch (error) {
    return resourceErrorPage(error);
  }
}
