import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/access/session.server";
import { CsrfField } from "~/components/csrf-field";
import { Field, FormError, useFormEcho } from "~/components/field";
import { MarkdownEditor } from "~/components/markdown-editor";
import { ProposalTable } from "~/components/revisions-ui";
import { formatDate, localName } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { ProposeForm } from "~/revisions/forms";
import { proposePage } from "~/revisions/pages.server";
import { createFromForm, currentAttachmentBase, formValues, previewResponse } from "~/revisions/route-helpers.server";
import { actionError, invalid, page, readForm } from "~/web/http.server";
import revisionsCss from "~/styles/revisions.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: revisionsCss }];

export const loader = page(async ({ request, params }: LoaderFunctionArgs) => {
  const user = await requireUser(request);
  return data(await proposePage(user, String(params.number)), { headers: { "Cache-Control": "private, no-store" } });
});

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const number = String(params.number);
  let values: Record<string, unknown> = {};
  try {
    const form = await readForm(request, ProposeForm);
    values = formValues(form.form);
    if (!form.ok) return invalid(form.fieldErrors, undefined, { values });
    const v = form.value;
    if (v.intent === "preview") return previewResponse(form.form, currentAttachmentBase(number));
    if (v.intent === "retire") return await createFromForm(user, { kind: "retire", number, summary: v.summary, effectiveDate: v.effectiveDate }, false);
    if (v.intent === "restore")
      return await createFromForm(user, { kind: "restore", number, version: v.version, summary: v.summary, effectiveDate: v.effectiveDate }, false);
    const input = {
      kind: "revision" as const,
      number,
      change: v.change,
      body: v.body,
      summary: v.summary,
      title: v.title,
      type: v.type,
      confidentiality: v.confidentiality,
      audienceDepartments: v.audienceDepartments,
      effectiveDate: v.effectiveDate,
    };
    return await createFromForm(user, input, v.intent === "create-submit");
  } catch (error) {
    return actionError(error, { values }, request, user);
  }
}

export default function Propose() {
  const d = useLoaderData<typeof loader>();
  const { result, busy, fe, values, val } = useFormEcho();
  const t = useT();
  const locale = useLocale();
  const audience = Array.isArray(values.audienceDepartments)
    ? values.audienceDepartments
    : typeof values.audienceDepartments === "string"
    ? [values.audienceDepartments]
    : d.meta.audienceDepartments;
  return (
    <section className="revisions">
      <h2>{t("revisions.propose.title", { number: d.number })}</h2>
      <FormError message={result?.formError} />
      {d.open.length ? (
        <div className="banner banner-warn" role="status">
          <p>{t("revisions.propose.openOnes", { count: d.open.length })}</p>
          <ProposalTable rows={d.open} empty="" />
        </div>
      ) : null}

      {!d.retired ? (
        <Form method="post" className="form form-wide panel" aria-labelledby="revise-title">
          <h3 id="revise-title">{t("revisions.propose.revise")}</h3>
          <CsrfField />
          <fieldset className="checks">
            <legend>{t("revisions.field.change")}</legend>
            <label>
              <input type="radio" name="change" value="minor" defaultChecked={val("change", "minor") === "minor"} /> {t("change.minor")} —{" "}
              <span className="muted">{t("revisions.change.minorHint")}</span>
            </label>
            <label>
              <input type="radio" name="change" value="major" defaultChecked={val("change", "minor") === "major"} /> {t("change.major")} —{" "}
              <span className="muted">{t("revisions.change.majorHint")}</span>
            </label>
          </fieldset>
          <Field label={t("revisions.field.summary")} name="summary" error={fe.summary} hint={t("revisions.field.summaryHint")}>
            <input id="summary" name="summary" defaultValue={val("summary", "")} maxLength={500} />
          </Field>
          <details className="meta-details">
            <summary>{t("revisions.field.details")}</summary>
            <Field label={t("doc.title")} name="title" error={fe.title}>
              <input id="title" name="title" defaultValue={val("title", d.meta.title)} maxLength={200} />
            </Field>
            <Field label={t("doc.type")} name="type" error={fe.type}>
              <select id="type" name="type" defaultValue={val("type", d.meta.type)}>
                {d.types.map((ty) => (
                  <option key={ty.code} value={ty.code}>
                    {localName(ty.name, locale)}
                  </option>
                ))}
              </select>
            </Field>
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
                  <input type="checkbox" name="audienceDepartments[]" value={dep.id} defaultChecked={audience.includes(dep.id)} /> {localName(dep.name, locale)}
                </label>
              ))}
            </fieldset>
          </details>
          <MarkdownEditor name="body" label={t("revisions.field.body")} defaultValue={val("body", d.body)} previewHtml={result?.preview} error={fe.body} attachmentBase={`/docs/${encodeURIComponent(d.number)}/v/${d.version}/`} />
          <Field label={t("revisions.field.effectiveDate")} name="effectiveDate" error={fe.effectiveDate} hint={t("revisions.field.effectiveHint")}>
            <input id="effectiveDate" name="effectiveDate" type="date" defaultValue={val("effectiveDate", "")} />
          </Field>
          <div className="actions">
            <button type="submit" name="intent" value="create" disabled={busy}>
              {t("revisions.action.saveDraft")}
            </button>
            <button type="submit" name="intent" value="create-submit" className="secondary" disabled={busy}>
              {t("revisions.action.saveSubmit")}
            </button>
          </div>
        </Form>
      ) : (
        <p className="banner banner-danger">{t("revisions.propose.retiredOnlyRestore")}</p>
      )}

      {!d.retired ? (
        <Form method="post" className="form panel" aria-labelledby="retire-title">
          <h3 id="retire-title">{t("revisions.propose.retire")}</h3>
          <p className="muted">{t("revisions.propose.retireHint")}</p>
          <CsrfField />
          <input type="hidden" name="intent" value="retire" />
          <Field label={t("revisions.field.retireReason")} name="retire-summary">
            <input id="retire-summary" name="summary" maxLength={500} required />
          </Field>
          <Field label={t("revisions.field.effectiveDate")} name="retire-date">
            <input id="retire-date" name="effectiveDate" type="date" />
          </Field>
          <div className="actions">
            <button type="submit" className="danger" disabled={busy}>
              {t("revisions.action.proposeRetire")}
            </button>
          </div>
        </Form>
      ) : null}

      {d.versions.length > 1 || (d.retired && d.versions.length) ? (
        <Form method="post" className="form panel" aria-labelledby="restore-title">
          <h3 id="restore-title">{t("revisions.propose.restore")}</h3>
          <p className="muted">{t(d.retired ? "revisions.propose.restoreRetiredHint" : "revisions.propose.restoreHint")}</p>
          <CsrfField />
          <input type="hidden" name="intent" value="restore" />
          <Field label={t("doc.version")} name="restore-version" error={fe.version}>
            <select id="restore-version" name="version" defaultValue={String(d.retired ? d.versions[0]?.version : d.versions[1]?.version)}>
              {d.versions
                .filter((v) => d.retired || v.version !== d.version)
                .map((v) => (
                  <option key={v.version} value={v.version}>
                    v{v.version} · {formatDate(v.date, locale)} · {v.summary}
                  </option>
                ))}
            </select>
          </Field>
          <Field label={t("revisions.field.summary")} name="restore-summary">
            <input id="restore-summary" name="summary" maxLength={500} required />
          </Field>
          <Field label={t("revisions.field.effectiveDate")} name="restore-date">
            <input id="restore-date" name="effectiveDate" type="date" />
          </Field>
          <div className="actions">
            <button type="submit" className="secondary" disabled={busy}>
              {t("revisions.action.proposeRestore")}
            </button>
          </div>
        </Form>
      ) : null}
    </section>
  );
}
