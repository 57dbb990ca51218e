import { pageTitle } from "~/components/page-title";
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useLoaderData, useRevalidator } from "@remix-run/react";
import { useEffect } from "react";
import { z } from "zod";
import { requireRole } from "~/access/guards.server";
import { discardImportJob, getImportJob, startImportJob } from "~/import/jobs.server";
import { summarizeReports, type DuplicateGroup, type FileReport } from "~/import/import.server";
import { reportText } from "~/import/report";
import { CsrfField } from "~/components/csrf-field";
import { FormError } from "~/components/field";
import { formatDate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { nameOf } from "~/components/labels";
import { labelMaps } from "~/documents/labels.server";
import { actionError, invalid, page, readForm } from "~/web/http.server";
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
      duplicates: job.duplicates ?? [],
      summary: summarizeReports(job.reports),
      labels: labelMaps(),
    },
    { headers: { "Cache-Control": "private, no-store" } },
  );
});

/** Run or discard; with "run", one choice per duplicate group (`group.<id>`: import, skip or keep:<n>). */
const ActionSchema = z
  .object({ intent: z.enum(["run", "discard"]) })
  .catchall(z.string().max(20))
  .superRefine((v, ctx) => {
    for (const [key, value] of Object.entries(v)) {
      if (key === "intent") continue;
      if (!/^group\.\d{1,5}$/.test(key)) ctx.addIssue({ code: "custom", path: [key], message: "unknown field" });
      else if (!/^(import|skip|keep:\d{1,5})$/.test(String(value))) ctx.addIssue({ code: "custom", path: [key], message: "unknown choice" });
    }
  });

export async function action({ request, params }: ActionFunctionArgs) {
  try {
    const user = await requireRole(request, "admin");
    const form = await readForm(request, ActionSchema);
    if (!form.ok) return invalid(form.fieldErrors);
    const id = String(params.id);
    const decisions: Record<number, string> = {};
    for (const [key, value] of Object.entries(form.value)) if (key.startsWith("group.")) decisions[Number(key.slice(6))] = String(value);
    if (form.value.intent === "run") await startImportJob(user, id, decisions);
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
          {s.linksRewritten || s.linksOutside ? <p>{t("import.summaryLinks", { rewritten: s.linksRewritten, outside: s.linksOutside })}</p> : null}
          <div className="actions">
            {s.ready > 0 || job.duplicates.length > 0 ? (
              <Form method="post" className="inline-form import-run" id="import-run">
                <CsrfField />
                {job.duplicates.length ? <DuplicateGroups groups={job.duplicates} reports={job.reports} choose /> : null}
                <button type="submit" name="intent" value="run">
                  {job.duplicates.length ? t("import.run") : t("import.confirm", { count: s.ready })}
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
        <>
          <p className="import-summary" role="status">
            {t("import.summary", { imported: s.imported, skipped: s.skipped, failed: s.failed, total: job.total })}
          </p>
          {s.linksRewritten || s.linksOutside ? <p>{t("import.summaryLinks", { rewritten: s.linksRewritten, outside: s.linksOutside })}</p> : null}
          {job.duplicates.length ? <DuplicateGroups groups={job.duplicates} reports={job.reports} /> : null}
        </>
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
                  <FileDetails report={r} />
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

/** The title (or the reason for leaving the file out) and what else the reader should know about one file. */
function FileDetails({ report: r }: { report: FileReport }) {
  const t = useT();
  const kept = r.outcome === "ready" || r.outcome === "imported";
  return (
    <>
      {kept ? (
        <>
          {r.title}
          {r.category ? (
            <span className="muted small">
              {" "}
              · {r.category} · {r.ownerDepartment}
            </span>
          ) : null}
          {r.titleFrom && r.titleFrom !== "heading" && r.titleFrom !== "front-matter" ? <div className="muted small">{t(`import.titleFrom.${r.titleFrom}`)}</div> : null}
        </>
      ) : (
        <>
          <strong>{r.reason ? t(`import.reason.${r.reason}`) : ""}</strong>
          {r.detail ? <span className="muted"> — {reportText(t, r.detail)}</span> : null}
        </>
      )}
      {kept && r.extraKeys?.length ? <div className="small import-extra">{t("import.extraKeys", { keys: r.extraKeys.join(", ") })}</div> : null}
      {kept && r.links ? (
        <ul className="small import-links">
          {r.links.rewritten ? <li>{t("import.links.rewritten", { count: r.links.rewritten })}</li> : null}
          {r.links.outside.map((o) => (
            <li key={`${o.line}:${o.target}`} className="import-link-outside">
              {t(`import.links.${o.why}`, { target: o.target, line: o.line })}
            </li>
          ))}
          {r.links.unknownAnchors.map((a) => (
            <li key={`a${a.line}:${a.target}`}>{t("import.links.unknownAnchor", { target: a.target, line: a.line })}</li>
          ))}
        </ul>
      ) : null}
      {r.warnings.length ? <div className="muted small">{r.warnings.map((w) => reportText(t, w)).join("; ")}</div> : null}
    </>
  );
}

/** The groups of duplicates; on a dry run, with a choice per group (radio buttons of the run form). */
function DuplicateGroups({ groups, reports, choose = false }: { groups: DuplicateGroup[]; reports: FileReport[]; choose?: boolean }) {
  const t = useT();
  const byFile = new Map(reports.map((r) => [r.file, r]));
  return (
    <section className="import-duplicates" aria-labelledby="import-duplicates-title">
      <h2 id="import-duplicates-title">{t("import.duplicates")}</h2>
      <p className="muted">{t(choose ? "import.duplicatesIntro" : "import.duplicatesDone")}</p>
      {groups.map((g) => (
        <fieldset key={g.id} className="import-group" data-group={g.id}>
          <legend>
            {t("import.dup.group", { id: g.id })}
            {choose ? null : <span className="muted"> — {g.action === "merge" ? t("import.dup.action.merge", { file: g.kept ?? g.keep }) : t(`import.dup.action.${g.action}`)}</span>}
          </legend>
          <ul className="import-group-files">
            {g.files.map((f) => {
              const r = byFile.get(f);
              return (
                <li key={f}>
                  <code>{f}</code> {r?.number ? <span className="doc-number">{r.number}</span> : null} “{r?.title}”
                </li>
              );
            })}
          </ul>
          <ul className="muted small import-group-why">
            {g.pairs.map((p) => (
              <li key={`${p.a}|${p.b}`}>
                <code>{p.a}</code> ↔ <code>{p.b}</code>:{" "}
                {[p.sameTitle ? t("import.dup.sameTitle") : "", p.identical ? t("import.dup.identical") : t("import.dup.similar", { percent: Math.round(p.similarity * 100) })]
                  .filter(Boolean)
                  .join(", ")}
              </li>
            ))}
            {g.morePairs ? <li>{t("import.dup.more", { count: g.morePairs })}</li> : null}
          </ul>
          {choose ? (
            <div className="import-group-choices">
              <label>
                <input type="radio" name={`group.${g.id}`} value="import" defaultChecked={g.action === "import"} /> {t("import.dup.choice.import")}
              </label>
              {g.files.map((f, i) => (
                <label key={f}>
                  <input type="radio" name={`group.${g.id}`} value={`keep:${i}`} defaultChecked={g.action === "merge" && (g.kept ?? g.keep) === f} />{" "}
                  {t("import.dup.choice.keep", { file: f })} {f === g.keep ? <span className="muted">{t("import.dup.suggested")}</span> : null}
                </label>
              ))}
              <label>
                <input type="radio" name={`group.${g.id}`} value="skip" defaultChecked={g.action === "skip"} /> {t("import.dup.choice.skip")}
              </label>
            </div>
          ) : null}
        </fieldset>
      ))}
    </section>
  );
}
