import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/access/session.server";
import { StatusBadge } from "~/components/revisions-ui";
import { formatDate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { mySuggestionsPage } from "~/revisions/pages.server";
import { page } from "~/web/http.server";
import revisionsCss from "~/styles/revisions.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: revisionsCss }];

export const meta: MetaFunction = () => [{ title: "Regula" }];

export const loader = page(async ({ request }: LoaderFunctionArgs) => {
  const user = await requireUser(request);
  return data(mySuggestionsPage(user), { headers: { "Cache-Control": "private, no-store" } });
});

type Row = ReturnType<typeof useLoaderData<typeof loader>>["mine"][number];

function SuggestionTable({ rows, empty, showOutcome }: { rows: Row[]; empty: string; showOutcome: boolean }) {
  const t = useT();
  const locale = useLocale();
  if (!rows.length) return <p className="muted">{empty}</p>;
  return (
    <div className="table-wrap">
      <table className="list">
        <thead>
          <tr>
            <th scope="col">{t("doc.number")}</th>
            <th scope="col">{t("revisions.suggestions.text")}</th>
            <th scope="col">{t("history.when")}</th>
            <th scope="col">{showOutcome ? t("revisions.suggestions.outcome") : t("revisions.suggestions.by")}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((s) => (
            <tr key={s.id}>
              <td>
                <Link className="doc-number" to={`/docs/${s.number}/suggestions#${s.id}`}>
                  {s.number}
                </Link>
                <div className="muted small">{s.title}</div>
              </td>
              <td className="suggestion-text">{s.text}</td>
              <td>{formatDate(s.createdAt, locale)}</td>
              <td>
                {showOutcome ? (
                  <>
                    <span className={`badge suggestion-status-${s.status}`}>{t(`revisions.suggestion.${s.status}`)}</span>
                    {s.reason ? <div className="decision-reason">{s.reason}</div> : null}
                    {s.proposalId ? (
                      <div className="small">
                        {s.proposalId} {s.proposalStatus ? <StatusBadge status={s.proposalStatus} /> : null}
                        {s.publishedVersion ? ` v${s.publishedVersion}` : null}
                      </div>
                    ) : null}
                  </>
                ) : (
                  s.by.name
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export default function MySuggestions() {
  const d = useLoaderData<typeof loader>();
  const t = useT();
  return (
    <section className="revisions">
      <h1>{t("revisions.suggestions.mine")}</h1>
      <p className="muted">{t("revisions.suggestions.mineHint")}</p>
      <SuggestionTable rows={d.mine} empty={t("revisions.suggestions.noneMine")} showOutcome />
      {d.toTriage.length ? (
        <>
          <h2>{t("revisions.suggestions.toTriage", { count: d.toTriage.length })}</h2>
          <SuggestionTable rows={d.toTriage} empty="" showOutcome={false} />
        </>
      ) : null}
    </section>
  );
}
