import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { requireUser } from "~/access/session.server";
import { AccessDenied } from "~/components/access-denied";
import { CsrfField } from "~/components/csrf-field";
import { FormError } from "~/components/field";
import { formatDate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { acknowledge } from "~/notifications/acknowledgements.server";
import { acknowledgementState } from "~/notifications/doc-page.server";
import { actionError, invalid, page, readForm } from "~/web/http.server";

const ActionSchema = z.object({
  intent: z.literal("acknowledge"),
  version: z.coerce.number().int().min(1, "not a version"),
});

export const loader = page(async ({ request, params }: LoaderFunctionArgs) => {
  const user = await requireUser(request);
  return data(acknowledgementState(user, String(params.number)), { headers: { "Cache-Control": "private, no-store" } });
});

/** "I have read and understood vN": bound to the current version and written to the audit trail. */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const number = String(params.number);
  try {
    const form = await readForm(request, ActionSchema);
    if (!form.ok) return invalid(form.fieldErrors);
    const ack = await acknowledge(user, number, form.value.version);
    return redirect(`/docs/${number}?acknowledged=${ack.version}`);
  } catch (error) {
    return actionError(error, {}, request, user);
  }
}

export default function AcknowledgePage() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as { formError?: string; details?: { currentVersion?: number } } | undefined;
  const t = useT();
  const locale = useLocale();
  if (!d.canRead) return <AccessDenied number={d.number} reason={d.deniedReason ?? "restricted"} />;
  return (
    <section className="panel ack-page">
      <h2>{t("ack.pageTitle", { number: d.number })}</h2>
      <FormError message={result?.formError} />
      {d.acknowledgedCurrentAt ? (
        <p className="form-ok" role="status">
          {t("ack.done", { version: d.version, date: formatDate(d.acknowledgedCurrentAt, locale, true) })}
        </p>
      ) : d.retired ? (
        <p className="muted">{t("ack.retired")}</p>
      ) : (
        <>
          {d.owed ? (
            <p>
              {t(d.owed.overdue ? "ack.notice.overdue" : d.owed.reason === "onboarding" ? "ack.notice.owedOnboarding" : "ack.notice.owed", { version: d.version, date: formatDate(d.owed.dueDate, locale) })}
            </p>
          ) : (
            <p className="muted">{t("ack.notRequired")}</p>
          )}
          <p>
            <Link to={`/docs/${d.number}`}>{t("ack.readFirst", { version: d.version })}</Link>
            {d.lastAcknowledged && d.lastAcknowledged < d.version && d.canReadHistory ? (
              <>
                {" · "}
                <Link to={`/docs/${d.number}/diff?from=${d.lastAcknowledged}&to=${d.version}`}>
                  {t("ack.notice.since", { last: d.lastAcknowledged, current: d.version })}
                </Link>
              </>
            ) : null}
          </p>
          <Form method="post">
            <CsrfField />
            <input type="hidden" name="intent" value="acknowledge" />
            <input type="hidden" name="version" value={d.version} />
            <button type="submit">{t("ack.button", { version: d.version })}</button>
          </Form>
        </>
      )}
    </section>
  );
}
