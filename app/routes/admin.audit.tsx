import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { requireRole } from "~/access/guards.server";
import { readAuditHead, verifyAuditChain } from "~/audit/audit.server";
import { parseAuditFilter, queryAudit } from "~/audit/query.server";
import { AccessTabs } from "~/components/access-ui";
import { formatDate } from "~/i18n/i18n";
import { auditActionText, auditDetailLines } from "~/components/audit-text";
import { useLocale, useT } from "~/i18n/use-t";
import { page } from "~/web/http.server";
import accessCss from "~/styles/access.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: accessCss }];
export const meta: MetaFunction = () => [{ title: "Regula" }];

export const loader = page(async ({ request }: LoaderFunctionArgs) => {
  await requireRole(request, "admin");
  const params = new URL(request.url).searchParams;
  const filter = parseAuditFilter(params);
  const result = queryAudit(filter);
  const verify = params.get("verify") === "1" ? verifyAuditChain() : null;
  return data({ filter, ...result, head: readAuditHead(), verify }, { headers: { "Cache-Control": "private, no-store" } });
});

export default function AuditLog() {
  const d = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  const f = d.filter;
  const query = (changes: Record<string, string | number | undefined>) => {
    const out = new URLSearchParams();
    const merged: Record<string, unknown> = { ...f, ...changes };
    for (const key of ["actor", "action", "object", "outcome", "from", "to"]) if (merged[key]) out.set(key, String(merged[key]));
    if (merged.page && Number(merged.page) > 1) out.set("page", String(merged.page));
    return out.toString();
  };
  return (
    <div className="access-page">
      <p className="muted">
        <Link to="/admin">{t("admin.title")}</Link> / {t("audit.title")}
      </p>
      <h1>{t("audit.title")}</h1>
      <AccessTabs />
      <p className="muted small">
        {t("audit.explain")}{" "}
        {d.head ? (
          <>
            {t("audit.head", { seq: d.head.seq })} <code className="audit-hash">{d.head.hash}</code>
          </>
        ) : null}
      </p>
      {d.verify ? (
        d.verify.ok ? (
          <div className="banner banner-ok" role="status">
            {t("audit.verifyOk", { count: d.verify.count })}
          </div>
        ) : (
          <div className="banner banner-danger" role="alert">
            {t("audit.verifyBroken", { line: d.verify.line, reason: d.verify.reason })}
          </div>
        )
      ) : (
        <p>
          <Link to={`?${query({ page: d.page })}${query({ page: d.page }) ? "&" : ""}verify=1`}>{t("audit.verify")}</Link>
        </p>
      )}
      <Form method="get" className="toolbar audit-filter">
        <label>
          {t("audit.actor")} <input name="actor" defaultValue={f.actor ?? ""} maxLength={64} />
        </label>
        <label>
          {t("audit.action")}{" "}
          <input name="action" defaultValue={f.action ?? ""} maxLength={64} list="audit-actions" />
          <datalist id="audit-actions">
            {d.actions.map((a) => (
              <option key={a} value={a} label={auditActionText(t, a)} />
            ))}
          </datalist>
        </label>
        <label>
          {t("audit.object")} <input name="object" defaultValue={f.object ?? ""} maxLength={120} />
        </label>
        <label>
          {t("audit.outcome")}{" "}
          <select name="outcome" defaultValue={f.outcome ?? ""}>
            <option value="">{t("audit.any")}</option>
            <option value="ok">{t("audit.outcome.ok")}</option>
            <option value="denied">{t("audit.outcome.denied")}</option>
            <option value="failed">{t("audit.outcome.failed")}</option>
          </select>
        </label>
        <label>
          {t("access.filter.from")} <input type="date" name="from" defaultValue={f.from ?? ""} />
        </label>
        <label>
          {t("access.filter.to")} <input type="date" name="to" defaultValue={f.to ?? ""} />
        </label>
        <button type="submit">{t("access.filter")}</button>
        <Link to="/admin/audit" className="button secondary">
          {t("audit.clear")}
        </Link>
        <a className="button secondary" href={`/admin/audit.csv?${query({ page: undefined })}`} download>
          {t("access.exportCsv")}
        </a>
      </Form>
      <p className="muted small">{t("audit.count", { total: d.total })}</p>
      {d.entries.length === 0 ? (
        <p className="muted">{t("audit.none")}</p>
      ) : (
        <div className="table-wrap">
          <table className="list audit-table">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">{t("access.col.time")}</th>
                <th scope="col">{t("audit.actor")}</th>
                <th scope="col">{t("audit.action")}</th>
                <th scope="col">{t("audit.object")}</th>
                <th scope="col">{t("audit.outcome")}</th>
                <th scope="col">{t("audit.details")}</th>
              </tr>
            </thead>
            <tbody>
              {d.entries.map((e) => (
                <tr key={e.seq + e.hash} className={e.outcome !== "ok" ? `audit-${e.outcome}` : undefined}>
                  <td className="small">{e.seq}</td>
                  <td className="small">{formatDate(e.time, locale, true)}</td>
                  <td>
                    <Link to={`?${query({ actor: e.actor, page: undefined })}`}>{e.actor}</Link>
                  </td>
                  <td>
                    <span title={e.action}>{auditActionText(t, e.action)}</span>
                  </td>
                  <td>{e.object}</td>
                  <td>
                    <span className={`badge ${e.outcome === "ok" ? "" : "badge-retired"}`}>{t(`audit.outcome.${e.outcome}`)}</span>
                  </td>
                  <td className="small audit-details">
                    {auditDetailLines(t, e.details).map((line, i) => (
                      <div key={i}>
                        {line.label}: {line.value}
                      </div>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {d.pages > 1 ? (
        <nav className="pager" aria-label={t("audit.pages")}>
          {d.page > 1 ? <Link to={`?${query({ page: d.page - 1 })}`}>{t("audit.prev")}</Link> : null}
          <span>{t("audit.pageOf", { page: d.page, pages: d.pages })}</span>
          {d.page < d.pages ? <Link to={`?${query({ page: d.page + 1 })}`}>{t("audit.next")}</Link> : null}
        </nav>
      ) : null}
    </div>
  );
}
