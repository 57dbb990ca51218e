import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/access/session.server";
import { ChangeBadge, ProposalTable } from "~/components/revisions-ui";
import { formatDate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { inboxPage } from "~/revisions/pages.server";
import { page } from "~/web/http.server";
import revisionsCss from "~/styles/revisions.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: revisionsCss }];

export const meta: MetaFunction = () => [{ title: "Regula" }];

export const loader = page(async ({ request }: LoaderFunctionArgs) => {
  const user = await requireUser(request);
  return data(inboxPage(user), { headers: { "Cache-Control": "private, no-store" } });
});

export default function Inbox() {
  const d = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  const overdue = d.waiting.filter((w) => w.overdue).length;
  return (
    <section className="revisions">
      <h1>{t("revisions.inbox.title")}</h1>
      <p className="muted">{t("revisions.inbox.serviceLevel", { days: d.serviceLevelWorkingDays })}</p>
      {overdue ? (
        <p className="banner banner-danger" role="alert">
          {t("revisions.inbox.overdueMine", { count: overdue })}
        </p>
      ) : null}
      {d.waiting.length === 0 ? (
        <p className="muted">{t("revisions.inbox.empty")}</p>
      ) : (
        <ul className="inbox-list">
          {d.waiting.map((w) => (
            <li key={w.id} className={`panel inbox-item${w.overdue ? " stage-overdue" : ""}`}>
              <div>
                <Link to={`/proposals/${w.id}`} className="proposal-id">
                  {w.id}
                </Link>{" "}
                <span className="doc-number">{w.number}</span> {w.title} <ChangeBadge change={w.change} />
              </div>
              <div className="muted small">
                {t(`revisions.stage.${w.stageRole ?? "approval"}`)} · {w.author} · {w.summary}
              </div>
              <div className={w.overdue ? "field-error" : "muted small"}>
                {t(w.overdue ? "revisions.overdueSince" : "revisions.dueBy", { date: formatDate(w.dueAt, locale, true) })}
              </div>
            </li>
          ))}
        </ul>
      )}
      {d.overdueAll ? (
        <section aria-labelledby="overdue-all">
          <h2 id="overdue-all">{t("revisions.inbox.overdueAll", { count: d.overdueAll.length })}</h2>
          {d.overdueAll.length ? (
            <div className="table-wrap">
              <table className="list">
                <thead>
                  <tr>
                    <th scope="col">{t("revisions.col.proposal")}</th>
                    <th scope="col">{t("doc.number")}</th>
                    <th scope="col">{t("revisions.approvers")}</th>
                    <th scope="col">{t("revisions.col.due")}</th>
                  </tr>
                </thead>
                <tbody>
                  {d.overdueAll.map((o) => (
                    <tr key={o.id} className="row-overdue">
                      <td>
                        <Link to={`/proposals/${o.id}`}>{o.id}</Link>
                      </td>
                      <td>
                        <span className="doc-number">{o.number}</span> {o.title}
                      </td>
                      <td>{o.approvers.join("、")}</td>
                      <td>{formatDate(o.dueAt, locale, true)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p className="muted">{t("revisions.inbox.noneOverdue")}</p>
          )}
        </section>
      ) : null}
      <h2>{t("revisions.inbox.decided")}</h2>
      <ProposalTable rows={d.decided} empty={t("revisions.inbox.noDecided")} />
    </section>
  );
}
