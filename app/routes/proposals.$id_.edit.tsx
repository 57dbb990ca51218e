import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/access/session.server";
import { CsrfField } from "~/components/csrf-field";
import { Field, FormError, useFormEcho } from "~/components/field";
import { MarkdownEditor } from "~/components/markdown-editor";
import { StatusBadge } from "~/components/revisions-ui";
import { localName } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { EditForm } from "~/revisions/forms";
import { editPage } from "~/revisions/pages.server";
import { submitProposal } from "~/revisions/commands/submit.server";
import { updateDraft } from "~/revisions/commands/update-draft.server";
import { formValues, previewResponse } from "~/revisions/route-helpers.server";
import { actionError, invalid, page, readForm } from "~/web/http.server";
import revisionsCss from "~/styles/revisions.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: revisionsCss }];

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [{ title: d ? `${d.proposal.id} · Regula` : "Regula" }];

export const loader = page(async ({ request, params }: LoaderFunctionArgs) => {
  const user = await requireUser(request);
  return data(await editPage(user, String(params.id)), { headers: { "Cache-Control": "private, no-store" } });
});

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const id = String(params.id);
  let values: Record<string, string | string[]> = {};
  try {
    const form = await readForm(request, EditForm);
    values = formValues(form.form);
    if (!form.ok) return invalid(form.fieldErrors, undefined, { values });
    const v = form.value;
    if (v.intent === "preview") return previewResponse(form.form, id);
    await updateDraft(user, id, {
      body: v.body,
      summary: v.summary,
      change: v.change,
      title: v.title,
      type: v.type,
      confidentiality: v.confidentiality,
      audienceDepartments: v.audienceDepartments,
      ownerDepartment: v.ownerDepartment,
      effectiveDate: v.effectiveDate ?? null,
    });
    if (v.intent === "save-submit") {
      // The draft is saved; what stops the submission is shown with the form, every reason at once.
      await submitProposal(user, id);
      return redirect(`/proposals/${id}?done=submit`);
    }
    return redirect(`/proposals/${id}?done=saved`);
  } catch (error) {
    return actionError(error, { values }, request, user);
  }
}

export default function EditProposal() {
  const d = useLoaderData<typeof loader>();
  const { result, busy, fe, values, val } = useFormEcho();
  const t = useT();
  const locale = useLocale();
  const audience = Array.isArray(values.audienceDepartments)
    ? values.audienceDepartments
    : typeof values.audienceDepartments === "string"
    ? [values.audienceDepartments]
    : d.meta.audienceDepartments;
  const p = d.proposal;
  return (
    <article className="revisions">
      <p className="muted">
        <Link to="/proposals">{t("revisions.proposals")}</Link> / <Link to={`/proposals/${p.id}`}>{p.id}</Link> / {t("revisions.action.edit")}
      </p>
      <h1>
        {t("revisions.edit.title", { id: p.id })} · <span className="doc-number">{p.number}</span>
      </h1>
      <p>
        <StatusBadge status={p.status} stale={d.stale} />
      </p>
      {!d.editable ? <p className="banner banner-warn">{t("revisions.edit.locked")}</p> : null}
      {d.stale ? (
        <p className="banner banner-warn">
          {t("revisions.staleBanner", { base: p.baseVersion, current: "" })} <Link to={`/proposals/${p.id}/update`}>{t("revisions.updateLink")}</Link>
        </p>
      ) : null}
      <FormError message={result?.formError} />
      <Form method="post" className="form form-wide">
        <CsrfField />
        <fieldset disabled={!d.editable} className="plain-fieldset">
          {p.kind === "revision" ? (
            <fieldset className="checks">
              <legend>{t("revisions.field.change")}</legend>
              <label>
                <input type="radio" name="change" value="minor" defaultChecked={val("change", p.change) === "minor"} /> {t("change.minor")} —{" "}
                <span className="muted">{t("revisions.change.minorHint")}</span>
              </label>
              <label>
                <input type="radio" name="change" value="major" defaultChecked={val("change", p.change) === "major"} /> {t("change.major")} —{" "}
                <span className="muted">{t("revisions.change.majorHint")}</span>
              </label>
            </fieldset>
          ) : null}
          <Field label={t("revisions.field.summary")} name="summary" error={fe.summary} hint={t("revisions.field.summaryHint")}>
            <input id="summary" name="summary" defaultValue={val("summary", d.summary)} maxLength={500} />
          </Field>
          {d.textEditable ? (
            <>
              <Field label={t("doc.title")} name="title" error={fe.title}>
                <input id="title" name="title" defaultValue={val("title", d.meta.title)} maxLength={200} required />
              </Field>
              <details className="meta-details" open={p.kind === "new"}>
                <summary>{t("revisions.field.details")}</summary>
                <Field label={t("doc.type")} name="type" error={fe.type}>
                  <select id="type" name="type" defaultValue={val("type", d.meta.type)}>
                    {d.types.map((ty) => (
                      <option key={ty.code} value={ty.code}>
                        {localName(ty.name, locale)}
                      </option>
                    ))}
                  </select>
                </Field>
                {p.kind === "new" ? (
                  <Field label={t("doc.owner")} name="ownerDepartment" error={fe.ownerDepartment}>
                    <select id="ownerDepartment" name="ownerDepartment" defaultValue={val("ownerDepartment", d.meta.ownerDepartment)}>
                      {d.departments.map((dep) => (
                        <option key={dep.id} value={dep.id}>
                          {localName(dep.name, locale)}
                        </option>
                      ))}
                    </select>
                  </Field>
                ) : null}
                <Field label={t("doc.confidentiality")} name="confidentiality" error={fe.confidentiality}>
                  <select id="confidentiality" name="confidentiality" defaultValue={val("confidentiality", d.meta.confidentiality)}>
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
                      <input type="checkbox" name="audienceDepartments[]" value={dep.id} defaultChecked={audience.includes(dep.id)} />{" "}
                      {localName(dep.name, locale)}
                    </label>
                  ))}
                </fieldset>
              </details>
              <MarkdownEditor name="body" label={t("revisions.field.body")} defaultValue={val("body", d.body)} previewHtml={result?.preview} error={fe.body} uploadUrl={d.editable ? `/proposals/${p.id}/attachments` : undefined} attachmentBase={`/proposals/${p.id}/`} />
            </>
          ) : (
            <p className="muted">{t(`revisions.kind.${p.kind}`)}</p>
          )}
          <Field label={t("revisions.field.effectiveDate")} name="effectiveDate" error={fe.effectiveDate} hint={t("revisions.field.effectiveHint")}>
            <input id="effectiveDate" name="effectiveDate" type="date" defaultValue={val("effectiveDate", d.effectiveDate)} />
          </Field>
          <div className="actions">
            <button type="submit" name="intent" value="save" disabled={busy}>
              {t("revisions.action.saveDraft")}
            </button>
            <button type="submit" name="intent" value="save-submit" className="secondary" disabled={busy}>
              {t("revisions.action.saveSubmit")}
            </button>
            <Link to={`/proposals/${p.id}`}>{t("common.cancel")}</Link>
          </div>
        </fieldset>
      </Form>
    </article>
  );
}
