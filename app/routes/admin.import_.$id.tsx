import { pageTitle } from "~/components/page-title";
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useLoaderData, useRevalidator } from "@remix-run/react";
import { useEffect } from "react";
import { z } from "zod";
import { requireRole } from "~/access/guards.server";
import { discardImportJob, getImportJob, startImportJob } from "~/import/jobs.server";
import { summarizeReports } from "~/import/import.server";
import { CsrfField } from "~/components/csrf-field";
import { FormError } from "~/components/field";
import { formatDate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { nameOf } from "~/components/labels";
import { labelMaps } from "~/documents/labels.server";
import { actionError, invalid, page, readForm } from "~/utils/http.server";
import importCss from "~/styles/import.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: importCss }];
export const meta = pageTitle("import.reportTitle");

export const loader = page(async ({ request, params }: LoaderFunctionArgs) => {
  await requireRole(request, "admin");
  const job = getImportJob(String(params.id));
  return data(
    {
      id: job.id,
      status: job.status,
      createdAt: job.createdAt,
      finishedAt: job.finishedAt,
      by: job.by,
      total: job.total,
      done: job.done,
      current: job.current,
      error: job.error,
      reports: job.reports,
      summary: summarizeReports(job.reports),
      labels: labelMaps(),
    },
    { headers: { "Cache-Control": "private, no-store" } },
  );
});

const ActionSchema = z.object({ intent: z.enum(["run", "discard"]) });

export async function action({ request, params }: ActionFunctionArgs) {
  try {
    const user = await requireRole(request, "admin");
    const form = await readForm(request, ActionSchema);
    if (!form.ok) return invalid(form.fieldErrors);
    const id = String(params.id);
    if (form.value.intent === "run") await startImportJob(user, id);
    else await discardImportJob(id);
    return redirect(form.value.intent === "run" ? `/admin/import/${id}` : "/admin/import");
  } catch (error) {
    return actionError(error);
  }
}

export default function ImportReport() {
  const job = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  const revalidator = useRevalidator();
  const running = job.status === "running";
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => {
      if (revalidator.state === "idle") revalidator.revalidate();
    }, 1000);
    return () => clearInterval(timer);
  }, [running, revalidator]);
  const s = job.summary;
  return (
    <div className="import-page">
      <p className="muted">
        <Link to="/admin">{t("admin.title")}</Link> / <Link to="/admin/import">{t("import.admin")}</Link> / {t("import.reportTitle")}
      </p>
      <h1>{t("import.reportTitle")}</h1>
      <p className="muted">
        {formatDate(job.createdAt, locale, true)} · {job.by} · <span className={`import-status status-${job.status}`}>{t(`import.status.${job.status}`)}</span>
      </p>
      {job.error ? <FormError message={t("import.error", { message: job.error })} /> : null}

      {running ? (
        <section className="panel import-progress" aria-live="polite">
          {/* Without JavaScript the page reloads itself until the import is done. */}
          <noscript>
            <meta httpEquiv="refresh" content="2" />
          </noscript>
          <label htmlFor="import-progress">{t("import.progress", { done: job.done, total: job.total })}</label>
          <progress id="import-progress" max={job.total} value={job.done} aria-label={t("import.progressLabel")}>
            {job.done}/{job.total}
          </progress>
          {job.current ? <p className="muted small">{job.current}</p> : null}
          <p className="muted small">{t("import.refreshing")}</p>
        </section>
      ) : null}

      {job.status === "planned" ? (
        <section className="panel">
          <p className="banner banner-info">{t("import.dryRunNote")}</p>
          <p>{t("import.summaryPlan", { ready: s.ready, skipped: s.skipped + s.failed, total: s.total })}</p>
          <div className="actions">
            {s.ready > 0 ? (
              <Form method="post" className="inline-form">
                <CsrfField />
                <button type="submit" name="intent" value="run">
                  {t("import.confirm", { count: s.ready })}
                </button>
              </Form>
            ) : (
              <p className="muted">{t("import.nothingToImport")}</p>
            )}
            <Form method="post" className="inline-form">
              <CsrfField />
              <button type="submit" name="intent" value="discard" className="secondary">
                {t("import.discard")}
              </button>
            </Form>
          </div>
        </section>
      ) : job.status !== "running" ? (
        <p className="import-summary" role="status">
          {t("import.summary", { imported: s.imported, skipped: s.skipped, failed: s.failed, total: job.total })}
        </p>
      ) : null}

      <div className="table-wrap">
        <table className="list import-report">
          <thead>
            <tr>
              <th scope="col">{t("import.file")}</th>
              <th scope="col">{t("import.outcome")}</th>
              <th scope="col">{t("import.number")}</th>
              <th scope="col">{t("import.details")}</th>
            </tr>
          </thead>
          <tbody>
            {job.reports.map((r) => (
              <tr key={r.file} className={`outcome-${r.outcome}`} data-file={r.file}>
                <td>
                  <code>{r.file}</code>
                </td>
                <td>
                  <span className={`badge outcome-badge-${r.outcome}`}>{t(`import.outcome.${r.outcome}`)}</span>
                </td>
                <td>
                  {r.number ? (
                    r.outcome === "imported" ? (
                      <Link className="doc-number" to={`/docs/${r.number}`}>
                        {r.number}
                      </Link>
                    ) : r.outcome === "ready" ? (
                      <>
                        <span className="doc-number">{r.number}</span>{" "}
                        {r.numberFrom ? <span className="muted small">({t(`import.numberFrom.${r.numberFrom}`)})</span> : null}
                      </>
                    ) : null
                  ) : null}
                </td>
                <td>
                  {r.outcome === "ready" || r.outcome === "imported" ? (
                    <>
                      {r.title}
                      {r.category ? (
                        <span className="muted small">
                          {" "}
                          · {nameOf(job.labels.categories, r.category, locale)} · {nameOf(job.labels.departments, r.ownerDepartment ?? "", locale)}
                        </span>
                      ) : null}
                    </>
                  ) : (
                    <>
                      <strong>{r.reason ? t(`import.reason.${r.reason}`) : ""}</strong>
                      {r.detailMsg ? <span className="muted"> — {t(r.detailMsg.key, r.detailMsg.vars)}</span> : r.detail && locale === "en" ? <span className="muted"> — {r.detail}</span> : null}
                    </>
                  )}
                  {r.warnings.length ? (
                    <div className="muted small">{r.warningMsgs ? r.warningMsgs.map((w) => t(w.key, w.vars)).join("; ") : locale === "en" ? r.warnings.join("; ") : null}</div>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p>
        <Link to="/admin/import">{t("import.back")}</Link>
      </p>
    </div>
  );
}
