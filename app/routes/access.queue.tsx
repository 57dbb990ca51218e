import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { requireUser } from "~/access/session.server";
import { handleDecisionPost } from "~/access/forms.server";
import { approverQueue } from "~/access/requests.server";
import { labelMaps } from "~/documents/labels.server";
import { DecisionForms } from "~/components/access-decision";
import { AccessTabs, StatusBadge, formErrorText, scopeText, type AccessActionResult } from "~/components/access-ui";
import { FormError } from "~/components/field";
import { nameOf } from "~/components/labels";
import { formatDate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { actionError, invalid, page } from "~/web/http.server";
import accessCss from "~/styles/access.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: accessCss }];
export const meta: MetaFunction = () => [{ title: "Regula" }];

export const loader = page(async ({ request }: LoaderFunctionArgs) => {
  const user = await requireUser(request);
  const items = await approverQueue(user);
  return data({ items, departments: labelMaps().departments }, { headers: { "Cache-Control": "private, no-store" } });
});

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  let id = "";
  try {
    const clone = request.clone();
    id = String((await clone.formData()).get("id") ?? "").slice(0, 80);
    const result = await handleDecisionPost(request, user);
    if (!result.ok) return invalid(result.fieldErrors, result.formError, { id });
    return redirect(`/access/queue?done=${result.intent}`);
  } catch (error) {
    return actionError(error, { id });
  }
}

export default function ApproverQueue() {
  const { items, departments } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as AccessActionResult | undefined;
  const [params] = useSearchParams();
  const t = useT();
  const locale = useLocale();
  const done = ["approve", "reject", "withdraw", "revoke"].find((d) => d === params.get("done"));
  return (
    <div className="access-page">
      <h1>{t("access.queue.title")}</h1>
      <AccessTabs waiting={items.length} decider />
      {done ? (
        <p className="form-ok" role="status">
          {t(`access.done.${done}`)}
        </p>
      ) : null}
      {result && !items.some((i) => i.id === result.id) ? <FormError message={formErrorText(t, result)} /> : null}
      {items.length === 0 ? <p className="muted">{t("access.queue.empty")}</p> : null}
      {items.map((r) => (
        <article key={r.id} id={`req-${r.id}`} className={`panel access-item${r.kind === "emergency" ? " access-item-emergency" : ""}`}>
          <header className="access-item-head">
            <h2>
              <Link to={`/docs/${r.number}`} className="doc-number">
                {r.number}
              </Link>{" "}
              {r.title}
            </h2>
            <p>
              <StatusBadge status={r.status} overdue={r.overdue} />
            </p>
          </header>
          {result?.id === r.id ? <FormError message={formErrorText(t, result)} /> : null}
          <dl className="access-facts">
            <div>
              <dt>{t("access.col.requester")}</dt>
              <dd>
                {r.requesterName} ({r.requesterUsername}, {nameOf(departments, r.requesterDepartment, locale)})
              </dd>
            </div>
            <div>
              <dt>{r.kind === "emergency" ? t("access.field.justification") : t("access.field.purpose")}</dt>
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
              <dt>{r.kind === "emergency" ? t("access.col.ratifyBy") : t("access.col.due")}</dt>
              <dd>{formatDate(r.dueAt, locale, true)}</dd>
            </div>
          </dl>
          <DecisionForms item={r} result={result} />
          <p className="small">
            <Link to={`/access/requests/${r.id}`}>{t("access.open")}</Link>
          </p>
        </article>
      ))}
    </div>
  );
}
