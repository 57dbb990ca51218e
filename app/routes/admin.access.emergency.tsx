import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireRole } from "~/access/guards.server";
import { listEmergencyAccess, listEmergencyAwaitingRatification } from "~/access/emergency.server";
import { AccessTabs, GrantBadge, StatusBadge } from "~/components/access-ui";
import { formatDate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { page } from "~/web/http.server";
import accessCss from "~/styles/access.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: accessCss }];
export const meta: MetaFunction = () => [{ title: "Regula" }];

export const loader = page(async ({ request }: LoaderFunctionArgs) => {
  await requireRole(request, "admin");
  return data(
    { awaiting: listEmergencyAwaitingRatification(), all: listEmergencyAccess(100) },
    { headers: { "Cache-Control": "private, no-store" } },
  );
});

export default function EmergencyReport() {
  const { awaiting, all } = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  return (
    <div className="access-page">
      <p className="muted">
        <Link to="/admin">{t("admin.title")}</Link> / {t("access.emergencyReport.title")}
      </p>
      <h1>{t("access.emergencyReport.title")}</h1>
      <AccessTabs />
      <h2>{t("access.emergencyReport.unratified", { count: awaiting.length })}</h2>
      {awaiting.length === 0 ? (
        <p className="muted">{t("access.emergencyReport.noneUnratified")}</p>
      ) : (
        <div className="table-wrap">
          <table className="list access-unratified">
            <thead>
              <tr>
                <th scope="col">{t("access.col.document")}</th>
                <th scope="col">{t("access.col.user")}</th>
                <th scope="col">{t("access.field.justification")}</th>
                <th scope="col">{t("access.col.taken")}</th>
                <th scope="col">{t("access.col.ratifyBy")}</th>
                <th scope="col">{t("access.col.status")}</th>
              </tr>
            </thead>
            <tbody>
              {awaiting.map((r) => (
                <tr key={r.id} className={r.lapsed ? "access-lapsed" : undefined}>
                  <td>
                    <Link to={`/access/requests/${r.id}`} className="doc-number">
                      {r.number}
                    </Link>{" "}
                    {r.title}
                  </td>
                  <td>
                    {r.requesterName} <span className="muted small">({r.requesterUsername})</span>
                  </td>
                  <td className="access-purpose small">{r.purpose}</td>
                  <td className="small">{formatDate(r.createdAt, locale, true)}</td>
                  <td className="small">{formatDate(r.dueAt, locale, true)}</td>
                  <td>
                    {r.lapsed ? (
                      <span className="badge badge-retired">{t("access.emergencyReport.lapsed")}</span>
                    ) : (
                      <span className="badge badge-superseded">{t("access.emergencyReport.hoursLeft", { hours: r.hoursLeft })}</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>{t("access.emergencyReport.all")}</h2>
      {all.length === 0 ? (
        <p className="muted">{t("access.emergencyReport.none")}</p>
      ) : (
        <div className="table-wrap">
          <table className="list">
            <thead>
              <tr>
                <th scope="col">{t("access.col.document")}</th>
                <th scope="col">{t("access.col.user")}</th>
                <th scope="col">{t("access.col.taken")}</th>
                <th scope="col">{t("access.col.status")}</th>
                <th scope="col">{t("access.col.decision")}</th>
                <th scope="col">{t("access.col.access")}</th>
              </tr>
            </thead>
            <tbody>
              {all.map((r) => (
                <tr key={r.id}>
                  <td>
                    <Link to={`/access/requests/${r.id}`} className="doc-number">
                      {r.number}
                    </Link>{" "}
                    {r.title}
                  </td>
                  <td>{r.requesterName}</td>
                  <td className="small">{formatDate(r.createdAt, locale, true)}</td>
                  <td>
                    <StatusBadge status={r.status} />
                  </td>
                  <td className="small">
                    {r.decidedAt ? `${r.decidedByName ?? ""} ${formatDate(r.decidedAt, locale, true)}` : "—"}
                    {r.reason ? <div className="access-reason">{r.reason}</div> : null}
                  </td>
                  <td className="small">
                    {r.grant ? (
                      <>
                        <GrantBadge state={r.grant.state} /> {formatDate(r.grant.expiresAt, locale, true)}
                      </>
                    ) : (
                      "—"
                    )}
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
