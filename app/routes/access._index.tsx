import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/access/session.server";
import { myRequests, waitingCount } from "~/access/requests.server";
import { delegatedDepartments } from "~/access/delegates.server";
import { AccessTabs, GrantBadge, StatusBadge, scopeText } from "~/components/access-ui";
import { CsrfField } from "~/components/csrf-field";
import { formatDate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { page } from "~/web/http.server";
import accessCss from "~/styles/access.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: accessCss }];
export const meta: MetaFunction = () => [{ title: "Regula" }];

export const loader = page(async ({ request }: LoaderFunctionArgs) => {
  const user = await requireUser(request);
  return data(
    {
      requests: myRequests(user.id),
      waiting: waitingCount(user),
      decider: delegatedDepartments(user.id).length > 0,
    },
    { headers: { "Cache-Control": "private, no-store" } },
  );
});

export default function MyAccess() {
  const { requests, waiting, decider } = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  return (
    <div className="access-page">
      <h1>{t("access.title")}</h1>
      <AccessTabs waiting={waiting} decider={decider} />
      {waiting ? (
        <div className="banner banner-warn" role="status">
          {t("access.mine.waiting", { count: waiting })} <Link to="/access/queue">{t("access.queue.open")}</Link>
        </div>
      ) : null}
      <Form method="get" action="/access/request" className="toolbar">
        <label>
          {t("access.request.numberLabel")} <input name="number" required maxLength={40} placeholder="EXE-001" />
        </label>
        <button type="submit">{t("access.request.find")}</button>
      </Form>
      <h2>{t("access.mine.title")}</h2>
      {requests.length === 0 ? (
        <p className="muted">{t("access.mine.none")}</p>
      ) : (
        <div className="table-wrap">
          <table className="list">
            <thead>
              <tr>
                <th scope="col">{t("access.col.document")}</th>
                <th scope="col">{t("access.col.status")}</th>
                <th scope="col">{t("access.field.scope")}</th>
                <th scope="col">{t("access.col.asked")}</th>
                <th scope="col">{t("access.col.decision")}</th>
                <th scope="col">{t("access.col.access")}</th>
                <th scope="col">
                  <span className="visually-hidden">{t("access.col.actions")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {requests.map((r) => (
                <tr key={r.id}>
                  <td>
                    <Link to={`/docs/${r.number}`} className="doc-number">
                      {r.number}
                    </Link>{" "}
                    {r.title}
                    {r.kind === "emergency" && r.status !== "emergency" ? (
                      <>
                        {" "}
                        <span className="badge badge-restricted">{t("access.kind.emergency")}</span>
                      </>
                    ) : null}
                  </td>
                  <td>
                    <StatusBadge status={r.status} overdue={r.overdue} />
                  </td>
                  <td className="small">
                    {scopeText(t, r)} · {t("access.days", { days: r.days })}
                  </td>
                  <td className="small">{formatDate(r.createdAt, locale, true)}</td>
                  <td className="small">
                    {r.decidedAt && r.status !== "withdrawn" ? (
                      <>
                        {r.decidedByName ?? ""} {formatDate(r.decidedAt, locale, true)}
                        {r.reason ? <div className="access-reason">{r.reason}</div> : null}
                      </>
                    ) : (
                      "—"
                    )}
                  </td>
                  <td className="small">
                    {r.grant ? (
                      <>
                        <GrantBadge state={r.grant.state} /> {t("access.until", { date: formatDate(r.grant.expiresAt, locale, true) })}
                      </>
                    ) : (
                      "—"
                    )}
                  </td>
                  <td>
                    <Link to={`/access/requests/${r.id}`}>{t("access.open")}</Link>
                    {r.status === "pending" ? (
                      <Form method="post" action={`/access/requests/${r.id}`} className="inline-form">
                        <CsrfField />
                        <input type="hidden" name="intent" value="withdraw" />
                        <input type="hidden" name="id" value={r.id} />{" "}
                        <button type="submit" className="link-button">
                          {t("access.withdraw")}
                        </button>
                      </Form>
                    ) : null}
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
