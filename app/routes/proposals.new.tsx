import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/access/session.server";
import { CsrfField } from "~/components/csrf-field";
import { Field, FormError, useFormEcho } from "~/components/field";
import { MarkdownEditor } from "~/components/markdown-editor";
import { localName } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { NewDocumentForm } from "~/revisions/forms";
import { newDocumentPage } from "~/revisions/pages.server";
import { createFromForm, formValues, previewResponse } from "~/revisions/route-helpers.server";
import { actionError, invalid, page, readForm } from "~/web/http.server";
import revisionsCss from "~/styles/revisions.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: revisionsCss }];

export const meta: MetaFunction = () => [{ title: "Regula" }];

export const loader = page(async ({ request }: LoaderFunctionArgs) => {
  const user = await requireUser(request);
  return newDocumentPage(user);
});

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  let values: Record<string, string | string[]> = {};
  try {
    const form = await readForm(request, NewDocumentForm);
    values = formValues(form.form);
    if (!form.ok) return invalid(form.fieldErrors, undefined, { values });
    const v = form.value;
    if (v.intent === "preview") return previewResponse(form.form);
    const input = {
      kind: "new" as const,
      category: v.category,
      type: v.type,
      title: v.title,
      ownerDepartment: v.ownerDepartment,
      confidentiality: v.confidentiality,
      audienceDepartments: v.audienceDepartments,
      body: v.body,
      summary: v.summary,
      effectiveDate: v.effectiveDate,
    };
    return await createFromForm(user, input, v.intent === "create-submit");
  } catch (error) {
    return actionError(error, { values }, request, user);
  }
}

export default function NewDocument() {
  const d = useLoaderData<typeof loader>();
  const { result, busy, fe, values, val } = useFormEcho();
  const t = useT();
  const locale = useLocale();
  const audience = Array.isArray(values.audienceDepartments) ? values.audienceDepartments : [];
  return (
    <article className="revisions">
      <p className="muted">
        <Link to="/proposals">{t("revisions.proposals")}</Link> / {t("revisions.new.title")}
      </p>
      <h1>{t("revisions.new.title")}</h1>
      <p className="muted">{t("revisions.new.hint")}</p>
      <FormError message={result?.formError} />
      <Form method="post" className="form form-wide">
        <CsrfField />
        <Field label={t("doc.category")} name="category" error={fe.category}>
          <select id="category" name="category" defaultValue={val("category", d.categories[0]?.code ?? "")} required>
            {d.categories.map((c) => (
              <option key={c.code} value={c.code}>
                {c.code} · {localName(c.name, locale)}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t("doc.type")} name="type" error={fe.type}>
          <select id="type" name="type" defaultValue={val("type", d.types[0]?.code ?? "")} required>
            {d.types.map((ty) => (
              <option key={ty.code} value={ty.code}>
                {localName(ty.name, locale)}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t("doc.title")} name="title" error={fe.title}>
          <input id="title" name="title" defaultValue={val("title", "")} maxLength={200} required />
        </Field>
        <Field label={t("doc.owner")} name="ownerDepartment" error={fe.ownerDepartment}>
          <select id="ownerDepartment" name="ownerDepartment" defaultValue={val("ownerDepartment", d.userDepartment)}>
            {d.departments.map((dep) => (
              <option key={dep.id} value={dep.id}>
                {localName(dep.name, locale)}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t("doc.confidentiality")} name="confidentiality" error={fe.confidentiality}>
          <select id="confidentiality" name="confidentiality" defaultValue={val("confidentiality", "internal")}>
            {["internal", "department", "restricted"].map((c) => (
              <option key={c} value={c}>
                {t(`doc.conf.${c}`)}
              </option>
            ))}
          </select>
        </Field>
        <fieldset className="checks">
          <legend>{t("doc.audience")}</legend>
          <input type="hidden" name="audienceDepartments[]" value="" />
          {d.departments.map((dep) => (
            <label key={dep.id}>
              <input type="checkbox" name="audienceDepartments[]" value={dep.id} defaultChecked={audience.includes(dep.id)} /> {localName(dep.name, locale)}
            </label>
          ))}
        </fieldset>
        <MarkdownEditor name="body" label={t("revisions.field.body")} defaultValue={val("body", "")} previewHtml={result?.preview} error={fe.body} />
        <Field label={t("revisions.field.summary")} name="summary" error={fe.summary} hint={t("revisions.field.summaryHint")}>
          <input id="summary" name="summary" defaultValue={val("summary", "")} maxLength={500} />
        </Field>
        <Field label={t("revisions.field.effectiveDate")} name="effectiveDate" error={fe.effectiveDate} hint={t("revisions.field.effectiveHint")}>
          <input id="effectiveDate" name="effectiveDate" type="date" defaultValue={val("effectiveDate", "")} />
        </Field>
        <p className="muted small">{t("revisions.new.numberNote")}</p>
        <div className="actions">
          <button type="submit" name="intent" value="create" disabled={busy}>
            {t("revisions.action.saveDraft")}
          </button>
          <button type="submit" name="intent" value="create-submit" className="secondary" disabled={busy}>
            {t("revisions.action.saveSubmit")}
          </button>
        </div>
      </Form>
    </article>
  );
}
