import { pageTitle } from "~/components/page-title";
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/access/session.server";
import { hasRole } from "~/org/users.server";
import { formatDate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { owedBy } from "~/notifications/acknowledgements.server";
import { page } from "~/web/http.server";
import notificationsCss from "~/styles/notifications.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: notificationsCss }];
export const meta = pageTitle("ack.mine.title");

export const loader = page(async ({ request }: LoaderFunctionArgs) => {
  const user = await requireUser(request);
  return data({ owed: owedBy(user.id), manager: hasRole(user, "approver") }, { headers: { "Cache-Control": "private, no-store" } });
});

export default function MyAcknowledgements() {
  const { owed, manager } = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  return (
    <div>
      <h1>{t("ack.mine.title")}</h1>
      <p className="muted">{t("ack.mine.help")}</p>
      {manager ? (
        <p>
          <Link to="/acknowledgements/report">{t("ack.report.title")}</Link>
        </p>
      ) : null}
      {owed.length === 0 ? (
        <p className="form-ok" role="status">
          {t("ack.mine.none")}
        </p>
      ) : (
        <div className="table-wrap">
          <table className="list">
            <thead>
              <tr>
                <th scope="col">{t("doc.number")}</th>
                <th scope="col">{t("doc.title")}</th>
                <th scope="col">{t("ack.col.version")}</th>
                <th scope="col">{t("ack.col.reason")}</th>
                <th scope="col">{t("ack.col.due")}</th>
              </tr>
            </thead>
            <tbody>
              {owed.map((o) => (
                <tr key={o.number} className={o.overdue ? "row-overdue" : undefined}>
                  <td>
                    <Link className="doc-number" to={`/docs/${o.number}`}>
                      {o.number}
                    </Link>
                  </td>
                  <td>
                    <Link to={`/docs/${o.number}`}>{o.title}</Link>
                  </td>
                  <td>v{o.version}</td>
                  <td>{t(`ack.reason.${o.reason}`)}</td>
                  <td>
                    {formatDate(o.dueDate, locale)} {o.overdue ? <span className="badge badge-retired">{t("ack.status.overdue")}</span> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
