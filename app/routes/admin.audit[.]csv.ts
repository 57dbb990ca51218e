import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireRole } from "~/access/guards.server";
import { appendAudit } from "~/audit/audit.server";
import { csvResponse } from "~/audit/csv";
import { auditCsv, filterAudit, parseAuditFilter } from "~/audit/query.server";
import { today } from "~/utils/clock.server";
import { resourceErrorPage } from "~/web/http.server";

/** GET /admin/audit.csv?actor=&action=&object=&outcome=&from=&to= — matching entries, every column. */
export async function loader({ request }: LoaderFunctionArgs) {
  try {
    const admin = await requireRole(request, "admin");
    const { page: _page, ...filter } = parseAuditFilter(new URL(request.url).searchParams);
    const entries = filterAudit(filter);
    // Exporting the trail is itself recorded (after reading, so the file holds what was asked for).
    await appendAudit({ actor: admin.username, action: "audit.export", object: "", details: { ...filter, rows: entries.length } });
    return csvResponse(auditCsv(entries), `audit-${today()}.csv`);
  } catch (error) {
    return resourceErrorPage(error);
  }
}
