import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { requireUser } from "~/access/session.server";
import { takeEmergencyAccess } from "~/access/emergency.server";
import { MAX_DAYS, MIN_DAYS, RATIFY_DAYS } from "~/access/limits";
import { readRecordedForm } from "~/access/refusals.server";
import { requestContext, submitAccessRequest } from "~/access/requests.server";
import { labelMaps } from "~/documents/labels.server";
import { AccessTabs, fieldErrorText, formErrorText, type AccessActionResult } from "~/components/access-ui";
import { CsrfField } from "~/components/csrf-field";
import { DocBadges } from "~/components/doc-badges";
import { Field, FormError } from "~/components/field";
import { nameOf } from "~/components/labels";
import { formatDate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { actionError, invalid, page } from "~/web/http.server";
import accessCss from "~/styles/access.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: accessCss }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data && data.doc ? `${data.doc.number} · Regula` : "Regula" },
];

const NO_STORE = { "Cache-Control": "private, no-store" };

export const loader = page(async ({ request }: LoaderFunctionArgs) => {
  const user = await requireUser(request);
  const number = new URL(request.url).searchParams.get("number")?.trim() ?? "";
  if (!number) return data({ doc: null, departments: labelMaps().departments }, { headers: NO_STORE });
  const state = await requestContext(user, number);
  const s = state.summary;
  return data(
    {
      doc: {
        number: s.number,
        title: s.title,
        ownerDepartment: s.ownerDepartment,
        confidentiality: s.confidentiality,
        retired: s.retired,
      },
      requestable: state.requestable,
      canRead: state.canRead,
      canReadHistory: state.canReadHistory,
      grant: state.grant ?? null,
      partialGrant: state.partialGrant ? { expiresAt: state.partialGrant.expiresAt, count: state.partialGrant.sections === "all" ? 0 : state.partialGrant.sections.length } : null,
      pending: state.pending ? { id: state.pending.id, createdAt: state.pending.createdAt } : null,
      emergencyAllowed: state.emergencyAllowed,
      departments: labelMaps().departments,
    },
    { headers: NO_STORE },
  );
});

const PostSchema = z.object({ intent: z.enum(["request", "emergency"], { errorMap: () => ({ message: "unknown action" }) }) }).passthrough();

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  let values: Record<string, unknown> = {};
  try {
    const form = await readRecordedForm(request, PostSchema, user, "access.request");
    if (!form.ok) return invalid(form.fieldErrors);
    values = form.value;
    if (form.value.intent === "emergency") {
      const { request: r } = await takeEmergencyAccess(user, form.value as never);
      return redirect(`/docs/${r.number}`);
    }
    const r = await submitAccessRequest(user, form.value as never);
    return redirect(`/access/requests/${r.id}?sent=1`);
  } catch (error) {
    return actionError(error, { values, intent: String(values.intent ?? "") });
  }
}

type Result = AccessActionResult & { values?: Record<string, string | string[]>; intent?: string };

function text(v: unknown): string {
  return Array.isArray(v) ? v.join("\n") : typeof v === "string" ? v : "";
}

export default function RequestAccess() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as Result | undefined;
  const t = useT();
  const locale = useLocale();
  if (!d.doc) {
    return (
      <div className="access-page">
        <h1>{t("access.request.title")}</h1>
        <AccessTabs />
        <Form method="get" className="toolbar">
          <label>
            {t("access.request.numberLabel")} <input name="number" required maxLength={40} placeholder="EXE-001" />
          </label>
          <button type="submit">{t("access.request.find")}</button>
        </Form>
      </div>
    );
  }
  const doc = d.doc;
  const forRequest = result?.intent === "request" ? result : undefined;
  const forEmergency = result?.intent === "emergency" ? result : undefined;
  const v = forRequest?.values ?? {};
  const ev = forEmergency?.values ?? {};
  return (
    <div className="access-page">
      <p className="muted">
        <Link to="/access">{t("access.title")}</Link> / {t("access.request.title")}
      </p>
      <h1>{t("access.request.title")}</h1>
      <section className="panel access-doc" aria-label={doc.number}>
        <p className="access-doc-title">
          <Link to={`/docs/${doc.number}`} className="doc-number">
            {doc.number}
          </Link>{" "}
          {doc.title} <DocBadges retired={doc.retired} confidentiality={doc.confidentiality} />
        </p>
        <p className="muted small">
          {t("doc.owner")}: {nameOf(d.departments, doc.ownerDepartment, locale)}
        </p>
      </section>
      {result && !forRequest && !forEmergency ? <FormError message={formErrorText(t, result)} /> : null}
      {doc.confidentiality === "internal" ? (
        <div className="banner banner-info" role="status">
          {t("access.request.internal")} <Link to={`/docs/${doc.number}`}>{t("access.request.read")}</Link>
        </div>
      ) : null}
      {d.grant ? (
        <div className="banner banner-ok" role="status">
          {t("access.request.hasGrant", { date: formatDate(d.grant.expiresAt, locale, true) })}{" "}
          <Link to={`/docs/${doc.number}`}>{t("access.request.read")}</Link>
        </div>
      ) : d.canReadHistory && doc.confidentiality !== "internal" ? (
        <div className="banner banner-ok" role="status">
          {t("access.request.canRead")} <Link to={`/docs/${doc.number}`}>{t("access.request.read")}</Link>
        </div>
      ) : null}
      {d.partialGrant ? (
        <div className="banner banner-info" role="status">
          {t("access.request.hasPartial", { count: d.partialGrant.count, date: formatDate(d.partialGrant.expiresAt, locale, true) })}
        </div>
      ) : null}
      {d.pending ? (
        <div className="banner banner-warn" role="status">
          {t("access.request.pending", { date: formatDate(d.pending.createdAt, locale, true) })}{" "}
          <Link to={`/access/requests/${d.pending.id}`}>{t("access.request.viewPending")}</Link>
        </div>
      ) : null}
      {d.requestable && !d.pending ? (
        <section aria-labelledby="request-heading">
          <h2 id="request-heading">{t("access.request.formTitle")}</h2>
          <p className="muted">{t("access.request.formHint")}</p>
          <FormError message={formErrorText(t, forRequest)} />
          <Form method="post" className="form panel">
            <CsrfField />
            <input type="hidden" name="intent" value="request" />
            <input type="hidden" name="number" value={doc.number} />
            <Field label={t("access.field.purpose")} name="purpose" error={fieldErrorText(t, forRequest, "purpose")} hint={t("access.field.purposeHint")}>
              <textarea id="purpose" name="purpose" rows={4} required minLength={10} maxLength={2000} defaultValue={text(v.purpose)} />
            </Field>
            <fieldset className="field">
              <legend>{t("access.field.scope")}</legend>
              <label>
                <input type="radio" name="scope" value="all" defaultChecked={text(v.scope) !== "sections"} /> {t("access.scope.all")}
              </label>
              <label>
                <input type="radio" name="scope" value="sections" defaultChecked={text(v.scope) === "sections"} /> {t("access.scope.sections")}
              </label>
            </fieldset>
            <Field label={t("access.field.sections")} name="sections" error={fieldErrorText(t, forRequest, "sections")} hint={t("access.field.sectionsHint")}>
              <textarea id="sections" name="sections" rows={3} maxLength={3000} defaultValue={text(v.sections)} />
            </Field>
            <fieldset className="field">
              <legend>{t("access.field.history")}</legend>
              <label>
                <input type="radio" name="history" value="current" defaultChecked={text(v.history) !== "history"} /> {t("access.history.no")}
              </label>
              <label>
                <input type="radio" name="history" value="history" defaultChecked={text(v.history) === "history"} /> {t("access.history.yes")}
              </label>
              {fieldErrorText(t, forRequest, "history") ? <p className="field-error">{fieldErrorText(t, forRequest, "history")}</p> : null}
            </fieldset>
            <Field label={t("access.field.days")} name="days" error={fieldErrorText(t, forRequest, "days")} hint={t("access.field.daysHint", { min: MIN_DAYS, max: MAX_DAYS })}>
              <input id="days" name="days" type="number" min={MIN_DAYS} max={MAX_DAYS} required defaultValue={text(v.days) || "7"} className="access-days" />
            </Field>
            <div className="actions">
              <button type="submit">{t("access.request.send")}</button>
            </div>
          </Form>
        </section>
      ) : null}
      {d.emergencyAllowed ? (
        <details className="panel access-emergency" open={!!forEmergency}>
          <summary>{t("access.emergency.title")}</summary>
          <p>{t("access.emergency.explain", { days: RATIFY_DAYS })}</p>
          <FormError message={formErrorText(t, forEmergency)} />
          <Form method="post" className="form">
            <CsrfField />
            <input type="hidden" name="intent" value="emergency" />
            <input type="hidden" name="number" value={doc.number} />
            <Field label={t("access.field.justification")} name="justification" error={fieldErrorText(t, forEmergency, "justification")}>
              <textarea id="justification" name="justification" rows={4} required minLength={20} maxLength={2000} defaultValue={text(ev.justification)} />
            </Field>
            <fieldset className="field">
              <legend>{t("access.field.history")}</legend>
              <label>
                <input type="radio" name="history" value="current" defaultChecked={text(ev.history) !== "history"} /> {t("access.history.no")}
              </label>
              <label>
                <input type="radio" name="history" value="history" defaultChecked={text(ev.history) === "history"} /> {t("access.history.yes")}
              </label>
            </fieldset>
            <Field label={t("access.field.daysAfter")} name="emergency-days" error={fieldErrorText(t, forEmergency, "days")}>
              <input id="emergency-days" name="days" type="number" min={MIN_DAYS} max={MAX_DAYS} required defaultValue={text(ev.days) || "7"} className="access-days" />
            </Field>
            <label className="access-confirm">
              <input type="checkbox" name="confirm" value="yes" required /> {t("access.emergency.confirm", { days: RATIFY_DAYS })}
            </label>
            {fieldErrorText(t, forEmergency, "confirm") ? <p className="field-error">{fieldErrorText(t, forEmergency, "confirm")}</p> : null}
            <div className="actions">
              <button type="submit" className="danger">
                {t("access.emergency.take")}
              </button>
            </div>
          </Form>
        </details>
      ) : null}
    </div>
  );
}
