import { pageTitle } from "~/components/page-title";
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { requireRole } from "~/access/guards.server";
import { CsrfField } from "~/components/csrf-field";
import { FormError } from "~/components/field";
import { formatDate, localName } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { remindFromReport, reportFor, type ReportFilter } from "~/notifications/ack-report.server";
import { actionError, invalid, page, readForm } from "~/web/http.server";
import notificationsCss from "~/styles/notifications.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: notificationsCss }];
export const meta = pageTitle("ack.report.title");

const FilterSchema = z.object({
  number: z.string().trim().max(40).optional().transform((v) => v || undefined),
  department: z.string().trim().max(24).optional().transform((v) => v || undefined),
  status: z.enum(["acknowledged", "pending", "overdue", ""]).optional().transform((v) => v || undefined),
});

const ActionSchema = FilterSchema.extend({
  intent: z.literal("remind"),
  ids: z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.string().max(64)).max(5000)),
});

function toFilter(v: z.infer<typeof FilterSchema>): ReportFilter {
  return { number: v.number, departmentId: v.department, status: v.status as ReportFilter["status"] };
}

export const loader = page(async ({ request }: LoaderFunctionArgs) => {
  const user = await requireRole(request, "approver");
  const url = new URL(request.url);
  const parsed = FilterSchema.safeParse(Object.fromEntries(url.searchParams));
  const filter = parsed.success ? parsed.data : {};
  return data({ ...reportFor(user, toFilter(filter)), filter }, { headers: { "Cache-Control": "private, no-store" } });
});

export const action = page(async ({ request }: ActionFunctionArgs) => {
  const user = await requireRole(request, "approver");
  try {
    const form = await readForm(request, ActionSchema);
    if (!form.ok) return invalid(form.fieldErrors);
    const { ids, intent: _intent, ...filter } = form.value;
    const people = await remindFromReport(user, toFilter(filter), ids);
    const params = new URLSearchParams();
    if (filter.number) params.set("number", filter.number);
    if (filter.department) params.set("department", filter.department);
    if (filter.status) params.set("status", filter.status);
    params.set("reminded", String(people));
    return redirect(`/acknowledgements/report?${params}`);
  } catch (error) {
    return actionError(error);
  }
});

function FilterFields({ filter }: { filter: { number?: string; department?: string; status?: string } }) {
  return (
    <>
      {filter.number ? <input type="hidden" name="number" value={filter.number} /> : null}
      {filter.department ? <input type="hidden" name="department" value={filter.department} /> : null}
      {filter.status ? <input type="hidden" name="status" value={filter.status} /> : null}
    </>
  );
}

export default function AcknowledgementReport() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as { formError?: string } | undefined;
  const [params] = useSearchParams();
  const t = useT();
  const locale = useLocale();
  const deptName = (id: string) => localName(d.departmentOptions.find((o) => o.id === id)?.name, locale) || id;
  const open = d.rows.filter((r) => r.status !== "acknowledged").length;
  return (
    <div>
      <p className="muted">
        <Link to="/acknowledgements">{t("ack.mine.title")}</Link> / {t("ack.report.title")}
      </p>
      <h1>{t("ack.report.title")}</h1>
      {params.get("reminded") !== null ? (
        <p className="form-ok" role="status">
          {t("ack.report.reminded", { count: params.get("reminded") ?? 0 })}
        </p>
      ) : null}
      <FormError message={result?.formError} />
      <Form method="get" className="toolbar">
        <label>
          {t("doc.number")}{" "}
          <select name="number" defaultValue={d.filter.number ?? ""}>
            <option value="">{t("search.filter.any")}</option>
            {d.numbers.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("admin.department")}{" "}
          <select name="department" defaultValue={d.filter.department ?? ""}>
            <option value="">{t("search.filter.any")}</option>
            {d.departmentOptions.map((o) => (
              <option key={o.id} value={o.id}>
                {localName(o.name, locale)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("ack.col.status")}{" "}
          <select name="status" defaultValue={d.filter.status ?? ""}>
            <option value="">{t("search.filter.any")}</option>
            <option value="overdue">{t("ack.status.overdue")}</option>
            <option value="pending">{t("ack.status.pending")}</option>
            <option value="acknowledged">{t("ack.status.acknowledged")}</option>
          </select>
        </label>
        <button type="submit">{t("search.apply")}</button>
      </Form>

      {d.rows.length === 0 ? (
        <p className="muted">{t("ack.report.none")}</p>
      ) : (
        <>
          <h2>{t("ack.report.byDocument")}</h2>
          <div className="table-wrap">
            <table className="list ack-summary" data-testid="ack-by-document">
              <thead>
                <tr>
                  <th scope="col">{t("doc.number")}</th>
                  <th scope="col">{t("doc.title")}</th>
                  <th scope="col">{t("ack.status.acknowledged")}</th>
                  <th scope="col">{t("ack.status.pending")}</th>
                  <th scope="col">{t("ack.status.overdue")}</th>
                </tr>
              </thead>
              <tbody>
                {d.documents.map((doc) => (
                  <tr key={doc.number} data-number={doc.number}>
                    <td>
                      <Link className="doc-number" to={`?number=${doc.number}`}>
                        {doc.number}
                      </Link>
                    </td>
                    <td>
                      <span data-content="">{doc.title}</span> <span className="muted">v{doc.version}</span>
                    </td>
                    <td data-col="acknowledged">{doc.acknowledged}</td>
                    <td data-col="pending">{doc.pending}</td>
                    <td data-col="overdue">{doc.overdue}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h2>{t("ack.report.byDepartment")}</h2>
          <div className="table-wrap">
            <table className="list ack-summary" data-testid="ack-by-department">
              <thead>
                <tr>
                  <th scope="col">{t("admin.department")}</th>
                  <th scope="col">{t("ack.status.acknowledged")}</th>
                  <th scope="col">{t("ack.status.pending")}</th>
                  <th scope="col">{t("ack.status.overdue")}</th>
                </tr>
              </thead>
              <tbody>
                {d.departments.map((dep) => (
                  <tr key={dep.departmentId} data-department={dep.departmentId}>
                    <td>
                      <Link to={`?department=${dep.departmentId}`}>{deptName(dep.departmentId)}</Link>
                    </td>
                    <td data-col="acknowledged">{dep.acknowledged}</td>
                    <td data-col="pending">{dep.pending}</td>
                    <td data-col="overdue">{dep.overdue}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h2>{t("ack.report.people")}</h2>
          {open > 0 ? (
            <Form method="post" className="actions">
              <CsrfField />
              <input type="hidden" name="intent" value="remind" />
              <FilterFields filter={d.filter} />
              <button type="submit">{t("ack.report.remindAll", { count: open })}</button>
            </Form>
          ) : null}
          <div className="table-wrap">
            <table className="list" data-testid="ack-rows">
              <thead>
                <tr>
                  <th scope="col">{t("ack.col.person")}</th>
                  <th scope="col">{t("admin.department")}</th>
                  <th scope="col">{t("doc.number")}</th>
                  <th scope="col">{t("ack.col.required")}</th>
                  <th scope="col">{t("ack.col.due")}</th>
                  <th scope="col">{t("ack.col.status")}</th>
                  <th scope="col">{t("ack.col.reminded")}</th>
                </tr>
              </thead>
              <tbody>
                {d.rows.map((r) => (
                  <tr key={r.requirementId} data-user={r.username} data-number={r.number} data-status={r.status} className={r.status === "overdue" ? "row-overdue" : undefined}>
                    <td>
                      {r.name} <span className="muted">({r.username})</span>
                    </td>
                    <td>{deptName(r.departmentId)}</td>
                    <td>
                      <span className="doc-number">{r.number}</span> <span data-content="">{r.title}</span>
                    </td>
                    <td>
                      v{r.requiredVersion} · {t(`ack.reason.${r.reason}`)}
                    </td>
                    <td>{formatDate(r.dueDate, locale)}</td>
                    <td>
                      <span className={`badge ack-${r.status}`}>{t(`ack.status.${r.status}`)}</span>
                      {r.acknowledgedAt ? (
                        <div className="muted small">
                          v{r.acknowledgedVersion} · {formatDate(r.acknowledgedAt, locale, true)}
                        </div>
                      ) : null}
                    </td>
                    <td>
                      {r.lastRemindedAt ? <div className="muted small">{formatDate(r.lastRemindedAt, locale, true)}</div> : null}
                      {r.status !== "acknowledged" ? (
                        <Form method="post" className="inline-form">
                          <CsrfField />
                          <input type="hidden" name="intent" value="remind" />
                          <input type="hidden" name="ids" value={r.requirementId} />
                          <FilterFields filter={d.filter} />
                          <button type="submit" className="secondary">
                            {t("ack.report.remind")}
                          </button>
                        </Form>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </div>
  );
}
