import { pageTitle } from "~/components/page-title";
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { requireRole } from "~/access/guards.server";
import { isAdmin } from "~/org/users.server";
import { labelMaps } from "~/documents/labels.server";
import { listAssignments } from "~/onboarding/assignment.server";
import { canEditGuide, createGuide, GuideDetailsSchema, listGuides } from "~/onboarding/guides.server";
import { CsrfField } from "~/components/csrf-field";
import { Field, FormError } from "~/components/field";
import { nameOf } from "~/components/labels";
import { useLocale, useT } from "~/i18n/use-t";
import { AudienceFields } from "~/onboarding/audience-fields";
import { actionError, invalid, page, readForm } from "~/web/http.server";
import onboardingCss from "~/styles/onboarding.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: onboardingCss }];
export const meta = pageTitle("onboarding.guides");

export const loader = page(async ({ request }: LoaderFunctionArgs) => {
  const user = await requireRole(request, "editor");
  return {
    admin: isAdmin(user),
    ownDepartment: user.departmentId,
    labels: labelMaps(),
    guides: listGuides({ includeArchived: true }).map((g) => ({
      id: g.id,
      title: g.title,
      roles: g.roles,
      departmentIds: g.departmentIds,
      steps: g.steps.length,
      documents: g.steps.reduce((n, s) => n + s.numbers.length, 0),
      people: listAssignments({ guideId: g.id }).length,
      autoAssign: g.autoAssign,
      archived: !!g.archivedAt,
      editable: canEditGuide(user, g),
    })),
  };
});

const CreateSchema = GuideDetailsSchema.extend({ intent: z.literal("create") });

export async function action({ request }: ActionFunctionArgs) {
  try {
    const user = await requireRole(request, "editor");
    const form = await readForm(request, CreateSchema);
    if (!form.ok) return invalid(form.fieldErrors);
    const guide = await createGuide(user, form.value);
    return redirect(`/onboarding/guides/${guide.id}`);
  } catch (error) {
    return actionError(error);
  }
}

export default function GuideList() {
  const { admin, ownDepartment, labels, guides } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as { formError?: string; fieldErrors?: Record<string, string> } | undefined;
  const t = useT();
  const locale = useLocale();
  const fe = result?.fieldErrors ?? {};
  return (
    <div className="ob-page">
      <p className="muted">
        <Link to="/onboarding">{t("onboarding.title")}</Link> / {t("onboarding.guides")}
      </p>
      <h1>{t("onboarding.guides")}</h1>
      {guides.length === 0 ? (
        <p className="muted">{t("onboarding.noGuides")}</p>
      ) : (
        <div className="table-wrap">
          <table className="list">
            <thead>
              <tr>
                <th scope="col">{t("onboarding.guideTitle")}</th>
                <th scope="col">{t("onboarding.audience")}</th>
                <th scope="col">{t("onboarding.steps")}</th>
                <th scope="col">{t("onboarding.people")}</th>
              </tr>
            </thead>
            <tbody>
              {guides.map((g) => (
                <tr key={g.id} className={g.archived ? "is-archived" : undefined}>
                  <td>
                    {g.editable ? <Link to={`/onboarding/guides/${g.id}`}>{g.title}</Link> : g.title}{" "}
                    {g.archived ? <span className="badge">{t("onboarding.archived")}</span> : null}
                    {g.autoAssign && !g.archived ? <span className="badge badge-current">{t("onboarding.auto")}</span> : null}
                  </td>
                  <td>
                    {(g.roles.length ? g.roles.map((r) => t(`role.${r}`)) : [t("onboarding.allRoles")]).join("、")} ·{" "}
                    {(g.departmentIds.length ? g.departmentIds.map((d) => nameOf(labels.departments, d, locale)) : [t("onboarding.allDepartments")]).join("、")}
                  </td>
                  <td>{t("onboarding.stepsDocs", { steps: g.steps, documents: g.documents })}</td>
                  <td>{g.people}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>{t("onboarding.newGuide")}</h2>
      <FormError message={result?.formError} />
      <Form method="post" className="form panel">
        <CsrfField />
        <input type="hidden" name="intent" value="create" />
        <Field label={t("onboarding.guideTitle")} name="title" error={fe.title}>
          <input id="title" name="title" required maxLength={120} />
        </Field>
        <Field label={t("onboarding.description")} name="description" error={fe.description}>
          <textarea id="description" name="description" rows={3} maxLength={2000} />
        </Field>
        <AudienceFields admin={admin} ownDepartment={ownDepartment} labels={labels} roles={[]} departmentIds={[]} fieldErrors={fe} />
        <Field label={t("onboarding.dueDays")} name="dueDays" error={fe.dueDays}>
          <input id="dueDays" name="dueDays" type="number" min={1} max={365} defaultValue={14} required />
        </Field>
        <label className="check">
          <input type="checkbox" name="autoAssign" defaultChecked /> {t("onboarding.autoAssign")}
        </label>
        <div>
          <button type="submit">{t("onboarding.create")}</button>
        </div>
      </Form>
    </div>
  );
}
