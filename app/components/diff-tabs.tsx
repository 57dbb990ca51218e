import { Link } from "@remix-run/react";

/** The choice between the formatted diff and the markdown source diff (links, so it works without JavaScript). */
export type DiffViewName = "formatted" | "split" | "inline";

/** ?view= → which diff to show: the formatted one unless the source is asked for. */
export function viewParam(value: string | null): DiffViewName {
  return value === "split" || value === "inline" ? value : "formatted";
}

/** ?expand=3 or ?expand=3,7 → fold numbers to show expanded (at most 20). */
export function expandParam(value: string | null): number[] {
  if (!value) return [];
  return value
    .split(",")
    .slice(0, 20)
    .filter((v) => /^\d{1,6}$/.test(v))
    .map(Number);
}

type Translate = (key: string, vars?: Record<string, string | number>) => string;

export function DiffViewTabs({ view, href, t }: { view: DiffViewName; href: (view: DiffViewName) => string; t: Translate }) {
  const tab = (name: DiffViewName, label: string) => (
    <Link to={href(name)} aria-current={view === name ? "page" : undefined} className={view === name ? "button" : "button secondary"}>
      {label}
    </Link>
  );
  return (
    <nav className="actions diff-tabs" aria-label={t("diff.views")}>
      {tab("formatted", t("diff.formatted"))}
      <span className="diff-tabs-source">
        <span className="muted small">{t("diff.sourceLabel")}</span> {tab("split", t("diff.split"))} {tab("inline", t("diff.inline"))}
      </span>
    </nav>
  );
}
