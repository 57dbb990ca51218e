import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { requireUser } from "~/access/session.server";
import { CsrfField } from "~/components/csrf-field";
import { Field, FormError } from "~/components/field";
import { StatusBadge } from "~/components/revisions-ui";
import { formatDate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { SuggestionForm } from "~/revisions/forms";
import { suggestionsPage } from "~/revisions/pages.server";
import { acceptSuggestion, createSuggestion, declineSuggestion } from "~/revisions/suggestions.server";
import { actionError, invalid, page, readForm } from "~/web/http.server";
import revisionsCss from "~/styles/revisions.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: revisionsCss }];

export const loader = page(async ({ request, params }: LoaderFunctionArgs) => {
  const user = await requireUser(request);
  return data(await suggestionsPage(user, String(params.number)), { headers: { "Cache-Control": "private, no-store" } });
});

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const number = String(params.number);
  try {
    const form = await readForm(request, SuggestionForm);
    if (!form.ok) return invalid(form.fieldErrors, undefined, { intent: String(form.form.get("intent") ?? ""), id: String(form.form.get("id") ?? "") });
    const v = form.value;
    if (v.intent === "suggest") {
      const s = await createSuggestion(user, number, v.text);
      return redirect(`/docs/${number}/suggestions?sent=${s.id}#${s.id}`);
    }
    if (v.intent === "accept") {
      const { proposal } = await acceptSuggestion(user, v.id, v.change);
      return redirect(`/proposals/${proposal.id}/edit`);
    }
    await declineSuggestion(user, v.id, v.reason);
    return redirect(`/docs/${number}/suggestions#${v.id}`);
  } catch (error) {
    return actionError(error);
  }
}

type ActionResult = { formError?: string; fieldErrors?: Record<string, string>; intent?: string; id?: string } | undefined;

export default function Suggestions() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as ActionResult;
  const [params] = useSearchParams();
  const t = useT();
  const locale = useLocale();
  const busy = useNavigation().state === "submitting";
  const fe = result?.fieldErrors ?? {};
  const open = d.suggestions.filter((s) => s.status === "open");
  const decided = d.suggestions.filter((s) => s.status !== "open");
  return (
    <section className="revisions suggestions">
      <h2>{t("revisions.suggestions.title", { number: d.number })}</h2>
      {params.get("sent") ? (
        <p className="form-ok" role="status">
          {t("revisions.suggestions.sent")}
        </p>
      ) : null}
      <FormError message={result?.formError} />
      {!d.retired ? (
        <Form method="post" className="form panel">
          <CsrfField />
          <input type="hidden" name="intent" value="suggest" />
          <Field
            label={t("revisions.suggestions.new")}
            name="text"
            error={result?.intent === "suggest" ? fe.text : undefined}
            hint={t("revisions.suggestions.hint")}
          >
            <textarea id="text" name="text" rows={4} maxLength={4000} minLength={5} required />
          </Field>
          <div className="actions">
            <button type="submit" disabled={busy}>
              {t("revisions.suggestions.send")}
            </button>
          </div>
        </Form>
      ) : null}
      <h3>{t("revisions.suggestions.open", { count: open.length })}</h3>
      {open.length === 0 ? <p className="muted">{t("revisions.suggestions.noneOpen")}</p> : null}
      <ul className="suggestion-list">
        {open.map((s) => (
          <li key={s.id} id={s.id} className="panel suggestion">
            <p className="muted small">
              {s.id} · {s.by.name} · {formatDate(s.createdAt, locale, true)} · v{s.version}
              {s.mine ? ` · ${t("revisions.suggestions.yours")}` : ""}
            </p>
            <p className="suggestion-text">{s.text}</p>
            {d.canTriage ? (
              <div className="triage">
                <Form method="post" className="actions">
                  <CsrfField />
                  <input type="hidden" name="intent" value="accept" />
                  <input type="hidden" name="id" value={s.id} />
                  <label>
                    <select name="change" defaultValue="minor" aria-label={t("revisions.field.change")}>
                      <option value="minor">{t("change.minor")}</option>
                      <option value="major">{t("change.major")}</option>
                    </select>
                  </label>
                  <button type="submit" disabled={busy}>
                    {t("revisions.suggestions.accept")}
                  </button>
                </Form>
                <Form method="post" className="actions">
                  <CsrfField />
                  <input type="hidden" name="intent" value="decline" />
                  <input type="hidden" name="id" value={s.id} />
                  <label htmlFor={`decline-${s.id}`} className="visually-hidden">
                    {t("revisions.field.reason")}
                  </label>
                  <input
                    id={`decline-${s.id}`}
                    name="reason"
                    placeholder={t("revisions.suggestions.declineReason")}
                    required
                    minLength={3}
                    maxLength={2000}
                    aria-invalid={result?.intent === "decline" && result.id === s.id && fe.reason ? true : undefined}
                  />
                  <button type="submit" className="secondary" disabled={busy}>
                    {t("revisions.suggestions.decline")}
                  </button>
                  {result?.intent === "decline" && result.id === s.id && fe.reason ? <span className="field-error">{fe.reason}</span> : null}
                </Form>
              </div>
            ) : null}
          </li>
        ))}
      </ul>
      {decided.length ? (
        <>
          <h3>{t("revisions.suggestions.decided")}</h3>
          <ul className="suggestion-list">
            {decided.map((s) => (
              <li key={s.id} id={s.id} className={`panel suggestion suggestion-${s.status}`}>
                <p className="muted small">
                  {s.id} · {s.by.name} · {formatDate(s.createdAt, locale, true)}
                </p>
                <p className="suggestion-text">{s.text}</p>
                <p>
                  <span className={`badge suggestion-status-${s.status}`}>{t(`revisions.suggestion.${s.status}`)}</span>{" "}
                  {s.decidedBy ? `${s.decidedBy.name} · ${formatDate(s.decidedAt, locale, true)}` : null}
                </p>
                {s.reason ? <p className="decision-reason">{s.reason}</p> : null}
                {s.proposalId ? (
                  <p>
                    {s.proposalVisible ? <Link to={`/proposals/${s.proposalId}`}>{s.proposalId}</Link> : s.proposalId}{" "}
                    {s.proposalStatus ? <StatusBadge status={s.proposalStatus} /> : null}
                    {s.publishedVersion ? ` v${s.publishedVersion}` : null}
                  </p>
                ) : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}
