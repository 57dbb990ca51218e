import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { requireRole } from "~/access/guards.server";
import { createUser, listDepartments, listUsers, setPassword, toPublic, updateUser } from "~/org/users.server";
import { appendAudit } from "~/audit/audit.server";
import { CsrfField } from "~/components/csrf-field";
import { Field, FormError } from "~/components/field";
import { ROLES } from "~/data/schema";
import { useLocale, useT } from "~/i18n/use-t";
import { actionError, invalid, page, readForm } from "~/web/http.server";

const roleList = z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.enum(["staff", "editor", "approver", "admin"])));

const FormSchema = z.discriminatedUnion("intent", [
  z.object({
    intent: z.literal("create"),
    username: z.string(),
    name: z.string(),
    email: z.string(),
    departmentId: z.string(),
    roles: roleList,
    password: z.string(),
    locale: z.enum(["zh-CN", "en"]).optional(),
  }),
  z.object({
    intent: z.literal("update"),
    id: z.string().min(1),
    name: z.string(),
    email: z.string(),
    departmentId: z.string(),
    roles: roleList,
    active: z.preprocess((v) => v === "on" || v === "1" || v === "true", z.boolean()),
  }),
  z.object({ intent: z.literal("password"), id: z.string().min(1), password: z.string() }),
]);

export const loader = page(async ({ request }: LoaderFunctionArgs) => {
  await requireRole(request, "admin");
  return { users: listUsers().map(toPublic), departments: listDepartments() };
});

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requireRole(request, "admin").catch((e) => {
    throw e instanceof Response ? e : new Response(JSON.stringify({ error: { code: "forbidden", message: (e as Error).message } }), { status: 403 });
  });
  try {
    const form = await readForm(request, FormSchema);
    if (!form.ok) return invalid(form.fieldErrors);
    const v = form.value;
    if (v.intent === "create") {
      const user = await createUser(v);
      await appendAudit({ actor: admin.username, action: "user.create", object: `user:${user.username}`, details: { roles: user.roles, department: user.departmentId } });
      return redirect(`/admin/users?saved=${encodeURIComponent(user.username)}`);
    }
    if (v.intent === "update") {
      const user = await updateUser(v.id, v, admin.id);
      await appendAudit({ actor: admin.username, action: "user.update", object: `user:${user.username}`, details: { roles: user.roles, active: user.active, department: user.departmentId } });
      return redirect(`/admin/users?saved=${encodeURIComponent(user.username)}`);
    }
    await setPassword(v.id, v.password);
    await appendAudit({ actor: admin.username, action: "user.password", object: `user:${v.id}` });
    return redirect(`/admin/users?saved=password`);
  } catch (error) {
    return actionError(error);
  }
}

export default function AdminUsers() {
  const { users, departments } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as { formError?: string; fieldErrors?: Record<string, string> } | undefined;
  const [params] = useSearchParams();
  const t = useT();
  const locale = useLocale();
  const fe = result?.fieldErrors ?? {};
  return (
    <div>
      <p className="muted">
        <Link to="/admin">{t("admin.title")}</Link> / {t("admin.users")}
      </p>
      <h1>{t("admin.users")}</h1>
      {params.get("saved") ? <p className="form-ok" role="status">{t("admin.saved")}</p> : null}
      <FormError message={result?.formError} />
      <div className="table-wrap">
        <table className="list">
          <thead>
            <tr>
              <th scope="col">{t("user.username")}</th>
              <th scope="col">{t("user.name")} / {t("user.email")}</th>
              <th scope="col">{t("admin.department")}</th>
              <th scope="col">{t("admin.roles")}</th>
              <th scope="col">{t("admin.active")}</th>
              <th scope="col">{t("admin.save")}</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id}>
                <td>
                  <strong>{u.username}</strong>
                </td>
                <td colSpan={5}>
                  <Form method="post" className="actions" aria-label={u.username}>
                    <CsrfField />
                    <input type="hidden" name="intent" value="update" />
                    <input type="hidden" name="id" value={u.id} />
                    <input name="name" defaultValue={u.name} aria-label={t("user.name")} required />
                    <input name="email" type="email" defaultValue={u.email} aria-label={t("user.email")} required />
                    <select name="departmentId" defaultValue={u.departmentId} aria-label={t("admin.department")}>
                      {departments.map((d) => (
                        <option key={d.id} value={d.id}>
                          {d.name[locale]}
                        </option>
                      ))}
                    </select>
                    <span className="checks">
                      {ROLES.map((r) => (
                        <label key={r}>
                          <input type="checkbox" name="roles" value={r} defaultChecked={u.roles.includes(r)} /> {t(`role.${r}`)}
                        </label>
                      ))}
                    </span>
                    <label>
                      <input type="checkbox" name="active" defaultChecked={u.active} /> {t("admin.active")}
                    </label>
                    <button type="submit" className="secondary">
                      {t("admin.save")}
                    </button>
                  </Form>
                  <Form method="post" className="actions">
                    <CsrfField />
                    <input type="hidden" name="intent" value="password" />
                    <input type="hidden" name="id" value={u.id} />
                    <input name="password" type="password" minLength={8} placeholder={t("user.password")} aria-label={`${t("admin.resetPassword")} ${u.username}`} autoComplete="new-password" />
                    <button type="submit" className="secondary">
                      {t("admin.resetPassword")}
                    </button>
                  </Form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>{t("admin.newUser")}</h2>
      <Form method="post" className="form panel">
        <CsrfField />
        <input type="hidden" name="intent" value="create" />
        <Field label={t("user.username")} name="username" error={fe.username}>
          <input id="username" name="username" required />
        </Field>
        <Field label={t("user.name")} name="name" error={fe.name}>
          <input id="name" name="name" required />
        </Field>
        <Field label={t("user.email")} name="email" error={fe.email}>
          <input id="email" name="email" type="email" required />
        </Field>
        <Field label={t("admin.department")} name="departmentId" error={fe.departmentId}>
          <select id="departmentId" name="departmentId">
            {departments.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name[locale]}
              </option>
            ))}
          </select>
        </Field>
        <fieldset className="checks">
          <legend>{t("admin.roles")}</legend>
          {ROLES.map((r) => (
            <label key={r}>
              <input type="checkbox" name="roles" value={r} defaultChecked={r === "staff"} /> {t(`role.${r}`)}
            </label>
          ))}
          {fe.roles ? <p className="field-error">{fe.roles}</p> : null}
        </fieldset>
        <Field label={t("user.password")} name="password" error={fe.password}>
          <input id="password" name="password" type="password" minLength={8} required autoComplete="new-password" />
        </Field>
        <button type="submit">{t("admin.create")}</button>
      </Form>
    </div>
  );
}
