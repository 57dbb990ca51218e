import { pageTitle } from "~/components/page-title";
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireRole } from "~/access/guards.server";
import { dashboardScope } from "~/dashboard/figures.server";
import { dashboardList } from "~/dashboard/lists.server";
import { labelMaps } from "~/documents/labels.server";
import { nameOf } from "~/components/labels";
import { formatDate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { page } from "~/web/http.server";
import dashboardCss from "~/styles/dashboard.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: dashboardCss }];
export const meta = pageTitle("dashboard.title");

/** The list behind a dashboard figure (approval times, access requests, emergency access, suggestions). */
export const loader = page(async ({ request, params }: LoaderFunctionArgs) => {
  const user = await requireRole(request, "approver");
  const url = new URL(request.url);
  const department = dashboardScope(user, url.searchParams.get("department"));
  const filter = url.searchParams.get("status") ?? url.searchParams.get("sla");
  return data(
    { department: department ?? "", filter: filter ?? "", list: dashboardList(String(params.list), department, filter), labels: labelMaps() },
    { headers: { "Cache-Control": "private, no-store" } },
  );
});

const DATE_COLUMNS = new Set(["startedAt", "decidedAt", "createdAt", "dueAt"]);
const TEXT_VALUES = new Set(["status", "state", "decision", "within"]);

export default function DashboardList() {
  const { department, filter, list, labels } = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  const back = `/dashboard${department ? `?department=${encodeURIComponent(department)}` : ""}`;
  return (
    <div className="db-page">
      <p className="muted">
        <Link to={back}>{t("dashboard.title")}</Link> / {t(`dashboard.list.${list.name}`)}
      </p>
      <h1>
        {t(`dashboard.list.${list.name}`)}
        {filter ? <span className="muted"> · {t(`dashboard.value.${filter}`)}</span> : null}
      </h1>
      <p className="muted">
        {department ? t("dashboard.scopeDepartment", { department: nameOf(labels.departments, department, locale) }) : t("dashboard.scopeAll")} ·{" "}
        {t("dashboard.rows", { count: list.rows.length })}
      </p>
      {list.rows.length === 0 ? (
        <p className="muted">{t("dashboard.noData")}</p>
      ) : (
        <div className="table-wrap">
          <table className="list db-list" data-list={list.name}>
            <thead>
              <tr>
                {list.columns.map((c) => (
                  <th key={c.key} scope="col">
                    {t(c.labelKey)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {list.rows.map((r, i) => (
                <tr key={i} className={r.tone ? `tone-${r.tone}` : undefined}>
                  {list.columns.map((c, j) => {
                    const v = r.cells[c.key];
                    const text = v === null || v === undefined ? "—" : DATE_COLUMNS.has(c.key) ? formatDate(String(v), locale, true) : TEXT_VALUES.has(c.key) ? t(`dashboard.value.${v}`) : String(v);
                    return <td key={c.key}>{j === 0 && r.href ? <Link to={r.href}>{text}</Link> : text}</td>;
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
