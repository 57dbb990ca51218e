/**
 * The compliance dashboard's figures. Each figure is read from the domain
 * that owns the records (documents, reviews, proposals, acknowledgements,
 * access requests, suggestions) through its own statistics function, for the
 * whole company or one owner department, and carries the link to the list
 * behind it. The page draws them as bar charts; the CSV carries the same rows.
 */
import { accessRequestStats, REQUESTS, type AccessRequest } from "~/access/requests.server";
import { listEmergencyAwaitingRatification } from "~/access/emergency.server";
import { listDepartments } from "~/org/users.server";
import { collection } from "~/data/db.server";
import { getConfig } from "~/documents/config.server";
import { allLatest } from "~/documents/version-index.server";
import { acknowledgementReport } from "~/notifications/acknowledgements.server";
import { reviewSchedule } from "~/notifications/reviews.server";
import { proposalStats } from "~/revisions/proposals.server";
import { suggestionStats } from "~/revisions/suggestions.server";
import { copyCheckStats } from "~/print/verify.server";
import { now } from "~/utils/clock.server";

export type Unit = "count" | "percent" | "hours";
export type Tone = "ok" | "info" | "warn" | "danger" | "muted";

export interface Kpi {
  /** Stable id, e.g. "reviews.overdue" (used by the CSV and tests). */
  id: string;
  labelKey: string;
  value: number | null;
  unit: Unit;
  href?: string;
  tone?: Tone;
}

export interface Segment {
  series: string;
  value: number;
  href?: string;
}

export interface Bar {
  id: string;
  label: string;
  labelType: "category" | "department" | "key" | "document";
  segments: Segment[];
}

export interface Chart {
  id: string;
  titleKey: string;
  unit: Unit;
  series: { id: string; labelKey: string; tone: Tone }[];
  bars: Bar[];
  /** Fixed scale maximum (percent charts use 100). */
  max?: number;
}

export interface Section {
  id: string;
  titleKey: string;
  noteKey?: string;
  noteVars?: Record<string, string | number>;
  kpis: Kpi[];
  charts: Chart[];
}

export interface Dashboard {
  department?: string;
  generatedAt: string;
  sections: Section[];
}

const pct = (part: number, whole: number) => (whole ? Math.round((part / whole) * 1000) / 10 : null);

function q(params: Record<string, string | undefined>): string {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) s.set(k, v);
  const text = s.toString();
  return text ? `?${text}` : "";
}

/** Documents per category and state (current / retired). */
export function documentFigures(department?: string): Section {
  const latest = allLatest().filter((r) => !department || r.meta.ownerDepartment === department);
  const bars: Bar[] = getConfig().categories.map((c) => {
    const inCat = latest.filter((r) => r.meta.category === c.code);
    return {
      id: c.code,
      label: c.code,
      labelType: "category",
      segments: [
        { series: "current", value: inCat.filter((r) => !r.meta.retired).length, href: `/categories/${c.code}` },
        { series: "retired", value: inCat.filter((r) => r.meta.retired).length, href: `/categories/${c.code}?retired=1` },
      ],
    };
  });
  const current = latest.filter((r) => !r.meta.retired);
  return {
    id: "documents",
    titleKey: "dashboard.documents",
    kpis: [
      { id: "documents.current", labelKey: "dashboard.documents.current", value: current.length, unit: "count", href: "/categories" },
      { id: "documents.retired", labelKey: "dashboard.documents.retired", value: latest.length - current.length, unit: "count", href: "/categories" },
      {
        id: "documents.restricted",
        labelKey: "dashboard.documents.restricted",
        value: current.filter((r) => r.meta.confidentiality === "restricted").length,
        unit: "count",
        href: "/categories",
      },
    ],
    charts: [
      {
        id: "documents.byCategory",
        titleKey: "dashboard.documents.byCategory",
        unit: "count",
        series: [
          { id: "current", labelKey: "dashboard.series.current", tone: "ok" },
          { id: "retired", labelKey: "dashboard.series.retired", tone: "muted" },
        ],
        bars,
      },
    ],
  };
}

/**
 * Checks of printed copies (QR code or typed copy code): how many, and which
 * documents are still being checked from superseded or retired paper.
 */
export function printedCopyFigures(department?: string): Section {
  const st = copyCheckStats(department);
  return {
    id: "copies",
    titleKey: "dashboard.copies",
    noteKey: "dashboard.copies.note",
    kpis: [
      { id: "copies.checks", labelKey: "dashboard.copies.checks", value: st.total, unit: "count" },
      { id: "copies.stale", labelKey: "dashboard.copies.stale", value: st.stale, unit: "count", tone: "danger" },
      { id: "copies.staleDocuments", labelKey: "dashboard.copies.staleDocuments", value: st.byDocument.length, unit: "count", tone: "warn" },
    ],
    charts: [
      {
        id: "copies.staleByDocument",
        titleKey: "dashboard.copies.staleByDocument",
        unit: "count",
        series: [
          { id: "superseded", labelKey: "dashboard.series.superseded", tone: "warn" },
          { id: "retired", labelKey: "dashboard.series.retired", tone: "danger" },
        ],
        bars: st.byDocument.slice(0, 15).map((d) => ({
          id: d.number,
          label: d.number,
          labelType: "document" as const,
          segments: [
            { series: "superseded", value: d.superseded, href: `/docs/${d.number}/history` },
            { series: "retired", value: d.retired, href: `/docs/${d.number}/history` },
          ],
        })),
      },
    ],
  };
}

/** Periodic reviews: due soon and overdue. */
export function reviewFigures(department?: string): Section {
  const rows = reviewSchedule({ departmentId: department });
  const count = (s: string) => rows.filter((r) => r.status === s).length;
  const link = (show: string) => `/admin/reviews${q({ show })}`;
  return {
    id: "reviews",
    titleKey: "dashboard.reviews",
    kpis: [
      { id: "reviews.total", labelKey: "dashboard.reviews.total", value: rows.length, unit: "count", href: link("all") },
      { id: "reviews.dueSoon", labelKey: "dashboard.reviews.dueSoon", value: count("due-soon"), unit: "count", href: link("due-soon"), tone: "warn" },
      { id: "reviews.overdue", labelKey: "dashboard.reviews.overdue", value: count("overdue"), unit: "count", href: link("overdue"), tone: "danger" },
    ],
    charts: [
      {
        id: "reviews.status",
        titleKey: "dashboard.reviews.status",
        unit: "count",
        series: [{ id: "documents", labelKey: "dashboard.series.documents", tone: "info" }],
        bars: [
          { id: "ok", label: "dashboard.reviews.ok", labelType: "key", segments: [{ series: "documents", value: count("ok"), href: link("all") }] },
          { id: "due-soon", label: "dashboard.reviews.dueSoon", labelType: "key", segments: [{ series: "documents", value: count("due-soon"), href: link("due-soon") }] },
          { id: "overdue", label: "dashboard.reviews.overdue", labelType: "key", segments: [{ series: "documents", value: count("overdue"), href: link("overdue") }] },
        ],
      },
    ],
  };
}

/** Proposals waiting and approval times against the service level. */
export function proposalFigures(department?: string): Section {
  const stats = proposalStats({ department });
  const within = stats.approvalTimes.filter((a) => a.withinServiceLevel).length;
  const late = stats.approvalTimes.length - within;
  const buckets: { id: string; label: string; test: (h: number) => boolean }[] = [
    { id: "under-1d", label: "dashboard.hours.under1d", test: (h) => h <= 24 },
    { id: "1-3d", label: "dashboard.hours.1to3d", test: (h) => h > 24 && h <= 72 },
    { id: "3-7d", label: "dashboard.hours.3to7d", test: (h) => h > 72 && h <= 168 },
    { id: "over-7d", label: "dashboard.hours.over7d", test: (h) => h > 168 },
  ];
  const approvals = (sla?: string) => `/dashboard/approvals${q({ department, sla })}`;
  return {
    id: "proposals",
    titleKey: "dashboard.proposals",
    noteKey: "dashboard.proposals.note",
    noteVars: { days: stats.serviceLevelWorkingDays },
    kpis: [
      { id: "proposals.waiting", labelKey: "dashboard.proposals.waiting", value: stats.waiting, unit: "count", href: "/proposals?view=all&status=in-review" },
      { id: "proposals.overdue", labelKey: "dashboard.proposals.overdue", value: stats.overdue, unit: "count", href: "/inbox", tone: "danger" },
      { id: "proposals.open", labelKey: "dashboard.proposals.open", value: stats.open, unit: "count", href: "/proposals?view=open" },
      {
        id: "proposals.withinServiceLevel",
        labelKey: "dashboard.proposals.withinServiceLevel",
        value: stats.withinServiceLevelRate === null ? null : Math.round(stats.withinServiceLevelRate * 1000) / 10,
        unit: "percent",
        href: approvals(),
      },
      { id: "proposals.medianHours", labelKey: "dashboard.proposals.medianHours", value: stats.medianDecisionHours, unit: "hours", href: approvals() },
    ],
    charts: [
      {
        id: "proposals.serviceLevel",
        titleKey: "dashboard.proposals.serviceLevel",
        unit: "count",
        series: [{ id: "decisions", labelKey: "dashboard.series.decisions", tone: "info" }],
        bars: [
          { id: "within", label: "dashboard.proposals.within", labelType: "key", segments: [{ series: "decisions", value: within, href: approvals("within") }] },
          { id: "late", label: "dashboard.proposals.late", labelType: "key", segments: [{ series: "decisions", value: late, href: approvals("late") }] },
        ],
      },
      {
        id: "proposals.decisionTimes",
        titleKey: "dashboard.proposals.decisionTimes",
        unit: "count",
        series: [{ id: "decisions", labelKey: "dashboard.series.decisions", tone: "info" }],
        bars: buckets.map((b) => ({
          id: b.id,
          label: b.label,
          labelType: "key" as const,
          segments: [{ series: "decisions", value: stats.approvalTimes.filter((a) => b.test(a.hours)).length, href: approvals() }],
        })),
      },
    ],
  };
}

/** Acknowledgement rates per department (of the people who were asked). */
export function acknowledgementFigures(department?: string): Section {
  const rows = acknowledgementReport(department ? { departmentId: department } : {});
  const departments = department ? [department] : [...new Set(rows.map((r) => r.departmentId))].sort();
  const link = (params: Record<string, string | undefined>) => `/acknowledgements/report${q(params)}`;
  const acknowledged = rows.filter((r) => r.status === "acknowledged").length;
  return {
    id: "acknowledgements",
    titleKey: "dashboard.acknowledgements",
    kpis: [
      { id: "acknowledgements.required", labelKey: "dashboard.acknowledgements.required", value: rows.length, unit: "count", href: link({ department }) },
      { id: "acknowledgements.rate", labelKey: "dashboard.acknowledgements.rate", value: pct(acknowledged, rows.length), unit: "percent", href: link({ department }) },
      {
        id: "acknowledgements.overdue",
        labelKey: "dashboard.acknowledgements.overdue",
        value: rows.filter((r) => r.status === "overdue").length,
        unit: "count",
        href: link({ department, status: "overdue" }),
        tone: "danger",
      },
    ],
    charts: [
      {
        id: "acknowledgements.rateByDepartment",
        titleKey: "dashboard.acknowledgements.rateByDepartment",
        unit: "percent",
        max: 100,
        series: [{ id: "rate", labelKey: "dashboard.series.rate", tone: "ok" }],
        bars: departments.map((d) => {
          const mine = rows.filter((r) => r.departmentId === d);
          return {
            id: d,
            label: d,
            labelType: "department" as const,
            segments: [{ series: "rate", value: pct(mine.filter((r) => r.status === "acknowledged").length, mine.length) ?? 0, href: link({ department: d }) }],
          };
        }),
      },
      {
        id: "acknowledgements.statusByDepartment",
        titleKey: "dashboard.acknowledgements.statusByDepartment",
        unit: "count",
        series: [
          { id: "acknowledged", labelKey: "dashboard.series.acknowledged", tone: "ok" },
          { id: "pending", labelKey: "dashboard.series.pending", tone: "warn" },
          { id: "overdue", labelKey: "dashboard.series.overdue", tone: "danger" },
        ],
        bars: departments.map((d) => ({
          id: d,
          label: d,
          labelType: "department" as const,
          segments: (["acknowledged", "pending", "overdue"] as const).map((s) => ({
            series: s,
            value: rows.filter((r) => r.departmentId === d && r.status === s).length,
            href: link({ department: d, status: s }),
          })),
        })),
      },
    ],
  };
}

function hoursBetween(a: string, b: string) {
  return (Date.parse(b) - Date.parse(a)) / 3_600_000;
}

function quantile(sorted: number[], q: number): number | null {
  if (!sorted.length) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return Math.round(sorted[i] * 10) / 10;
}

/** Access requests in scope (the owner department of the document), for figures and the list behind them. */
export function accessRequestsInScope(department?: string): AccessRequest[] {
  return collection<AccessRequest>(REQUESTS).filter((r) => !department || r.ownerDepartment === department);
}

/**
 * Access requests and their turnaround. Company-wide figures come from the
 * access domain's own statistics; for one department the same definitions
 * are applied to that department's requests.
 */
export function accessFigures(department?: string): Section {
  const iso = now().toISOString();
  let s: { submitted: number; pending: number; overdue: number; approved: number; rejected: number; withdrawn: number; median: number | null; p90: number | null; onTime: number; decided: number };
  if (!department) {
    const st = accessRequestStats();
    s = {
      submitted: st.submitted,
      pending: st.pending,
      overdue: st.overdue,
      approved: st.approved,
      rejected: st.rejected,
      withdrawn: st.withdrawn,
      median: st.turnaroundHours.median,
      p90: st.turnaroundHours.p90,
      onTime: st.decidedOnTime,
      decided: st.approved + st.rejected,
    };
  } else {
    const requests = accessRequestsInScope(department).filter((r) => r.kind === "request");
    const decided = requests.filter((r) => (r.status === "approved" || r.status === "rejected") && r.decidedAt);
    const hours = decided.map((r) => hoursBetween(r.createdAt, r.decidedAt!)).sort((a, b) => a - b);
    s = {
      submitted: requests.length,
      pending: requests.filter((r) => r.status === "pending").length,
      overdue: requests.filter((r) => r.status === "pending" && r.dueAt <= iso).length,
      approved: requests.filter((r) => r.status === "approved").length,
      rejected: requests.filter((r) => r.status === "rejected").length,
      withdrawn: requests.filter((r) => r.status === "withdrawn").length,
      median: quantile(hours, 0.5),
      p90: quantile(hours, 0.9),
      onTime: decided.filter((r) => r.decidedAt! <= r.dueAt).length,
      decided: decided.length,
    };
  }
  const list = (status?: string) => `/dashboard/access${q({ department, status })}`;
  return {
    id: "access",
    titleKey: "dashboard.access",
    kpis: [
      { id: "access.submitted", labelKey: "dashboard.access.submitted", value: s.submitted, unit: "count", href: list() },
      { id: "access.pending", labelKey: "dashboard.access.pending", value: s.pending, unit: "count", href: list("pending") },
      { id: "access.overdue", labelKey: "dashboard.access.overdue", value: s.overdue, unit: "count", href: list("overdue"), tone: "danger" },
      { id: "access.medianHours", labelKey: "dashboard.access.medianHours", value: s.median, unit: "hours", href: list("decided") },
      { id: "access.p90Hours", labelKey: "dashboard.access.p90Hours", value: s.p90, unit: "hours", href: list("decided") },
      { id: "access.onTime", labelKey: "dashboard.access.onTime", value: pct(s.onTime, s.decided), unit: "percent", href: list("decided") },
    ],
    charts: [
      {
        id: "access.status",
        titleKey: "dashboard.access.status",
        unit: "count",
        series: [{ id: "requests", labelKey: "dashboard.series.requests", tone: "info" }],
        bars: (["pending", "approved", "rejected", "withdrawn"] as const).map((st) => ({
          id: st,
          label: `dashboard.access.${st}`,
          labelType: "key" as const,
          segments: [{ series: "requests", value: s[st], href: list(st) }],
        })),
      },
    ],
  };
}

/** Emergency accesses taken and not ratified (still within 7 days, or lapsed). */
export function emergencyFigures(department?: string): Section {
  const waiting = listEmergencyAwaitingRatification().filter((r) => !department || r.ownerDepartment === department);
  const lapsed = waiting.filter((r) => r.lapsed).length;
  const list = `/dashboard/emergency${q({ department })}`;
  return {
    id: "emergency",
    titleKey: "dashboard.emergency",
    kpis: [
      { id: "emergency.awaiting", labelKey: "dashboard.emergency.awaiting", value: waiting.length, unit: "count", href: list, tone: waiting.length ? "danger" : "ok" },
      { id: "emergency.lapsed", labelKey: "dashboard.emergency.lapsed", value: lapsed, unit: "count", href: list, tone: lapsed ? "danger" : "ok" },
    ],
    charts: [
      {
        id: "emergency.state",
        titleKey: "dashboard.emergency.state",
        unit: "count",
        series: [{ id: "accesses", labelKey: "dashboard.series.accesses", tone: "danger" }],
        bars: [
          { id: "within", label: "dashboard.emergency.within", labelType: "key", segments: [{ series: "accesses", value: waiting.length - lapsed, href: list }] },
          { id: "lapsed", label: "dashboard.emergency.lapsed", labelType: "key", segments: [{ series: "accesses", value: lapsed, href: list }] },
        ],
      },
    ],
  };
}

/** Suggestions received and acted on. */
export function suggestionFigures(department?: string): Section {
  const st = suggestionStats({ ownerDepartment: department });
  const list = (params: Record<string, string | undefined>) => `/dashboard/suggestions${q({ department, ...params })}`;
  return {
    id: "suggestions",
    titleKey: "dashboard.suggestions",
    kpis: [
      { id: "suggestions.total", labelKey: "dashboard.suggestions.total", value: st.total, unit: "count", href: list({}) },
      { id: "suggestions.open", labelKey: "dashboard.suggestions.open", value: st.open, unit: "count", href: list({ status: "open" }) },
      { id: "suggestions.accepted", labelKey: "dashboard.suggestions.accepted", value: st.accepted, unit: "count", href: list({ status: "accepted" }) },
      { id: "suggestions.published", labelKey: "dashboard.suggestions.published", value: st.published, unit: "count", href: list({ status: "accepted" }) },
      {
        id: "suggestions.actedOn",
        labelKey: "dashboard.suggestions.actedOn",
        value: st.actedOnRate === null ? null : Math.round(st.actedOnRate * 1000) / 10,
        unit: "percent",
        href: list({}),
      },
    ],
    charts: [
      {
        id: "suggestions.byDepartment",
        titleKey: "dashboard.suggestions.byDepartment",
        unit: "count",
        series: [
          { id: "open", labelKey: "dashboard.series.open", tone: "warn" },
          { id: "accepted", labelKey: "dashboard.series.accepted", tone: "ok" },
          { id: "declined", labelKey: "dashboard.series.declined", tone: "muted" },
        ],
        bars: st.byDepartment.map((d) => ({
          id: d.department,
          label: d.department,
          labelType: "department" as const,
          segments: (["open", "accepted", "declined"] as const).map((s) => ({
            series: s,
            value: d[s],
            href: `/dashboard/suggestions${q({ department: d.department, status: s })}`,
          })),
        })),
      },
    ],
  };
}

/** Every figure for the company, or for one owner department. */
export function dashboardFigures(department?: string): Dashboard {
  return {
    department,
    generatedAt: now().toISOString(),
    sections: [
      documentFigures(department),
      reviewFigures(department),
      proposalFigures(department),
      acknowledgementFigures(department),
      accessFigures(department),
      emergencyFigures(department),
      suggestionFigures(department),
      printedCopyFigures(department),
    ],
  };
}

/** The scope a person may look at: administrators any (or all), department heads their own department. */
export function dashboardScope(user: { roles: string[]; departmentId: string }, requested: string | null): string | undefined {
  if (!user.roles.includes("admin")) return user.departmentId;
  if (requested && listDepartments().some((d) => d.id === requested)) return requested;
  return undefined;
}
