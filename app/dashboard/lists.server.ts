/** The lists behind dashboard figures that have no page of their own elsewhere. */
import { viewOf } from "~/access/requests.server";
import { listEmergencyAwaitingRatification } from "~/access/emergency.server";
import { listProposals } from "~/revisions/proposals.server";
import { listSuggestions } from "~/revisions/suggestions.server";
import { proposalStats } from "~/revisions/proposals.server";
import { now } from "~/utils/clock.server";
import { msg, NotFoundError } from "~/utils/errors.server";
import { accessRequestsInScope } from "./figures.server";
import { referenceList } from "./references.server";

export const LISTS = ["approvals", "access", "emergency", "suggestions", "references"] as const;
export type ListName = (typeof LISTS)[number];

export interface ListColumn {
  key: string;
  labelKey: string;
}
export interface ListRow {
  cells: Record<string, string | number | null>;
  href?: string;
  tone?: "danger" | "warn";
}

function hours(a: string, b: string) {
  return Math.round(((Date.parse(b) - Date.parse(a)) / 3_600_000) * 10) / 10;
}

/** Rows of one list, for the company or a department, with an optional filter. */
export function dashboardList(name: string, department: string | undefined, filter: string | null): { name: ListName; columns: ListColumn[]; rows: ListRow[] } {
  if (!(LISTS as readonly string[]).includes(name)) throw new NotFoundError(msg("dashboard.err.noList"));
  const list = name as ListName;
  if (list === "approvals") {
    const titles = new Map(listProposals().map((p) => [p.id, p.meta?.title ?? ""]));
    const times = proposalStats({ department }).approvalTimes.filter((a) => filter !== "within" || a.withinServiceLevel).filter((a) => filter !== "late" || !a.withinServiceLevel);
    return {
      name: list,
      columns: [
        { key: "number", labelKey: "doc.number" },
        { key: "title", labelKey: "doc.title" },
        { key: "stage", labelKey: "dashboard.col.stage" },
        { key: "decision", labelKey: "dashboard.col.decision" },
        { key: "startedAt", labelKey: "dashboard.col.startedAt" },
        { key: "decidedAt", labelKey: "dashboard.col.decidedAt" },
        { key: "hours", labelKey: "dashboard.col.hours" },
        { key: "within", labelKey: "dashboard.col.withinServiceLevel" },
      ],
      rows: times
        .sort((a, b) => b.decidedAt.localeCompare(a.decidedAt))
        .map((a) => ({
          cells: { number: a.number, title: titles.get(a.proposalId) ?? "", stage: a.stageRole, decision: a.decision, startedAt: a.startedAt, decidedAt: a.decidedAt, hours: a.hours, within: a.withinServiceLevel ? "yes" : "no" },
          href: `/proposals/${a.proposalId}`,
          tone: a.withinServiceLevel ? undefined : "danger",
        })),
    };
  }
  if (list === "access") {
    const at = now();
    const iso = at.toISOString();
    const requests = accessRequestsInScope(department)
      .filter((r) => r.kind === "request")
      .filter((r) =>
        !filter
          ? true
          : filter === "overdue"
            ? r.status === "pending" && r.dueAt <= iso
            : filter === "decided"
              ? (r.status === "approved" || r.status === "rejected") && !!r.decidedAt
              : r.status === filter,
      )
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .map((r) => viewOf(r, at));
    return {
      name: list,
      columns: [
        { key: "number", labelKey: "doc.number" },
        { key: "title", labelKey: "doc.title" },
        { key: "requester", labelKey: "dashboard.col.requester" },
        { key: "status", labelKey: "dashboard.col.status" },
        { key: "createdAt", labelKey: "dashboard.col.createdAt" },
        { key: "decidedAt", labelKey: "dashboard.col.decidedAt" },
        { key: "hours", labelKey: "dashboard.col.hours" },
      ],
      rows: requests.map((r) => ({
        cells: {
          number: r.number,
          title: r.title,
          requester: `${r.requesterName} (${r.requesterUsername})`,
          status: r.status,
          createdAt: r.createdAt,
          decidedAt: r.decidedAt ?? null,
          hours: r.decidedAt ? hours(r.createdAt, r.decidedAt) : null,
        },
        href: `/access/requests/${r.id}`,
        tone: r.overdue ? "danger" : undefined,
      })),
    };
  }
  if (list === "references") return { name: list, ...referenceList(department) };
  if (list === "emergency") {
    const rows = listEmergencyAwaitingRatification().filter((r) => !department || r.ownerDepartment === department);
    return {
      name: list,
      columns: [
        { key: "number", labelKey: "doc.number" },
        { key: "title", labelKey: "doc.title" },
        { key: "requester", labelKey: "dashboard.col.requester" },
        { key: "createdAt", labelKey: "dashboard.col.takenAt" },
        { key: "dueAt", labelKey: "dashboard.col.ratifyBy" },
        { key: "state", labelKey: "dashboard.col.status" },
      ],
      rows: rows.map((r) => ({
        cells: { number: r.number, title: r.title, requester: `${r.requesterName} (${r.requesterUsername})`, createdAt: r.createdAt, dueAt: r.dueAt, state: r.lapsed ? "lapsed" : "awaiting" },
        href: `/access/requests/${r.id}`,
        tone: r.lapsed ? "danger" : "warn",
      })),
    };
  }
  const status = filter === "open" || filter === "accepted" || filter === "declined" ? filter : undefined;
  const suggestions = listSuggestions({ ownerDepartment: department, status });
  return {
    name: list,
    columns: [
      { key: "id", labelKey: "dashboard.col.id" },
      { key: "number", labelKey: "doc.number" },
      { key: "by", labelKey: "dashboard.col.by" },
      { key: "createdAt", labelKey: "dashboard.col.createdAt" },
      { key: "status", labelKey: "dashboard.col.status" },
      { key: "decidedAt", labelKey: "dashboard.col.decidedAt" },
    ],
    rows: suggestions.map((s) => ({
      cells: { id: s.id, number: s.number, by: `${s.by.name} (${s.by.username})`, createdAt: s.createdAt, status: s.status, decidedAt: s.decidedAt ?? null },
      href: `/docs/${s.number}/suggestions`,
    })),
  };
}
