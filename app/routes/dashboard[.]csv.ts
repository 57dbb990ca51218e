import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireRole } from "~/access/guards.server";
import { dashboardCsv } from "~/dashboard/csv.server";
import { dashboardFigures, dashboardScope } from "~/dashboard/figures.server";
import { duplicatesSection } from "~/consolidation/pages.server";
import { whenCitationsReady } from "~/documents/citation-index.server";
import { isAdmin } from "~/org/users.server";
import { localeOf } from "~/shell.server";
import { resourceErrorPage } from "~/web/http.server";
import { today } from "~/utils/clock.server";

/** Every dashboard figure as CSV (same scope rules as the page). */
export async function loader({ request }: LoaderFunctionArgs) {
  try {
    const user = await requireRole(request, "approver");
    const url = new URL(request.url);
    const department = dashboardScope(user, url.searchParams.get("department"));
    // The same figures as the page: broken references once the citation index is built, possible duplicates for the whole company.
    await whenCitationsReady();
    const dashboard = dashboardFigures(department);
    if (isAdmin(user) && !department) dashboard.sections.push(await duplicatesSection());
    const body = dashboardCsv(dashboard, localeOf(request, user), url.origin);
    return new Response(body, {
      headers: {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="regula-dashboard-${department ?? "all"}-${today()}.csv"`,
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
      },
    });
  } catch (error) {
    return resourceErrorPage(error);
  }
}
