/** Home-page panel of the revision workflow: approvals waiting for me, my open proposals, outcomes of my suggestions. */
import "~/styles/revisions.css";
import { Link } from "@remix-run/react";
import { formatDate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";

export interface RevisionsHomeData {
  waiting: { id: string; number: string; title: string; dueAt: string; overdue: boolean }[];
  waitingCount: number;
  overdueCount: number;
  overdueAll: number;
  strandedAll?: number;
  drafts: { id: string; number: string; title: string; status: string }[];
  draftCount: number;
  suggestions: { id: string; number: string; status: string; reason: string | null; proposalId: string | null }[];
}

export function RevisionsHomePanel({ data }: { data: RevisionsHomeData }) {
  const t = useT();
  const locale = useLocale();
  return (
    <section className="panel revisions-home" aria-labelledby="revisions-home-title">
      <h2 id="revisions-home-title" className="h3">
        {t("revisions.home.title")}
      </h2>
      {data.overdueAll ? (
        <p className="banner banner-danger">
          <Link to="/inbox">{t("revisions.home.overdueAll", { count: data.overdueAll })}</Link>
        </p>
      ) : null}
      {data.strandedAll ? (
        <p className="banner banner-danger">
          <Link to="/admin#stranded">{t("revisions.home.stranded", { count: data.strandedAll })}</Link>
        </p>
      ) : null}
      {data.waitingCount ? (
        <div>
          <h3 className="h4">
            <Link to="/inbox">{t("revisions.home.waiting", { count: data.waitingCount })}</Link>
            {data.overdueCount ? <span className="badge badge-overdue"> {t("revisions.home.overdue", { count: data.overdueCount })}</span> : null}
          </h3>
          <ul>
            {data.waiting.map((w) => (
              <li key={w.id} className={w.overdue ? "field-error" : undefined}>
                <Link to={`/proposals/${w.id}`}>{w.id}</Link> <span className="doc-number">{w.number}</span> {w.title} —{" "}
                {t(w.overdue ? "revisions.overdueSince" : "revisions.dueBy", { date: formatDate(w.dueAt, locale, true) })}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {data.draftCount ? (
        <div>
          <h3 className="h4">
            <Link to="/proposals?view=mine">{t("revisions.home.drafts", { count: data.draftCount })}</Link>
          </h3>
          <ul>
            {data.drafts.map((p) => (
              <li key={p.id}>
                <Link to={`/proposals/${p.id}`}>{p.id}</Link> <span className="doc-number">{p.number}</span> {p.title} ·{" "}
                <span className={`badge status-${p.status}`}>{t(`revisions.status.${p.status}`)}</span>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {data.suggestions.length ? (
        <div>
          <h3 className="h4">
            <Link to="/suggestions">{t("revisions.home.suggestions")}</Link>
          </h3>
          <ul>
            {data.suggestions.map((s) => (
              <li key={s.id}>
                <Link to={`/docs/${s.number}/suggestions#${s.id}`}>{s.id}</Link> <span className="doc-number">{s.number}</span> ·{" "}
                <span className={`badge suggestion-status-${s.status}`}>{t(`revisions.suggestion.${s.status}`)}</span>
                {s.reason ? <span className="muted"> — {s.reason}</span> : null}
                {s.proposalId ? <span className="muted"> → {s.proposalId}</span> : null}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </section>
  );
}
