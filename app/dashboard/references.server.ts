/**
 * Broken references on the dashboard (decision 089): citations in current
 * documents of numbers that are retired or do not exist, from the citation
 * index, for the company or the citing documents of one owner department.
 */
import { brokenReferences, type BrokenReference } from "~/documents/citation-index.server";
import { latestVersion } from "~/documents/version-index.server";

// The shapes of a dashboard section and list (figures.server.ts, lists.server.ts), which import this module.
interface Kpi {
  id: string;
  labelKey: string;
  value: number;
  unit: "count";
  href: string;
  tone: "warn" | "danger";
}
interface ReferenceSection {
  id: string;
  titleKey: string;
  noteKey: string;
  kpis: Kpi[];
  charts: never[];
}
interface ReferenceRow {
  cells: Record<string, string>;
  href: string;
  tone: "warn" | "danger";
}

function inScope(department: string | undefined): (BrokenReference & { title: string })[] {
  const out: (BrokenReference & { title: string })[] = [];
  for (const b of brokenReferences()) {
    const from = latestVersion(b.from!);
    if (!from || (department && from.meta.ownerDepartment !== department)) continue;
    out.push({ ...b, title: from.meta.title });
  }
  return out;
}

/** The cross-references section: how many broken citations, in how many documents. */
export function referenceFigures(department?: string): ReferenceSection {
  const rows = inScope(department);
  const href = `/dashboard/references${department ? `?department=${encodeURIComponent(department)}` : ""}`;
  return {
    id: "references",
    titleKey: "dashboard.references",
    noteKey: "dashboard.references.note",
    kpis: [
      { id: "references.broken", labelKey: "dashboard.references.broken", value: rows.length, unit: "count", href, tone: "danger" },
      { id: "references.documents", labelKey: "dashboard.references.documents", value: new Set(rows.map((r) => r.from)).size, unit: "count", href, tone: "warn" },
    ],
    charts: [],
  };
}

/** The list behind it: citing document, its title, the number it cites and what is wrong with it. */
export function referenceList(department: string | undefined): { columns: { key: string; labelKey: string }[]; rows: ReferenceRow[] } {
  return {
    columns: [
      { key: "number", labelKey: "doc.number" },
      { key: "title", labelKey: "doc.title" },
      { key: "cites", labelKey: "dashboard.col.cites" },
      { key: "state", labelKey: "dashboard.col.status" },
    ],
    rows: inScope(department).map((b) => ({
      cells: { number: b.from!, title: b.title, cites: b.version ? `${b.number}@v${b.version}` : b.number, state: b.problem },
      href: `/docs/${b.from}`,
      tone: b.problem === "retired" ? "warn" : "danger",
    })),
  };
}
