import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { requireRole } from "~/access/guards.server";
import { accessReview, parseReviewFilter } from "~/access/review.server";
import { AccessTabs } from "~/components/access-ui";
import { formatDate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { page } from "~/web/http.server";
import accessCss from "~/styles/access.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: accessCss }];
export const meta: MetaFunction = () => [{ title: "Regula" }];

const DETAIL_LIMIT = 500;

export const loader = page(async ({ request }: LoaderFunctionArgs) => {
  await requireRole(request, "admin");
  const filter = parseReviewFilter(new URL(request.url).searchParams);
  const { rows, summary } = accessReview(filter);
  return data(
    { filter, summary, rows: rows.slice(0, DETAIL_LIMIT), total: rows.length },
    { headers: { "Cache-Control": "private, no-store" } },
  );
});

export default function AccessReview() {
  const { filter, summary, rows, total } = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  const qs = new URLSearchParams(Object.entries(filter).filter(([, v]) => v) as [string, string][]).toString();
  return (
    <div className="access-page">
      <p className="muted">
        <Link to="/admin">{t("admin.title")}</Link> / {t("access.review.title")}
      </p>
      <h1>{t("access.review.title")}</h1>
      <AccessTabs />
      <p className="muted">{t("access.review.explain")}</p>
      <Form method="get" className="toolbar">
        <label>
          {t("access.filter.from")} <input type="date" name="from" defaultValue={filter.from} />
        </label>
        <label>
          {t("access.filter.to")} <input type="date" name="to" defaultValue={filter.to} />
        </label>
        <label>
          {t("access.col.document")} <input name="number" defaultValue={filter.number ?? ""} maxLength={40} />
        </label>
        <label>
          {t("access.col.user")} <input name="user" defaultValue={filter.user ?? ""} maxLength={64} />
        </label>
        <button type="submit">{t("access.filter")}</button>
        <a className="button secondary" href={`/admin/access/review.csv?${qs}`} download>
          {t("access.exportCsv")}
        </a>
      </Form>
      <h2>{t("access.review.summary", { count: summary.length })}</h2>
      {summary.length === 0 ? (
        <p className="muted">{t("access.review.none")}</p>
      ) : (
        <div className="table-wrap">
          <table className="list access-review">
            <thead>
              <tr>
                <th scope="col">{t("access.col.document")}</th>
                <th scope="col">{t("access.col.user")}</th>
                <th scope="col">{t("access.review.views")}</th>
                <th scope="col">{t("access.review.first")}</th>
                <th scope="col">{t("access.review.last")}</th>
                <th scope="col">{t("access.review.under")}</th>
              </tr>
            </thead>
            <tbody>
              {summary.map((s) => (
                <tr key={`${s.username}-${s.number}`}>
                  <td>
                    <Link to={`/docs/${s.number}`} className="doc-number">
                      {s.number}
                    </Link>{" "}
                    {s.title}
                  </td>
                  <td>
                    {s.name} <span className="muted small">({s.username})</span>
                  </td>
                  <td>{s.views}</td>
                  <td className="small">{formatDate(s.first, locale, true)}</td>
                  <td className="small">{formatDate(s.last, locale, true)}</td>
                  <td className="small">
                    {s.grants.map((g) => (
                      <div key={g.id}>
                        {g.kind === "emergency" ? t("access.kind.emergency") : t("access.kind.grant")} <code>{g.id.slice(0, 8)}</code>
                        {g.grantedBy ? ` · ${g.grantedBy}` : ""}
                      </div>
                    ))}
                    {s.via.filter((v) => v !== "grant").map((v) => (
                      <div key={v}>{t(`access.via.${v}`)}</div>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>{t("access.review.detail", { count: total })}</h2>
      {total > rows.length ? <p className="muted small">{t("access.review.truncated", { shown: rows.length })}</p> : null}
      {rows.length ? (
        <div className="table-wrap">
          <table className="list">
            <thead>
              <tr>
                <th scope="col">{t("access.col.time")}</th>
                <th scope="col">{t("access.col.user")}</th>
                <th scope="col">{t("access.col.document")}</th>
                <th scope="col">{t("access.review.what")}</th>
                <th scope="col">{t("access.review.under")}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => (
                <tr key={i}>
                  <td className="small">{formatDate(r.time, locale, true)}</td>
                  <td>{r.username}</td>
                  <td className="doc-number">{r.number}</td>
                  <td className="small">{r.what}</td>
                  <td className="small">
                    {r.grantId ? (
                      <>
                        {r.grantKind === "emergency" ? t("access.kind.emergency") : t("access.kind.grant")} <code>{r.grantId.slice(0, 8)}</code>
                        {r.grantedBy ? ` · ${r.grantedBy}` : ""}
                      </>
                    ) : r.via ? (
                      t(`access.via.${r.via}`)
                    ) : (
                      "—"
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}
