/**
 * Broken references on the dashboard (decision 089): citations in current
 * documents of numbers that are retired or do not exist, from the citation
 * index, for the company or the citing documents of one owner department.
 */
import { brokenReferences, type BrokenReference } from "~/documents/citation-index.server";
import { latestVersion } from "~/documents/version-index.server";
import type { ListColumn, ListRow } from "./lists.server";
import type { Section } from "./figures.server";

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
export function referenceFigures(department?: string): Section {
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
export function referenceList(department: string | undefined): { columns: ListColumn[]; rows: ListRow[] } {
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
