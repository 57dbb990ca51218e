import { Link } from "@remix-run/react";
import { formatDate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";

export interface AcknowledgementsExtra {
  owed: { number: string; title: string; version: number; dueDate: string; overdue: boolean }[];
  owedCount: number;
  overdueCount: number;
  manager: boolean;
  teamOverdue: number;
  teamPending: number;
}

/** Home-page panel: what the reader still has to acknowledge; for managers, their team's open items. */
export function AcknowledgementsPanel({ data }: { data: AcknowledgementsExtra }) {
  const t = useT();
  const locale = useLocale();
  if (!data.owedCount && !data.manager) return null;
  return (
    <section className={`panel ack-panel${data.overdueCount ? " ack-panel-overdue" : ""}`} aria-labelledby="ack-panel-title">
      <h2 id="ack-panel-title">{t("ack.panel.title")}</h2>
      {data.owedCount ? (
        <>
          <p>{t("ack.panel.owed", { count: data.owedCount })}</p>
          <ul className="plain-list">
            {data.owed.map((o) => (
              <li key={o.number}>
                <Link className="doc-number" to={`/docs/${o.number}`}>
                  {o.number}
                </Link>{" "}
                <Link to={`/docs/${o.number}`}>{o.title}</Link> <span className="muted">v{o.version}</span> ·{" "}
                <span className={o.overdue ? "ack-overdue-text" : "muted"}>
                  {t(o.overdue ? "ack.panel.overdueSince" : "ack.panel.dueBy", { date: formatDate(o.dueDate, locale) })}
                </span>
              </li>
            ))}
          </ul>
          {data.owedCount > data.owed.length ? <Link to="/acknowledgements">{t("ack.panel.all")}</Link> : null}
        </>
      ) : (
        <p className="muted">{t("ack.mine.none")}</p>
      )}
      {data.manager ? (
        <p>
          <Link to="/acknowledgements/report">{t("ack.panel.team", { overdue: data.teamOverdue, pending: data.teamPending })}</Link>
        </p>
      ) : null}
    </section>
  );
}
