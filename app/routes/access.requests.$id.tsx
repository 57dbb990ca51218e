import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { requireUser } from "~/access/session.server";
import { handleDecisionPost } from "~/access/forms.server";
import { mayDecideFor } from "~/access/delegates.server";
import { approverQueue, requestFor } from "~/access/requests.server";
import { labelMaps } from "~/documents/labels.server";
import { DecisionForms } from "~/components/access-decision";
import { AccessTabs, GrantBadge, StatusBadge, formErrorText, scopeText, type AccessActionResult } from "~/components/access-ui";
import { CsrfField } from "~/components/csrf-field";
import { FormError } from "~/components/field";
import { nameOf } from "~/components/labels";
import { formatDate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { actionError, invalid, page } from "~/web/http.server";
import accessCss from "~/styles/access.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: accessCss }];

export const loader = page(async ({ request, params }: LoaderFunctionArgs) => {
  const user = await requireUser(request);
  const r = await requestFor(user, String(params.id));
  const decision = (await approverQueue(user)).find((q) => q.id === r.id) ?? null;
  return data(
    {
      r,
      decision,
      mine: r.requesterId === user.id,
      canRevoke: r.grant?.state === "active" && r.requesterId !== user.id && mayDecideFor(user, r.ownerDepartment),
      departments: labelMaps().departments,
    },
    { headers: { "Cache-Control": "private, no-store" } },
  );
});

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const id = String(params.id);
  try {
    const result = await handleDecisionPost(request, user);
    if (!result.ok) return invalid(result.fieldErrors, result.formError, { id });
    return redirect(`/access/requests/${id}?done=${result.intent}`);
  } catch (error) {
    return actionError(error, { id });
  }
}

export default function AccessRequestPage() {
  const { r, decision, mine, canRevoke, departments } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as AccessActionResult | undefined;
  const [params] = useSearchParams();
  const t = useT();
  const locale = useLocale();
  const done = ["approve", "reject", "withdraw", "revoke"].find((d) => d === params.get("done"));
  const emergency = r.kind === "emergency";
  return (
    <div className="access-page">
      <p className="muted">
        <Link to="/access">{t("access.title")}</Link> / {emergency ? t("access.kind.emergency") : t("access.kind.request")}
      </p>
      <h1>
        {emergency ? t("access.detail.emergencyTitle", { number: r.number }) : t("access.detail.title", { number: r.number })}
      </h1>
      <AccessTabs />
      {params.get("sent") ? (
        <p className="form-ok" role="status">
          {t("access.detail.sent")}
        </p>
      ) : null}
      {done ? (
        <p className="form-ok" role="status">
          {t(`access.done.${done}`)}
        </p>
      ) : null}
      <FormError message={formErrorText(t, result)} />
      <section className="panel">
        <dl className="access-facts">
          <div>
            <dt>{t("access.col.document")}</dt>
            <dd>
              <Link to={`/docs/${r.number}`} className="doc-number">
                {r.number}
              </Link>{" "}
              {r.title} <span className="muted small">({nameOf(departments, r.ownerDepartment, locale)})</span>
            </dd>
          </div>
          <div>
            <dt>{t("access.col.requester")}</dt>
            <dd>
              {r.requesterName} ({r.requesterUsername}, {nameOf(departments, r.requesterDepartment, locale)})
            </dd>
          </div>
          <div>
            <dt>{t("access.col.status")}</dt>
            <dd>
              <StatusBadge status={r.status} overdue={r.overdue} />
            </dd>
          </div>
          <div>
            <dt>{emergency ? t("access.field.justification") : t("access.field.purpose")}</dt>
            <dd className="access-purpose">{r.purpose}</dd>
          </div>
          <div>
            <dt>{t("access.field.scope")}</dt>
            <dd>{scopeText(t, r)}</dd>
          </div>
          <div>
            <dt>{t("access.col.period")}</dt>
            <dd>{t("access.days", { days: r.days })}</dd>
          </div>
          <div>
            <dt>{t("access.col.asked")}</dt>
            <dd>{formatDate(r.createdAt, locale, true)}</dd>
          </div>
          <div>
            <dt>{emergency ? t("access.col.ratifyBy") : t("access.col.due")}</dt>
            <dd>{formatDate(r.dueAt, locale, true)}</dd>
          </div>
          {r.decidedAt ? (
            <div>
              <dt>{t("access.col.decision")}</dt>
              <dd>
                {formatDate(r.decidedAt, locale, true)}
                {r.decidedByName ? ` · ${r.decidedByName}` : ""}
                {r.grantedDays ? ` · ${t("access.days", { days: r.grantedDays })}` : ""}
                {r.reason ? <span className="access-reason"> — {r.reason}</span> : null}
              </dd>
            </div>
          ) : null}
          {r.grant ? (
            <div>
              <dt>{t("access.col.access")}</dt>
              <dd>
                <GrantBadge state={r.grant.state} /> {t("access.until", { date: formatDate(r.grant.expiresAt, locale, true) })}
                {r.grant.sections !== "all" ? ` · ${t("access.grantedSections", { count: r.grant.sections.length })}` : ""}
                {r.grant.revokeReason ? <span className="access-reason"> — {r.grant.revokeReason}</span> : null}
              </dd>
            </div>
          ) : null}
        </dl>
        {mine && r.status === "pending" ? (
          <Form method="post" className="actions">
            <CsrfField />
            <input type="hidden" name="intent" value="withdraw" />
            <input type="hidden" name="id" value={r.id} />
            <button type="submit" className="secondary">
              {t("access.withdraw")}
            </button>
          </Form>
        ) : null}
        {mine && r.grant?.state === "active" ? (
          <p>
            <Link className="button" to={`/docs/${r.number}`}>
              {t("access.request.read")}
            </Link>
          </p>
        ) : null}
        {canRevoke ? (
          <Form method="post" className="actions access-revoke">
            <CsrfField />
            <input type="hidden" name="intent" value="revoke" />
            <input type="hidden" name="id" value={r.id} />
            <label>
              {t("access.decide.reason")} <input name="reason" required minLength={3} maxLength={500} />
            </label>
            <button type="submit" className="danger">
              {t("access.revoke")}
            </button>
          </Form>
        ) : null}
      </section>
      {decision ? (
        <section className="panel" aria-labelledby="decide-heading">
          <h2 id="decide-heading">{emergency ? t("access.decide.emergencyTitle") : t("access.decide.title")}</h2>
          <DecisionForms item={decision} result={result ? { ...result, id: r.id } : undefined} />
        </section>
      ) : null}
    </div>
  );
}
