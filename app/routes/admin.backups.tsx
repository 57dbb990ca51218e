import { pageTitle } from "~/components/page-title";
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { requireRole } from "~/access/guards.server";
import { backUpNow, verifyAgain } from "~/backup/admin.server";
import { backupStatus } from "~/backup/backup.server";
import { jobsRunHere } from "~/utils/scheduler.server";
import { CsrfField } from "~/components/csrf-field";
import { FormError } from "~/components/field";
import { formatDate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { actionError, invalid, page, readForm } from "~/web/http.server";
import backupCss from "~/styles/backup.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: backupCss }];
export const meta = pageTitle("backup.title");

const FormSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("backup-now") }),
  z.object({ intent: z.literal("verify"), file: z.string().min(1).max(120) }),
]);

export const loader = page(async ({ request }: LoaderFunctionArgs) => {
  await requireRole(request, "admin");
  const status = await backupStatus();
  // With several instances the scheduled backups are the leader's (decision 132).
  return { status, madeElsewhere: !jobsRunHere() };
});

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requireRole(request, "admin");
  try {
    const form = await readForm(request, FormSchema);
    if (!form.ok) return invalid(form.fieldErrors);
    const v = form.value;
    if (v.intent === "backup-now") {
      const record = await backUpNow(admin.username);
      return redirect(`/admin/backups?made=${encodeURIComponent(record.file)}`);
    }
    const record = await verifyAgain(v.file, admin.username);
    return redirect(`/admin/backups?verified=${encodeURIComponent(record.file)}`);
  } catch (error) {
    return actionError(error);
  }
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GB`;
}

export default function AdminBackups() {
  const { status, madeElsewhere } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as { formError?: string } | undefined;
  const [params] = useSearchParams();
  const navigation = useNavigation();
  const t = useT();
  const locale = useLocale();
  const busy = navigation.state === "submitting" && navigation.formData?.get("intent") === "backup-now";
  const made = params.get("made");
  const verifiedName = params.get("verified");
  const verifiedRecord = verifiedName ? status.backups.find((b) => b.file === verifiedName) : undefined;
  const when = (iso: string | null | undefined) => formatDate(iso ?? null, locale, true);
  const overdueHours = Math.round(status.intervalHours * 1.25 * 10) / 10;

  return (
    <div className="backups">
      <p className="muted">
        <Link to="/admin">{t("admin.title")}</Link> / {t("backup.title")}
      </p>
      <h1>{t("backup.title")}</h1>
      <p className="muted">{t("backup.intro")}</p>

      {madeElsewhere ? (
        <div className="banner banner-info" role="status" data-testid="backup-made-by-leader">
          {t("backup.madeByLeader")}
        </div>
      ) : null}
      {status.overdue && !madeElsewhere ? (
        <div className="banner banner-danger" role="alert" data-testid="backup-overdue">
          {status.lastGood
            ? t("backup.overdue", { date: when(status.lastGood.createdAt), hours: overdueHours })
            : t("backup.overdueNone", { hours: overdueHours })}
        </div>
      ) : null}
      {status.lastFailure ? (
        <div className="banner banner-danger" role="alert" data-testid="backup-failure">
          {t("backup.failed", { date: when(status.lastFailure.at), error: status.lastFailure.error })}
        </div>
      ) : null}
      {!status.scheduled ? <div className="banner banner-warn">{t("backup.scheduleOff")}</div> : null}
      {made ? (
        <p className="form-ok" role="status">
          {t("backup.made", { file: made })}
        </p>
      ) : null}
      {verifiedRecord ? (
        <p className={verifiedRecord.verified.ok ? "form-ok" : "form-error"} role="status">
          {verifiedRecord.verified.ok
            ? t("backup.verifiedOk", { file: verifiedRecord.file })
            : t("backup.verifiedBad", { file: verifiedRecord.file, error: verifiedRecord.verified.error ?? "" })}
        </p>
      ) : null}
      <FormError message={result?.formError} />

      <section className="panel backup-status" aria-labelledby="backup-status-title">
        <h2 id="backup-status-title" className="visually-hidden">
          {t("backup.lastGood")}
        </h2>
        <dl className="backup-facts">
          <div>
            <dt>{t("backup.lastGood")}</dt>
            <dd data-testid="backup-last-good">
              {status.lastGood ? (
                <>
                  {when(status.lastGood.createdAt)} · {formatSize(status.lastGood.size)}
                </>
              ) : (
                t("backup.none")
              )}
            </dd>
          </div>
          <div>
            <dt>{t("backup.schedule")}</dt>
            <dd>{status.scheduled ? t("backup.scheduleEvery", { hours: status.intervalHours, count: status.retention }) : "—"}</dd>
          </div>
          {status.scheduled ? (
            <div>
              <dt>{t("backup.nextDue")}</dt>
              <dd>{status.due ? t("backup.dueNow") : when(status.nextDue)}</dd>
            </div>
          ) : null}
          <div>
            <dt>{t("backup.dir")}</dt>
            <dd>
              <code>{status.dir}</code>
            </dd>
          </div>
        </dl>
        <Form method="post" className="actions">
          <CsrfField />
          <input type="hidden" name="intent" value="backup-now" />
          <button type="submit" disabled={busy} aria-busy={busy}>
            {busy ? t("backup.running") : t("backup.now")}
          </button>
        </Form>
      </section>

      <h2>{t("backup.list")}</h2>
      {status.backups.length === 0 ? (
        <p className="muted">{t("backup.empty")}</p>
      ) : (
        <div className="table-wrap">
          <table className="list backup-list">
            <thead>
              <tr>
                <th scope="col">{t("backup.col.created")}</th>
                <th scope="col">{t("backup.col.trigger")}</th>
                <th scope="col">{t("backup.col.size")}</th>
                <th scope="col">{t("backup.col.contents")}</th>
                <th scope="col">{t("backup.col.verified")}</th>
                <th scope="col">{t("backup.col.actions")}</th>
              </tr>
            </thead>
            <tbody>
              {status.backups.map((b) => (
                <tr key={b.file} data-file={b.file}>
                  <td>
                    {when(b.createdAt)}
                    <div className="small muted">
                      <code>{b.file}</code>
                    </div>
                  </td>
                  <td>
                    {b.trigger === "manual"
                      ? t("backup.trigger.manual", { by: b.by })
                      : b.trigger === "scheduled"
                        ? t("backup.trigger.scheduled")
                        : t("backup.trigger.command")}
                  </td>
                  <td className="num">{formatSize(b.size)}</td>
                  <td>{t("backup.contents", { commits: b.commits, documents: b.documents, users: b.users })}</td>
                  <td>
                    {b.verified.ok ? (
                      <>
                        <span className="badge badge-current">{t("backup.ok")}</span>
                        <div className="small muted">{t("backup.okAt", { date: when(b.verified.at) })}</div>
                      </>
                    ) : (
                      <>
                        <span className="badge badge-retired">{t("backup.bad")}</span>
                        {b.verified.error ? <div className="small">{b.verified.error}</div> : null}
                      </>
                    )}
                  </td>
                  <td>
                    <div className="actions">
                      <a href={`/admin/backups/${encodeURIComponent(b.file)}`} download={b.file}>
                        {t("backup.download")}
                      </a>
                      <Form method="post" className="inline-form">
                        <CsrfField />
                        <input type="hidden" name="intent" value="verify" />
                        <input type="hidden" name="file" value={b.file} />
                        <button type="submit" className="secondary">
                          {t("backup.verify")}
                        </button>
                      </Form>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p className="muted small">{t("backup.restoreHint")}</p>
    </div>
  );
}
