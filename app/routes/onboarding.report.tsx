import { pageTitle } from "~/components/page-title";
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { requireRole } from "~/access/guards.server";
import { isAdmin } from "~/org/users.server";
import { labelMaps } from "~/documents/labels.server";
import { listGuides } from "~/onboarding/guides.server";
import { completionReport } from "~/onboarding/progress.server";
import { ProgressBar } from "~/onboarding/guide-view";
import { nameOf } from "~/components/labels";
import { formatDate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { page } from "~/web/http.server";
import onboardingCss from "~/styles/onboarding.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: onboardingCss }];
export const meta = pageTitle("onboarding.report");

/** Completion per guide, department and person; department heads see their own department. */
export const loader = page(async ({ request }: LoaderFunctionArgs) => {
  const user = await requireRole(request, "approver");
  const url = new URL(request.url);
  const guideId = url.searchParams.get("guide") || undefined;
  const overdueOnly = url.searchParams.get("overdue") === "1";
  const guides = listGuides();
  const report = completionReport(user, { guideId: guideId && guides.some((g) => g.id === guideId) ? guideId : undefined }).map((g) => ({
    ...g,
    rows: overdueOnly ? g.rows.filter((r) => r.overdue) : g.rows,
  }));
  return {
    admin: isAdmin(user),
    department: user.departmentId,
    labels: labelMaps(),
    guides: guides.map((g) => ({ id: g.id, title: g.title })),
    guideId: guideId ?? "",
    overdueOnly,
    report,
  };
});

export default function OnboardingReport() {
  const { admin, department, labels, guides, guideId, overdueOnly, report } = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  return (
    <div className="ob-page">
      <p className="muted">
        <Link to="/onboarding">{t("onboarding.title")}</Link> / {t("onboarding.report")}
      </p>
      <h1>{t("onboarding.report")}</h1>
      <p className="muted">{admin ? t("onboarding.reportAll") : t("onboarding.reportDept", { department: nameOf(labels.departments, department, locale) })}</p>
      <Form method="get" className="toolbar">
        <div className="field">
          <label htmlFor="guide">{t("onboarding.guideTitle")}</label>
          <select id="guide" name="guide" defaultValue={guideId}>
            <option value="">{t("onboarding.allGuides")}</option>
            {guides.map((g) => (
              <option key={g.id} value={g.id}>
                {g.title}
              </option>
            ))}
          </select>
        </div>
        <label className="check">
          <input type="checkbox" name="overdue" value="1" defaultChecked={overdueOnly} /> {t("onboarding.overdueOnly")}
        </label>
        <button type="submit">{t("onboarding.show")}</button>
      </Form>
      {report.length === 0 ? <p className="muted">{t("onboarding.noGuides")}</p> : null}
      {report.map((g) => (
        <section key={g.guideId} className="panel ob-report" aria-labelledby={`r-${g.guideId}`}>
          <h2 id={`r-${g.guideId}`}>{g.title}</h2>
          <p className="ob-report-summary">
            {t("onboarding.reportSummary", { people: g.people, complete: g.complete, overdue: g.overdue, percent: g.percent })}
          </p>
          {g.departments.length ? (
            <div className="table-wrap">
              <table className="list ob-dept-table">
                <caption className="visually-hidden">{t("onboarding.byDepartment")}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("admin.department")}</th>
                    <th scope="col">{t("onboarding.people")}</th>
                    <th scope="col">{t("onboarding.completeCol")}</th>
                    <th scope="col">{t("onboarding.overdueCol")}</th>
                    <th scope="col">{t("onboarding.progressCol")}</th>
                  </tr>
                </thead>
                <tbody>
                  {g.departments.map((d) => (
                    <tr key={d.departmentId} data-department={d.departmentId}>
                      <th scope="row">{nameOf(labels.departments, d.departmentId, locale)}</th>
                      <td>{d.people}</td>
                      <td>{d.complete}</td>
                      <td>{d.overdue}</td>
                      <td>
                        <ProgressBar done={d.percent} total={100} percent={d.percent} label={`${d.percent}%`} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
          {g.rows.length ? (
            <div className="table-wrap">
              <table className="list ob-people-table">
                <caption className="visually-hidden">{t("onboarding.byPerson")}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("user.name")}</th>
                    <th scope="col">{t("admin.department")}</th>
                    <th scope="col">{t("onboarding.progressCol")}</th>
                    <th scope="col">{t("onboarding.status")}</th>
                    <th scope="col">{t("onboarding.dueCol")}</th>
                  </tr>
                </thead>
                <tbody>
                  {g.rows.map((r) => (
                    <tr key={r.assignmentId} className={r.overdue ? "is-overdue" : undefined} data-user={r.username}>
                      <td>
                        {r.name} <span className="muted small">{`(${r.username})`}</span>
                      </td>
                      <td>{nameOf(labels.departments, r.departmentId, locale)}</td>
                      <td>
                        <ProgressBar done={r.done} total={r.total} percent={r.percent} label={`${r.done}/${r.total}`} />
                      </td>
                      <td>
                        {t(`onboarding.status.${r.status}`)}
                        {r.completedAt ? <span className="muted small"> · {formatDate(r.completedAt, locale)}</span> : null}
                      </td>
                      <td>
                        {formatDate(r.dueDate, locale)} {r.overdue ? <span className="badge badge-restricted">{t("onboarding.overdueBadge")}</span> : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p className="muted">{t("onboarding.nobody")}</p>
          )}
        </section>
      ))}
    </div>
  );
}
