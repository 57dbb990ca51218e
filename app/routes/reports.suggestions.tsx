import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { requireUser } from "~/access/session.server";
import { nameOf } from "~/components/labels";
import { useLocale, useT } from "~/i18n/use-t";
import { suggestionReport } from "~/revisions/pages.server";
import { page } from "~/web/http.server";
import revisionsCss from "~/styles/revisions.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: revisionsCss }];

export const meta: MetaFunction = () => [{ title: "Regula" }];

export const loader = page(async ({ request }: LoaderFunctionArgs) => {
  const user = await requireUser(request);
  return data(suggestionReport(user), { headers: { "Cache-Control": "private, no-store" } });
});

function percent(rate: number | null) {
  return rate === null ? "—" : `${Math.round(rate * 100)}%`;
}

export default function SuggestionReport() {
  const { stats, scope, labels } = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  const acted = stats.accepted + stats.declined;
  return (
    <section className="revisions">
      <h1>{t("revisions.report.title")}</h1>
      <p className="muted">{scope ? t("revisions.report.scope", { department: nameOf(labels.departments, scope, locale) }) : t("revisions.report.all")}</p>
      <div className="grid grid-cards">
        <div className="card">
          <div className="kpi" data-figure="total">
            {stats.total}
          </div>
          <div className="card-meta">{t("revisions.report.received")}</div>
        </div>
        <div className="card">
          <div className="kpi" data-figure="accepted">
            {stats.accepted}
          </div>
          <div className="card-meta">{t("revisions.report.accepted")}</div>
        </div>
        <div className="card">
          <div className="kpi" data-figure="published">
            {stats.published}
          </div>
          <div className="card-meta">{t("revisions.report.published")}</div>
        </div>
        <div className="card">
          <div className="kpi" data-figure="declined">
            {stats.declined}
          </div>
          <div className="card-meta">{t("revisions.report.declined")}</div>
        </div>
        <div className="card">
          <div className="kpi" data-figure="open">
            {stats.open}
          </div>
          <div className="card-meta">
            {t("revisions.report.open")}
            {stats.openOlderThan30Days ? ` · ${t("revisions.report.stale", { count: stats.openOlderThan30Days })}` : ""}
          </div>
        </div>
        <div className="card">
          <div className="kpi" data-figure="acted-rate">
            {percent(stats.actedOnRate)}
          </div>
          <div className="card-meta">{t("revisions.report.actedRate", { acted, accepted: stats.accepted })}</div>
        </div>
      </div>
      <p className="muted">{t("revisions.report.median", { days: stats.medianDaysToDecision === null ? "—" : stats.medianDaysToDecision })}</p>
      <h2>{t("revisions.report.byDepartment")}</h2>
      {stats.byDepartment.length === 0 ? (
        <p className="muted">{t("revisions.report.none")}</p>
      ) : (
        <div className="table-wrap">
          <table className="list">
            <thead>
              <tr>
                <th scope="col">{t("doc.owner")}</th>
                <th scope="col">{t("revisions.report.received")}</th>
                <th scope="col">{t("revisions.report.accepted")}</th>
                <th scope="col">{t("revisions.report.published")}</th>
                <th scope="col">{t("revisions.report.declined")}</th>
                <th scope="col">{t("revisions.report.open")}</th>
              </tr>
            </thead>
            <tbody>
              {stats.byDepartment.map((row) => (
                <tr key={row.department}>
                  <td>{nameOf(labels.departments, row.department, locale)}</td>
                  <td>{row.total}</td>
                  <td>{row.accepted}</td>
                  <td>{row.published}</td>
                  <td>{row.declined}</td>
                  <td>{row.open}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
