/**
 * Server-rendered horizontal bar chart (inline SVG, no chart library). Every
 * bar segment is a link to the list behind it, and carries its figure id and
 * value as data attributes.
 */
import { nameOf, type Names } from "~/components/labels";
import { useLocale, useT } from "~/i18n/use-t";
import type { Chart, Tone } from "./figures.server";

const TONES: Record<Tone, string> = { ok: "#1d7a46", info: "#1f5f8b", warn: "#c48a00", danger: "#b42318", muted: "#9aa3b2" };

export function formatValue(value: number | null, unit: Chart["unit"]): string {
  if (value === null) return "—";
  if (unit === "percent") return `${value}%`;
  if (unit === "hours") return `${value} h`;
  return String(value);
}

export function BarChart({ chart, labels }: { chart: Chart; labels: { categories: Names; departments: Names } }) {
  const t = useT();
  const locale = useLocale();
  const labelOf = (label: string, type: string) =>
    type === "key" ? t(label) : type === "document" ? label : type === "category" ? `${label} ${nameOf(labels.categories, label, locale)}` : nameOf(labels.departments, label, locale);
  const totals = chart.bars.map((b) => b.segments.reduce((n, s) => n + s.value, 0));
  const max = chart.max ?? Math.max(1, ...totals);
  const rowH = 30;
  const labelW = 200;
  const valueW = 60;
  const width = 640;
  const plotW = width - labelW - valueW;
  const height = Math.max(chart.bars.length, 1) * rowH + 8;
  const title = t(chart.titleKey);
  return (
    <figure className="db-chart" data-chart={chart.id}>
      <figcaption>
        <strong>{title}</strong>
        {chart.series.length > 1 ? (
          <span className="db-legend">
            {chart.series.map((s) => (
              <span key={s.id} className="db-legend-item">
                <span className="db-swatch" style={{ background: TONES[s.tone] }} aria-hidden="true" /> {t(s.labelKey)}
              </span>
            ))}
          </span>
        ) : null}
      </figcaption>
      {chart.bars.length === 0 ? (
        <p className="muted small">{t("dashboard.noData")}</p>
      ) : (
        <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-label={title} className="db-svg">
          <title>{title}</title>
          {chart.bars.map((bar, i) => {
            const y = i * rowH + 4;
            const label = labelOf(bar.label, bar.labelType);
            let x = labelW;
            return (
              <g key={bar.id}>
                <text x={labelW - 8} y={y + rowH / 2} textAnchor="end" dominantBaseline="middle" className="db-label">
                  {label.length > 26 ? label.slice(0, 25) + "…" : label}
                </text>
                <rect x={labelW} y={y + 4} width={plotW} height={rowH - 10} className="db-track" />
                {bar.segments.map((seg) => {
                  const w = max ? (seg.value / max) * plotW : 0;
                  const series = chart.series.find((s) => s.id === seg.series);
                  const rect = (
                    <rect
                      x={x}
                      y={y + 4}
                      width={Math.max(w, 0)}
                      height={rowH - 10}
                      fill={TONES[series?.tone ?? "info"]}
                      data-figure={`${chart.id}.${bar.id}.${seg.series}`}
                      data-value={seg.value}
                    >
                      <title>{`${label} · ${series ? t(series.labelKey) : seg.series}: ${formatValue(seg.value, chart.unit)}`}</title>
                    </rect>
                  );
                  x += w;
                  return seg.href ? (
                    <a key={seg.series} href={seg.href} aria-label={`${label} · ${series ? t(series.labelKey) : seg.series}: ${formatValue(seg.value, chart.unit)}`}>
                      {rect}
                    </a>
                  ) : (
                    <g key={seg.series}>{rect}</g>
                  );
                })}
                <text x={labelW + plotW + 6} y={y + rowH / 2} dominantBaseline="middle" className="db-value">
                  {chart.unit === "percent" ? formatValue(bar.segments[0]?.value ?? 0, "percent") : formatValue(totals[i], chart.unit)}
                </text>
              </g>
            );
          })}
        </svg>
      )}
    </figure>
  );
}
