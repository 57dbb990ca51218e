import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { requireRole } from "~/access/guards.server";
import { ADMIN_LINKS } from "~/components/admin-links";
import { CsrfField } from "~/components/csrf-field";
import { FormError } from "~/components/field";
import { sayIn } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { strandedPage } from "~/revisions/pages.server";
import { rerouteProposal } from "~/revisions/commands/reroute.server";
import { actionError, invalid, page, readForm } from "~/web/http.server";
import { adminSummary } from "~/admin.server";
import { demoAccountsWarning } from "~/access/demo-accounts.server";

const RerouteForm = z.object({
  intent: z.literal("reroute"),
  id: z.string().min(1).max(20),
  stage: z.coerce.number().int().min(0).max(20),
  username: z.string().trim().min(1, "choose a person").max(64),
});

export const loader = page(async ({ request }: LoaderFunctionArgs) => {
  await requireRole(request, "admin");
  return data({ summary: adminSummary(), stranded: strandedPage(), demo: demoAccountsWarning() }, { headers: { "Cache-Control": "private, no-store" } });
});

/** Re-routes a stage of a stranded proposal to a named approver. */
export async function action({ request }: ActionFunctionArgs) {
  const user = await requireRole(request, "admin");
  try {
    const form = await readForm(request, RerouteForm);
    if (!form.ok) return invalid(form.fieldErrors);
    const v = form.value;
    await rerouteProposal(user, v.id, v.stage, v.username);
    return redirect(`/admin?rerouted=${encodeURIComponent(v.id)}#stranded`);
  } catch (error) {
    return actionError(error, {}, request, user);
  }
}

export default function AdminHome() {
  const { summary, stranded, demo } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as { formError?: string } | undefined;
  const t = useT();
  const locale = useLocale();
  return (
    <div>
      <h1>{t("admin.title")}</h1>
      {demo ? (
        <section id="demo-accounts" className="panel banner-warn" role="alert" aria-labelledby="demo-accounts-title">
          <h2 id="demo-accounts-title" className="h3">
            {t("admin.demo.title")}
          </h2>
          <p>{t("admin.demo.body", { reasons: demo.reasons.map((r) => t(`admin.demo.reason.${r.key}`, { value: r.value ?? "", name: r.name })).join(locale === "zh-CN" ? "；" : "; ") })}</p>
          <p>{t("admin.demo.disabled", { accounts: demo.accounts.join(locale === "zh-CN" ? "、" : ", ") })}</p>
        </section>
      ) : null}
      {stranded.length ? (
        <section id="stranded" className="panel banner-warn" aria-labelledby="stranded-title">
          <h2 id="stranded-title" className="h3">
            {t("revisions.stranded.title", { count: stranded.length })}
          </h2>
          <p className="muted">{t("revisions.stranded.hint")}</p>
          <FormError message={result?.formError} />
          <ul className="stranded-list">
            {stranded.map((s) => (
              <li key={s.id}>
                <p>
                  <Link to={`/proposals/${s.id}`}>{s.id}</Link> <span className="doc-number">{s.number}</span> {s.title}
                </p>
                <p className="field-error">{s.gap.said.map((x) => sayIn(locale, x)).join(" ")}</p>
                <Form method="post" className="form-inline">
                  <CsrfField />
                  <input type="hidden" name="intent" value="reroute" />
                  <input type="hidden" name="id" value={s.id} />
                  <input type="hidden" name="stage" value={s.gap.stage} />
                  <label htmlFor={`reroute-${s.id}`}>
                    {t("revisions.stranded.routeTo", { stage: s.gap.stage + 1, role: t(`revisions.stage.${s.gap.role}`) })}
                  </label>{" "}
                  <select id={`reroute-${s.id}`} name="username" required defaultValue="">
                    <option value="" disabled>
                      {t("revisions.stranded.choose")}
                    </option>
                    {s.candidates.map((c) => (
                      <option key={c.username} value={c.username}>
                        {c.name} ({c.username})
                      </option>
                    ))}
                  </select>{" "}
                  <button type="submit">{t("revisions.stranded.submit")}</button>
                </Form>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <div className="grid grid-cards">
        {ADMIN_LINKS.map((l) => (
          <Link key={l.to} to={l.to} className="card">
            <div className="card-title">{t(l.label)}</div>
            {summary[l.to] !== undefined ? <div className="card-meta">{String(summary[l.to])}</div> : null}
          </Link>
        ))}
      </div>
    </div>
  );
}
