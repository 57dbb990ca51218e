import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { requireRole } from "~/access/guards.server";
import { CsrfField } from "~/components/csrf-field";
import { Field, FormError } from "~/components/field";
import { pageTitle } from "~/components/page-title";
import { consolidationsPage } from "~/consolidation/pages.server";
import { startConsolidation } from "~/consolidation/consolidations.server";
import { formatDate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { actionError, invalid, page, readForm } from "~/web/http.server";
import consolidationCss from "~/styles/consolidation.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: consolidationCss }];
export const meta = pageTitle("consolidation.listTitle");

/** Possible duplicates among current documents and the consolidations made of them (document controllers). */
export const loader = page(async ({ request }: LoaderFunctionArgs) => {
  const user = await requireRole(request, "editor");
  return data(await consolidationsPage(user), { headers: { "Cache-Control": "private, no-store" } });
});

const StartForm = z.object({
  intent: z.literal("start"),
  numbers: z.string().trim().min(1, "required").max(200),
});

export async function action({ request }: ActionFunctionArgs) {
  try {
    const user = await requireRole(request, "editor");
    const form = await readForm(request, StartForm);
    if (!form.ok) return invalid(form.fieldErrors);
    const c = await startConsolidation(user, { numbers: form.value.numbers.split(/[\s,，、;；]+/) });
    return redirect(`/consolidations/${c.id}`);
  } catch (error) {
    return actionError(error);
  }
}

export default function Consolidations() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as { formError?: string; fieldErrors?: Record<string, string> } | undefined;
  const t = useT();
  const locale = useLocale();
  return (
    <div className="consolidation">
      <p className="muted">
        <Link to="/dashboard">{t("dashboard.title")}</Link> / {t("consolidation.listTitle")}
      </p>
      <h1>{t("consolidation.listTitle")}</h1>
      <p className="muted">{t("consolidation.listIntro")}</p>
      <FormError message={result?.formError} />

      <section className="panel" aria-labelledby="dup-title">
        <h2 id="dup-title">{t("consolidation.duplicates", { count: d.groups.length })}</h2>
        {d.groups.length ? null : <p className="muted">{t("consolidation.noDuplicates")}</p>}
        <ol className="cons-groups">
          {d.groups.map((g) => (
            <li key={g.numbers.join(",")} className="cons-group" data-numbers={g.numbers.join(",")}>
              <ul className="plain">
                {g.members.map((m) => (
                  <li key={m.number}>
                    <Link to={`/docs/${m.number}`} className="doc-number">
                      {m.number}
                    </Link>{" "}
                    <span data-content="">{m.title}</span>
                  </li>
                ))}
              </ul>
              <ul className="plain small muted">
                {g.pairs.map((p) => (
                  <li key={`${p.a}-${p.b}`}>
                    {p.a} ↔ {p.b}: {[p.sameTitle ? t("consolidation.why.sameTitle") : p.similarTitle ? t("consolidation.why.similarTitle") : "", t("consolidation.why.text", { percent: Math.round(p.similarity * 100) })].filter(Boolean).join(t("consolidation.listSep"))}
                  </li>
                ))}
              </ul>
              {g.consolidation ? (
                <p>
                  <Link to={`/consolidations/${g.consolidation}`}>{t("consolidation.inProgress", { id: g.consolidation })}</Link>
                </p>
              ) : g.numbers.length <= 5 ? (
                <Form method="post">
                  <CsrfField />
                  <input type="hidden" name="intent" value="start" />
                  <input type="hidden" name="numbers" value={g.numbers.join(",")} />
                  <button type="submit">{t("consolidation.start")}</button>
                </Form>
              ) : (
                <p className="muted small">{t("consolidation.tooMany")}</p>
              )}
            </li>
          ))}
        </ol>
      </section>

      <section className="panel" aria-labelledby="start-title">
        <h2 id="start-title">{t("consolidation.startOwn")}</h2>
        <Form method="post" className="form">
          <CsrfField />
          <input type="hidden" name="intent" value="start" />
          <Field label={t("consolidation.numbers")} name="numbers" error={result?.fieldErrors?.numbers} hint={t("consolidation.numbersHint")}>
            <input id="numbers" name="numbers" required maxLength={200} placeholder="EXE-003, EXE-007" />
          </Field>
          <button type="submit">{t("consolidation.start")}</button>
        </Form>
      </section>

      <section className="panel" aria-labelledby="made-title">
        <h2 id="made-title">{t("consolidation.made")}</h2>
        {d.consolidations.length ? (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>{t("consolidation.col.id")}</th>
                  <th>{t("consolidation.col.copies")}</th>
                  <th>{t("consolidation.col.status")}</th>
                  <th>{t("consolidation.col.result")}</th>
                </tr>
              </thead>
              <tbody>
                {d.consolidations.map((c) => (
                  <tr key={c.id}>
                    <td>
                      <Link to={`/consolidations/${c.id}`}>{c.id}</Link>
                      <div className="muted small">{formatDate(c.createdAt, locale, true)}</div>
                    </td>
                    <td>{c.copies.join(", ")}</td>
                    <td>{t(`consolidation.status.${c.status}`)}</td>
                    <td>
                      {c.number ? <Link to={`/docs/${c.number}`}>{c.version ? `${c.number} v${c.version}` : c.number}</Link> : c.proposalId ? <Link to={`/proposals/${c.proposalId}`}>{c.proposalId}</Link> : "—"}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="muted">{t("consolidation.noneMade")}</p>
        )}
      </section>
    </div>
  );
}
