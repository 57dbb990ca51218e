import { pageTitle } from "~/components/page-title";
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { requireRole } from "~/access/guards.server";
import { isAdmin } from "~/org/users.server";
import { dashboardFigures, dashboardScope } from "~/dashboard/figures.server";
import { labelMaps } from "~/documents/labels.server";
import { BarChart, formatValue } from "~/dashboard/bar-chart";
import { nameOf } from "~/components/labels";
import { formatDate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { page } from "~/web/http.server";
import dashboardCss from "~/styles/dashboard.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: dashboardCss }];
export const meta = pageTitle("dashboard.title");

/** The compliance dashboard: administrators (whole company or one department) and department heads (their department). */
export const loader = page(async ({ request }: LoaderFunctionArgs) => {
  const user = await requireRole(request, "approver");
  const department = dashboardScope(user, new URL(request.url).searchParams.get("department"));
  return data(
    { admin: isAdmin(user), department: department ?? "", dashboard: dashboardFigures(department), labels: labelMaps() },
    { headers: { "Cache-Control": "private, no-store" } },
  );
});

export default function ComplianceDashboard() {
  const { admin, department, dashboard, labels } = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  const csv = `/dashboard.csv${department ? `?department=${encodeURIComponent(department)}` : ""}`;
  return (
    <div className="db-page">
      <div className="db-head">
        <div>
          <h1>{t("dashboard.title")}</h1>
          <p className="muted">
            {department ? t("dashboard.scopeDepartment", { department: nameOf(labels.departments, department, locale) }) : t("dashboard.scopeAll")} ·{" "}
            {t("dashboard.asOf", { when: formatDate(dashboard.generatedAt, locale, true) })}
          </p>
        </div>
        <div className="actions">
          {admin ? (
            <Form method="get" className="actions">
              <label htmlFor="department" className="visually-hidden">
                {t("admin.department")}
              </label>
              <select id="department" name="department" defaultValue={department}>
                <option value="">{t("dashboard.allDepartments")}</option>
                {Object.keys(labels.departments).map((d) => (
                  <option key={d} value={d}>
                    {nameOf(labels.departments, d, locale)}
                  </option>
                ))}
              </select>
              <button type="submit" className="secondary">
                {t("dashboard.show")}
              </button>
            </Form>
          ) : null}
          <a className="button" href={csv} download>
            {t("dashboard.csv")}
          </a>
        </div>
      </div>
      {dashboard.sections.map((s) => (
        <section key={s.id} className="panel db-section" aria-labelledby={`db-${s.id}`} data-section={s.id}>
          <h2 id={`db-${s.id}`}>{t(s.titleKey)}</h2>
          {s.noteKey ? <p className="muted small">{t(s.noteKey, s.noteVars)}</p> : null}
          <ul className="db-kpis">
            {s.kpis.map((k) => (
              <li key={k.id} className={`db-kpi${k.tone && k.value ? ` tone-${k.tone}` : ""}`}>
                {k.href ? (
                  <Link to={k.href} data-figure={k.id} data-value={k.value ?? ""}>
                    <span className="kpi">{formatValue(k.value, k.unit)}</span>
                    <span className="db-kpi-label">{t(k.labelKey)}</span>
                  </Link>
                ) : (
                  <span data-figure={k.id} data-value={k.value ?? ""}>
                    <span className="kpi">{formatValue(k.value, k.unit)}</span>
                    <span className="db-kpi-label">{t(k.labelKey)}</span>
                  </span>
                )}
              </li>
            ))}
          </ul>
          <div className="db-charts">
            {s.charts.map((c) => (
              <BarChart key={c.id} chart={c} labels={labels} />
            ))}
          </div>
        </section>
      ))}
    </div>
  );
}
