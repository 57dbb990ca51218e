import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { requireRole } from "~/access/guards.server";
import { addDelegate, delegationActive, DelegateSchema, listDelegates, removeDelegate } from "~/access/delegates.server";
import { readRecordedForm } from "~/access/refusals.server";
import { departmentApprovers, getUserById, listDepartments, listUsers, toPublic } from "~/org/users.server";
import { AccessTabs, fieldErrorText, formErrorText, type AccessActionResult } from "~/components/access-ui";
import { CsrfField } from "~/components/csrf-field";
import { Field, FormError } from "~/components/field";
import { formatDate, localName } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { actionError, invalid, page } from "~/web/http.server";
import accessCss from "~/styles/access.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: accessCss }];
export const meta: MetaFunction = () => [{ title: "Regula" }];

export const loader = page(async ({ request }: LoaderFunctionArgs) => {
  await requireRole(request, "admin");
  const departments = listDepartments().map((d) => ({
    id: d.id,
    name: d.name,
    approvers: departmentApprovers(d.id).map((u) => u.name),
  }));
  const delegates = listDelegates().map((d) => ({
    ...d,
    active: delegationActive(d),
    name: getUserById(d.userId)?.name ?? "?",
    username: getUserById(d.userId)?.username ?? "?",
  }));
  const users = listUsers()
    .filter((u) => u.active)
    .map(toPublic)
    .map((u) => ({ id: u.id, name: u.name, username: u.username }));
  return data({ departments, delegates, users }, { headers: { "Cache-Control": "private, no-store" } });
});

const PostSchema = z.discriminatedUnion("intent", [
  DelegateSchema.extend({ intent: z.literal("add") }),
  z.object({ intent: z.literal("remove"), id: z.string().trim().min(1).max(80) }),
]);

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requireRole(request, "admin");
  try {
    const form = await readRecordedForm(request, PostSchema, admin, "access.delegate");
    if (!form.ok) return invalid(form.fieldErrors);
    if (form.value.intent === "remove") await removeDelegate(admin, form.value.id);
    else await addDelegate(admin, form.value);
    return redirect(`/admin/access/delegates?done=${form.value.intent}`);
  } catch (error) {
    return actionError(error);
  }
}

export default function Delegates() {
  const { departments, delegates, users } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as AccessActionResult | undefined;
  const [params] = useSearchParams();
  const t = useT();
  const locale = useLocale();
  const deptName = (id: string) => localName(departments.find((d) => d.id === id)?.name, locale) || id;
  return (
    <div className="access-page">
      <p className="muted">
        <Link to="/admin">{t("admin.title")}</Link> / {t("access.delegates.title")}
      </p>
      <h1>{t("access.delegates.title")}</h1>
      <AccessTabs />
      <p className="muted">{t("access.delegates.explain")}</p>
      {params.get("done") ? (
        <p className="form-ok" role="status">
          {t("admin.saved")}
        </p>
      ) : null}
      <FormError message={formErrorText(t, result)} />
      <div className="table-wrap">
        <table className="list">
          <thead>
            <tr>
              <th scope="col">{t("access.delegates.department")}</th>
              <th scope="col">{t("access.delegates.approvers")}</th>
              <th scope="col">{t("access.delegates.delegates")}</th>
            </tr>
          </thead>
          <tbody>
            {departments.map((d) => (
              <tr key={d.id}>
                <td>{deptName(d.id)}</td>
                <td className="small" data-content="">{d.approvers.join("、") || <span className="muted">{t("access.delegates.noApprover")}</span>}</td>
                <td className="small">
                  {delegates
                    .filter((x) => x.departmentId === d.id && x.active)
                    .map((x) => (
                      <div key={x.id} className="actions">
                        <span data-content="">{x.name}</span> ({x.username}){x.until ? ` · ${t("access.until", { date: formatDate(x.until, locale) })}` : ""}
                        <Form method="post" className="inline-form">
                          <CsrfField />
                          <input type="hidden" name="intent" value="remove" />
                          <input type="hidden" name="id" value={x.id} />
                          <button type="submit" className="link-button">
                            {t("access.delegates.remove")}
                          </button>
                        </Form>
                      </div>
                    ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>{t("access.delegates.add")}</h2>
      <Form method="post" className="form panel">
        <CsrfField />
        <input type="hidden" name="intent" value="add" />
        <Field label={t("access.delegates.department")} name="departmentId" error={fieldErrorText(t, result, "departmentId")}>
          <select id="departmentId" name="departmentId" required>
            {departments.map((d) => (
              <option key={d.id} value={d.id}>
                {deptName(d.id)}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t("access.delegates.person")} name="userId" error={fieldErrorText(t, result, "userId")}>
          <select id="userId" name="userId" required>
            {users.map((u) => (
              <option key={u.id} value={u.id}>
                {`${u.name} (${u.username})`}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t("access.delegates.until")} name="until" error={fieldErrorText(t, result, "until")} hint={t("access.delegates.untilHint")}>
          <input id="until" name="until" type="date" />
        </Field>
        <Field label={t("access.delegates.note")} name="note">
          <input id="note" name="note" maxLength={200} />
        </Field>
        <button type="submit">{t("access.delegates.add")}</button>
      </Form>
      {delegates.some((x) => !x.active) ? (
        <>
          <h2>{t("access.delegates.past")}</h2>
          <ul className="small">
            {delegates
              .filter((x) => !x.active)
              .map((x) => (
                <li key={x.id}>
                  {deptName(x.departmentId)}: <span data-content="">{x.name}</span> ({x.username}) · {formatDate(x.createdAt, locale)} – {formatDate(x.removedAt ?? x.until, locale)}
                </li>
              ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}
