import { pageTitle } from "~/components/page-title";
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { requireRole } from "~/access/guards.server";
import { listDepartments } from "~/org/users.server";
import { CsrfField } from "~/components/csrf-field";
import { FormError } from "~/components/field";
import { formatDate, localName } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { REVIEW_NOTICE_DAYS, canReview, recordNoRevisionNeeded, reviewSchedule, type ReviewStatus } from "~/notifications/reviews.server";
import { actionError, invalid, page, readForm } from "~/web/http.server";
import notificationsCss from "~/styles/notifications.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: notificationsCss }];
export const meta = pageTitle("reviews.title");

const SHOW = ["attention", "overdue", "due-soon", "all"] as const;

export const loader = page(async ({ request }: LoaderFunctionArgs) => {
  const user = await requireRole(request, "approver");
  const url = new URL(request.url);
  const showParam = url.searchParams.get("show") ?? "attention";
  const show = (SHOW as readonly string[]).includes(showParam) ? (showParam as (typeof SHOW)[number]) : "attention";
  const number = url.searchParams.get("number")?.trim().toUpperCase() || undefined;
  const status: ReviewStatus[] | undefined =
    number || show === "all" ? undefined : show === "attention" ? ["overdue", "due-soon"] : [show as ReviewStatus];
  const admin = user.roles.includes("admin");
  const rows = reviewSchedule({ status, number, departmentId: admin ? undefined : user.departmentId });
  const all = reviewSchedule({ departmentId: admin ? undefined : user.departmentId });
  return data(
    {
      show,
      number: number ?? null,
      noticeDays: REVIEW_NOTICE_DAYS,
      counts: { overdue: all.filter((r) => r.status === "overdue").length, dueSoon: all.filter((r) => r.status === "due-soon").length, total: all.length },
      departments: listDepartments().map((d) => ({ id: d.id, name: d.name })),
      rows: rows.map((r) => ({ ...r, canReview: canReview(user, r.ownerDepartment) })),
    },
    { headers: { "Cache-Control": "private, no-store" } },
  );
});

export const action = page(async ({ request }: ActionFunctionArgs) => {
  const user = await requireRole(request, "approver");
  try {
    const form = await readForm(
      request,
      z.object({ intent: z.literal("no-revision"), number: z.string().trim().min(1).max(40), note: z.string().trim().min(3, "say briefly why").max(1000) }),
    );
    if (!form.ok) return invalid(form.fieldErrors, undefined, { number: String(form.form.get("number") ?? "") });
    await recordNoRevisionNeeded(user, form.value.number, form.value.note);
    return redirect(`/admin/reviews?number=${encodeURIComponent(form.value.number)}&saved=1`);
  } catch (error) {
    return actionError(error);
  }
});

export default function AdminReviews() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as { formError?: string; fieldErrors?: Record<string, string>; number?: string } | undefined;
  const [params] = useSearchParams();
  const t = useT();
  const locale = useLocale();
  const deptName = (id: string) => localName(d.departments.find((x) => x.id === id)?.name, locale) || id;
  return (
    <div>
      <p className="muted">
        <Link to="/admin">{t("admin.title")}</Link> / {t("reviews.title")}
      </p>
      <h1>{t("reviews.title")}</h1>
      <p className="muted">{t("reviews.help", { days: d.noticeDays })}</p>
      {params.get("saved") ? (
        <p className="form-ok" role="status">
          {t("reviews.saved")}
        </p>
      ) : null}
      <FormError message={result?.formError} />
      <nav className="actions" aria-label={t("reviews.filter")}>
        {SHOW.map((s) => (
          <Link key={s} to={`?show=${s}`} className={d.show === s && !d.number ? "button" : "button secondary"} aria-current={d.show === s && !d.number ? "page" : undefined}>
            {t(`reviews.show.${s}`, { overdue: d.counts.overdue, dueSoon: d.counts.dueSoon, total: d.counts.total })}
          </Link>
        ))}
      </nav>
      {d.rows.length === 0 ? (
        <p className="muted">{t("reviews.none")}</p>
      ) : (
        <div className="table-wrap">
          <table className="list" data-testid="reviews">
            <thead>
              <tr>
                <th scope="col">{t("doc.number")}</th>
                <th scope="col">{t("doc.owner")}</th>
                <th scope="col">{t("reviews.due")}</th>
                <th scope="col">{t("reviews.status")}</th>
                <th scope="col">{t("reviews.last")}</th>
                <th scope="col">{t("reviews.outcome")}</th>
              </tr>
            </thead>
            <tbody>
              {d.rows.map((r) => (
                <tr key={r.number} data-number={r.number} data-status={r.status} className={r.status === "overdue" ? "row-overdue" : undefined}>
                  <td>
                    <Link className="doc-number" to={`/docs/${r.number}`}>
                      {r.number}
                    </Link>{" "}
                    <span data-content="">{r.title}</span> <span className="muted">v{r.version}</span>
                  </td>
                  <td>{deptName(r.ownerDepartment)}</td>
                  <td>
                    {formatDate(r.dueDate, locale)}
                    {r.dueDate !== r.documentDate ? <div className="muted small">{t("reviews.documentDate", { date: formatDate(r.documentDate, locale) })}</div> : null}
                  </td>
                  <td>
                    <span className={`badge review-${r.status}`}>
                      {t(`reviews.state.${r.status}`, { days: Math.abs(r.daysLeft) })}
                    </span>
                  </td>
                  <td>
                    {r.lastReview ? (
                      <>
                        {t("reviews.noRevisionBy", { name: r.lastReview.byName, date: formatDate(r.lastReview.at, locale) })}
                        <div className="muted small">
                          v{r.lastReview.version} · {r.lastReview.note}
                        </div>
                      </>
                    ) : (
                      "—"
                    )}
                  </td>
                  <td>
                    {r.canReview ? (
                      <>
                        <Form method="post" className="review-form">
                          <CsrfField />
                          <input type="hidden" name="intent" value="no-revision" />
                          <input type="hidden" name="number" value={r.number} />
                          <label htmlFor={`note-${r.number}`} className="visually-hidden">
                            {t("reviews.note")}
                          </label>
                          <input id={`note-${r.number}`} name="note" placeholder={t("reviews.note")} required minLength={3} maxLength={1000} />
                          {result?.number === r.number && result.fieldErrors?.note ? <span className="field-error">{result.fieldErrors.note}</span> : null}
                          <button type="submit" className="secondary">
                            {t("reviews.noRevision")}
                          </button>
                        </Form>
                        <Link to={`/docs/${r.number}/propose`}>{t("reviews.propose")}</Link>
                      </>
                    ) : (
                      <span className="muted small">{t("reviews.ownerOnly")}</span>
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
