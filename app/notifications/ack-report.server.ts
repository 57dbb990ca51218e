/**
 * The acknowledgement report as managers see it: admins see everyone; an
 * approver sees the people of their own department and everyone asked to
 * read their department's documents. Reminders can be sent for what they see.
 */
import { listDepartments } from "~/org/users.server";
import type { User } from "~/data/schema";
import { latestVersion } from "~/documents/version-index.server";
import { AccessDeniedError, msg } from "~/utils/errors.server";
import { acknowledgementReport, type AckReportRow, type AckStatus } from "./acknowledgements.server";
import { sendAcknowledgementReminders } from "./dispatch.server";

export interface ReportFilter {
  number?: string;
  departmentId?: string;
  status?: AckStatus;
}

function inScope(user: Pick<User, "roles" | "departmentId">, row: AckReportRow): boolean {
  if (user.roles.includes("admin")) return true;
  if (!user.roles.includes("approver")) return false;
  return row.departmentId === user.departmentId || latestVersion(row.number)?.meta.ownerDepartment === user.departmentId;
}

/** Report rows a manager may see, with per-document totals. */
export function reportFor(user: Pick<User, "roles" | "departmentId">, filter: ReportFilter) {
  if (!user.roles.includes("admin") && !user.roles.includes("approver")) throw new AccessDeniedError(msg("notifications.err.ackReportWho"));
  const visible = acknowledgementReport().filter((r) => inScope(user, r));
  const rows = visible.filter(
    (r) => (!filter.number || r.number === filter.number) && (!filter.departmentId || r.departmentId === filter.departmentId) && (!filter.status || r.status === filter.status),
  );
  const perDocument = new Map<string, { number: string; title: string; version: number; acknowledged: number; pending: number; overdue: number }>();
  for (const r of rows) {
    const d = perDocument.get(r.number) ?? { number: r.number, title: r.title, version: r.currentVersion, acknowledged: 0, pending: 0, overdue: 0 };
    d[r.status]++;
    perDocument.set(r.number, d);
  }
  const perDepartment = new Map<string, { departmentId: string; acknowledged: number; pending: number; overdue: number }>();
  for (const r of rows) {
    const d = perDepartment.get(r.departmentId) ?? { departmentId: r.departmentId, acknowledged: 0, pending: 0, overdue: 0 };
    d[r.status]++;
    perDepartment.set(r.departmentId, d);
  }
  return {
    rows,
    documents: [...perDocument.values()],
    departments: [...perDepartment.values()],
    numbers: [...new Set(visible.map((r) => r.number))].sort((a, b) => a.localeCompare(b, "en", { numeric: true })),
    departmentOptions: listDepartments().map((d) => ({ id: d.id, name: d.name })),
  };
}

/** Sends reminders for visible, not yet acknowledged rows (chosen ids, or everything the filter shows). */
export async function remindFromReport(user: User, filter: ReportFilter, ids?: string[]): Promise<number> {
  const { rows } = reportFor(user, filter);
  const chosen = ids?.length ? rows.filter((r) => ids.includes(r.requirementId)) : rows;
  return sendAcknowledgementReminders(chosen, user);
}
