import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { requireRole } from "~/access/guards.server";
import { grantsInForce, revokeGrant } from "~/access/grants.server";
import { readRecordedForm } from "~/access/refusals.server";
import { accessRequestStats } from "~/access/requests.server";
import { getUserByUsername } from "~/org/users.server";
import { labelMaps } from "~/documents/labels.server";
import { AccessTabs, formErrorText, type AccessActionResult } from "~/components/access-ui";
import { CsrfField } from "~/components/csrf-field";
import { FormError } from "~/components/field";
import { nameOf } from "~/components/labels";
import { formatDate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { actionError, invalid, page } from "~/web/http.server";
import accessCss from "~/styles/access.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: accessCss }];
export const meta: MetaFunction = () => [{ title: "Regula" }];

export const loader = page(async ({ request }: LoaderFunctionArgs) => {
  await requireRole(request, "admin");
  const url = new URL(request.url);
  const number = url.searchParams.get("number")?.trim().toUpperCase() || undefined;
  const username = url.searchParams.get("user")?.trim() || undefined;
  const userId = username ? (getUserByUsername(username)?.id ?? "-") : undefined;
  return data(
    { grants: grantsInForce({ number, userId }), number: number ?? "", user: username ?? "", stats: accessRequestStats(), departments: labelMaps().departments },
    { headers: { "Cache-Control": "private, no-store" } },
  );
});

const RevokeSchema = z.object({
  intent: z.literal("revoke"),
  id: z.string().trim().min(1).max(80),
  reason: z.string().trim().min(3, "give a reason (at least 3 characters)").max(500),
});

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requireRole(request, "admin");
  let id = "";
  try {
    const form = await readRecordedForm(request, RevokeSchema, admin, "access.revoke");
    if (!form.ok) return invalid(form.fieldErrors, form.formError, { id: String(form.form.get("id") ?? "") });
    id = form.value.id;
    await revokeGrant(admin, form.value.id, form.value.reason);
    return redirect("/admin/access?revoked=1");
  } catch (error) {
    return actionError(error, { id });
  }
}

export default function GrantsInForce() {
  const { grants, number, user, stats, departments } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as AccessActionResult | undefined;
  const [params] = useSearchParams();
  const t = useT();
  const locale = useLocale();
  return (
    <div className="access-page">
      <p className="muted">
        <Link to="/admin">{t("admin.title")}</Link> / {t("access.admin.title")}
      </p>
      <h1>{t("access.admin.title")}</h1>
      <AccessTabs />
      {params.get("revoked") ? (
        <p className="form-ok" role="status">
          {t("access.done.revoke")}
        </p>
      ) : null}
      <FormError message={formErrorText(t, result)} />
      <div className="access-kpis">
        <div className="card">
          <div className="kpi">{grants.length}</div>
          <div className="card-meta">{t("access.admin.inForce")}</div>
        </div>
        <div className="card">
          <div className="kpi">{stats.pending}</div>
          <div className="card-meta">
            {t("access.admin.pending")}
            {stats.overdue ? ` · ${t("access.admin.overdue", { count: stats.overdue })}` : ""}
          </div>
        </div>
        <Link className="card" to="/admin/access/emergency">
          <div className="kpi">{stats.emergency.awaitingRatification}</div>
          <div className="card-meta">{t("access.admin.unratified")}</div>
        </Link>
        <div className="card">
          <div className="kpi">{stats.turnaroundHours.median ?? "—"}</div>
          <div className="card-meta">{t("access.admin.turnaround")}</div>
        </div>
      </div>
      <Form method="get" className="toolbar">
        <label>
          {t("access.col.document")} <input name="number" defaultValue={number} maxLength={40} />
        </label>
        <label>
          {t("access.col.user")} <input name="user" defaultValue={user} maxLength={64} />
        </label>
        <button type="submit">{t("access.filter")}</button>
      </Form>
      {grants.length === 0 ? (
        <p className="muted">{t("access.admin.none")}</p>
      ) : (
        <div className="table-wrap">
          <table className="list">
            <thead>
              <tr>
                <th scope="col">{t("access.col.document")}</th>
                <th scope="col">{t("access.col.user")}</th>
                <th scope="col">{t("access.field.scope")}</th>
                <th scope="col">{t("access.col.grantedBy")}</th>
                <th scope="col">{t("access.col.since")}</th>
                <th scope="col">{t("access.col.until")}</th>
                <th scope="col">{t("access.revoke")}</th>
              </tr>
            </thead>
            <tbody>
              {grants.map((g) => (
                <tr key={g.id}>
                  <td>
                    <Link to={`/docs/${g.number}`} className="doc-number">
                      {g.number}
                    </Link>{" "}
                    {g.title} <span className="muted small">({nameOf(departments, g.ownerDepartment, locale)})</span>
                  </td>
                  <td>
                    {g.name} <span className="muted small">({g.username})</span>
                  </td>
                  <td className="small">
                    {g.sections === "all" ? t("access.scope.all") : t("access.grantedSections", { count: g.sections.length })} ·{" "}
                    {g.history ? t("access.history.yes") : t("access.history.no")}
                    {g.kind === "emergency" ? (
                      <>
                        {" "}
                        <span className="badge badge-restricted">{g.ratifiedAt ? t("access.kind.emergencyRatified") : t("access.kind.emergency")}</span>
                      </>
                    ) : null}
                  </td>
                  <td className="small">{g.grantedByName ?? "—"}</td>
                  <td className="small">{formatDate(g.createdAt, locale, true)}</td>
                  <td className="small">{formatDate(g.expiresAt, locale, true)}</td>
                  <td>
                    <Form method="post" className="actions" aria-label={`${t("access.revoke")} ${g.number} ${g.username}`}>
                      <CsrfField />
                      <input type="hidden" name="intent" value="revoke" />
                      <input type="hidden" name="id" value={g.id} />
                      <input name="reason" required minLength={3} maxLength={500} placeholder={t("access.decide.reason")} aria-label={t("access.decide.reason")} />
                      <button type="submit" className="danger">
                        {t("access.revoke")}
                      </button>
                    </Form>
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
