import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { requireRole } from "~/access/guards.server";
import { deleteDepartment, listDepartments, listUsers, saveDepartment, toPublic } from "~/org/users.server";
import { appendAudit } from "~/audit/audit.server";
import { CsrfField } from "~/components/csrf-field";
import { Field, FormError } from "~/components/field";
import { useT } from "~/i18n/use-t";
import { actionError, invalid, page, readForm } from "~/web/http.server";

const FormSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("create"), id: z.string(), nameZh: z.string(), nameEn: z.string(), headUserId: z.string().optional() }),
  z.object({ intent: z.literal("update"), id: z.string(), nameZh: z.string(), nameEn: z.string(), headUserId: z.string().optional() }),
  z.object({ intent: z.literal("delete"), id: z.string() }),
]);

export const loader = page(async ({ request }: LoaderFunctionArgs) => {
  await requireRole(request, "admin");
  const users = listUsers().map(toPublic);
  return {
    departments: listDepartments().map((d) => ({ ...d, members: users.filter((u) => u.departmentId === d.id).length })),
    users,
  };
});

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requireRole(request, "admin");
  try {
    const form = await readForm(request, FormSchema);
    if (!form.ok) return invalid(form.fieldErrors);
    const v = form.value;
    if (v.intent === "delete") {
      await deleteDepartment(v.id);
      await appendAudit({ actor: admin.username, action: "department.delete", object: `department:${v.id}` });
    } else {
      await saveDepartment(v, v.intent === "create");
      await appendAudit({ actor: admin.username, action: `department.${v.intent}`, object: `department:${v.id}` });
    }
    return redirect("/admin/departments?saved=1");
  } catch (error) {
    return actionError(error);
  }
}

export default function AdminDepartments() {
  const { departments, users } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as { formError?: string; fieldErrors?: Record<string, string> } | undefined;
  const [params] = useSearchParams();
  const t = useT();
  const fe = result?.fieldErrors ?? {};
  return (
    <div>
      <p className="muted">
        <Link to="/admin">{t("admin.title")}</Link> / {t("admin.departments")}
      </p>
      <h1>{t("admin.departments")}</h1>
      {params.get("saved") ? <p className="form-ok" role="status">{t("admin.saved")}</p> : null}
      <FormError message={result?.formError} />
      <div className="table-wrap">
        <table className="list">
          <thead>
            <tr>
              <th scope="col">{t("admin.id")}</th>
              <th scope="col">{t("admin.nameZh")} / {t("admin.nameEn")} / {t("admin.head")}</th>
              <th scope="col">{t("admin.members")}</th>
            </tr>
          </thead>
          <tbody>
            {departments.map((d) => (
              <tr key={d.id}>
                <td>
                  <code>{d.id}</code>
                </td>
                <td>
                  <Form method="post" className="actions" aria-label={d.id}>
                    <CsrfField />
                    <input type="hidden" name="intent" value="update" />
                    <input type="hidden" name="id" value={d.id} />
                    <input name="nameZh" defaultValue={d.name["zh-CN"]} aria-label={t("admin.nameZh")} required />
                    <input name="nameEn" defaultValue={d.name.en} aria-label={t("admin.nameEn")} required />
                    <select name="headUserId" defaultValue={d.headUserId ?? ""} aria-label={t("admin.head")}>
                      <option value="">—</option>
                      {users.map((u) => (
                        <option key={u.id} value={u.id}>
                          {u.name} ({u.username})
                        </option>
                      ))}
                    </select>
                    <button type="submit" className="secondary">
                      {t("admin.save")}
                    </button>
                  </Form>
                  {d.members === 0 ? (
                    <Form method="post" className="inline-form">
                      <CsrfField />
                      <input type="hidden" name="intent" value="delete" />
                      <input type="hidden" name="id" value={d.id} />
                      <button type="submit" className="danger">
                        {t("admin.delete")}
                      </button>
                    </Form>
                  ) : null}
                </td>
                <td>{d.members}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>{t("admin.newDepartment")}</h2>
      <Form method="post" className="form panel">
        <CsrfField />
        <input type="hidden" name="intent" value="create" />
        <Field label={t("admin.id")} name="id" error={fe.id} hint="e.g. legal">
          <input id="id" name="id" required pattern="[a-z][a-z0-9-]{1,23}" />
        </Field>
        <Field label={t("admin.nameZh")} name="nameZh" error={fe.nameZh}>
          <input id="nameZh" name="nameZh" required />
        </Field>
        <Field label={t("admin.nameEn")} name="nameEn" error={fe.nameEn}>
          <input id="nameEn" name="nameEn" required />
        </Field>
        <button type="submit">{t("admin.create")}</button>
      </Form>
    </div>
  );
}
