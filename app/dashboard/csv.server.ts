/** The dashboard as CSV: one row per figure and per bar segment, with the link to the list behind it. */
import { localName, translate, type Locale } from "~/i18n/i18n";
import { getCategory } from "~/documents/config.server";
import { getDepartment } from "~/org/users.server";
import type { Bar, Dashboard } from "./figures.server";

function cell(v: string | number | null | undefined): string {
  const s = v === null || v === undefined ? "" : String(v);
  // Quote always; neutralise leading characters spreadsheets would run as formulas.
  const safe = /^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s) ? `'${s}` : s;
  return `"${safe.replace(/"/g, '""')}"`;
}

function barLabel(bar: Bar, locale: Locale): string {
  if (bar.labelType === "key") return translate(locale, bar.label);
  if (bar.labelType === "document") return bar.label;
  if (bar.labelType === "category") return `${bar.label} ${localName(getCategory(bar.label)?.name, locale)}`.trim();
  return localName(getDepartment(bar.label)?.name, locale) || bar.label;
}

/** Serialises every figure; `base` makes the links absolute. */
export function dashboardCsv(d: Dashboard, locale: Locale, base: string): string {
  const t = (key: string, vars?: Record<string, string | number>) => translate(locale, key, vars);
  const rows: (string | number | null)[][] = [["section", "figure", "label", "series", "value", "unit", "link"]];
  for (const s of d.sections) {
    for (const k of s.kpis) rows.push([t(s.titleKey), k.id, t(k.labelKey), "", k.value, k.unit, k.href ? base + k.href : ""]);
    for (const c of s.charts) {
      for (const b of c.bars) {
        for (const seg of b.segments) {
          const series = c.series.find((x) => x.id === seg.series);
          rows.push([t(s.titleKey), `${c.id}.${b.id}.${seg.series}`, barLabel(b, locale), series ? t(series.labelKey) : seg.series, seg.value, c.unit, seg.href ? base + seg.href : ""]);
        }
      }
    }
  }
  return "\uFEFF" + rows.map((r) => r.map(cell).join(",")).join("\r\n") + "\r\n";
}
