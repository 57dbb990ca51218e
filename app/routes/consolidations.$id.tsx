import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { requireRole } from "~/access/guards.server";
import { CsrfField } from "~/components/csrf-field";
import { ClauseRow } from "~/components/consolidation-ui";
import { Field, FormError } from "~/components/field";
import { nameOf } from "~/components/labels";
import { proposeConsolidation, saveChoices, type ChoiceUpdate } from "~/consolidation/consolidations.server";
import { consolidationPage } from "~/consolidation/pages.server";
import { useLocale, useT } from "~/i18n/use-t";
import { actionError, invalid, page, readForm } from "~/web/http.server";
import consolidationCss from "~/styles/consolidation.css?url";
import diffCss from "~/styles/diff.css?url";

/** The intent of the picks form. */
const CHOOSE = "choose";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: diffCss },
  { rel: "stylesheet", href: consolidationCss },
];

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [{ title: d ? `${d.id} · Regula` : "Regula" }];

/** A consolidation of 2–5 copies, clause by clause (document controllers). `?only=open` keeps the clauses that need a decision. */
export const loader = page(async ({ request, params }: LoaderFunctionArgs) => {
  const user = await requireRole(request, "editor");
  const url = new URL(request.url);
  const only = url.searchParams.get("only") === "open" ? "open" : "all";
  return data({ ...(await consolidationPage(user, String(params.id), only)), saved: url.searchParams.has("saved") }, { headers: { "Cache-Control": "private, no-store" } });
});

/** Choices: `pick.<row>` = keep | omit | edit | copy:<n>, with `text.<row>` for an edit; or fill the undecided from one copy; or propose. */
const ChooseForm = z
  .object({ intent: z.literal(CHOOSE), fill: z.string().regex(/^\d$/).optional().or(z.literal("")) })
  .catchall(z.string().max(200_000))
  .superRefine((v, ctx) => {
    for (const [key, value] of Object.entries(v)) {
      if (key === "intent" || key === "fill" || key === "only") continue;
      if (/^pick\.r\d{1,6}$/.test(key)) {
        if (!/^(keep|omit|edit|copy:\d)$/.test(String(value))) ctx.addIssue({ code: "custom", path: [key], message: "unknown choice" });
      } else if (!/^text\.r\d{1,6}$/.test(key)) ctx.addIssue({ code: "custom", path: [key], message: "unknown field" });
    }
  });

const ProposeForm = z.object({
  intent: z.literal("propose"),
  title: z.string().trim().min(1, "required").max(200, "at most 200 characters"),
  category: z.string().trim().min(1, "required").max(20),
  type: z.string().trim().min(1, "required").max(40),
  ownerDepartment: z.string().trim().min(1, "required").max(60),
  summary: z.string().trim().max(500, "at most 500 characters").optional(),
});

export async function action({ request, params }: ActionFunctionArgs) {
  const id = String(params.id);
  try {
    const user = await requireRole(request, "editor");
    const intent = (await request.clone().formData()).get("intent");
    if (intent === "propose") {
      const form = await readForm(request, ProposeForm);
      if (!form.ok) return invalid(form.fieldErrors, undefined, { intent });
      const proposal = await proposeConsolidation(user, id, form.value);
      return redirect(`/proposals/${proposal.id}`);
    }
    const form = await readForm(request, ChooseForm);
    // Which form answered: the picks (anything but "propose").
    if (!form.ok) return invalid(form.fieldErrors, undefined, { intent: CHOOSE });
    const updates: ChoiceUpdate[] = [];
    for (const [key, value] of Object.entries(form.value)) {
      if (!key.startsWith("pick.")) continue;
      const row = key.slice(5);
      updates.push({ row, choice: value as ChoiceUpdate["choice"], text: (form.value as Record<string, string>)[`text.${row}`] });
    }
    const fill = form.value.fill ? Number(form.value.fill) : undefined;
    await saveChoices(user, id, updates, fill);
    const only = new URL(request.url).searchParams.get("only") === "open" ? "?only=open&saved=1" : "?saved=1";
    return redirect(`/consolidations/${id}${only}#draft`);
  } catch (error) {
    return actionError(error, { intent: "" });
  }
}

type ActionResult = { formError?: string; fieldErrors?: Record<string, string>; intent?: string } | undefined;

export default function ConsolidationView() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as ActionResult;
  const t = useT();
  const locale = useLocale();
  const busy = useNavigation().state === "submitting";
  const fe = result?.fieldErrors ?? {};
  const letters = d.sources.map((s) => s.letter);
  return (
    <div className="consolidation">
      <p className="muted">
        <Link to="/consolidations">{t("consolidation.listTitle")}</Link> / {d.id}
      </p>
      <h1>{t("consolidation.viewTitle", { id: d.id })}</h1>
      <dl className="cons-sources">
        {d.sources.map((s) => (
          <div key={s.letter}>
            <dt>
              <span className={`cons-letter cons-letter-${s.letter}`}>{s.letter}</span>
            </dt>
            <dd>
              {s.href ? <Link to={s.href}>{s.name}</Link> : s.name} <span data-content="">{s.title}</span>
            </dd>
          </div>
        ))}
      </dl>
      <p className="cons-counts" role="status">
        {t("consolidation.counts", { total: d.total, same: d.counts.same, differ: d.counts.differ, partial: d.counts.partial })}{" "}
        {d.counts.undecided ? <strong className="cons-undecided">{t("consolidation.undecided", { count: d.counts.undecided })}</strong> : <strong className="cons-decided">{t("consolidation.allDecided")}</strong>}
      </p>
      {d.status !== "open" ? (
        <p className="banner banner-info">
          {t(`consolidation.status.${d.status}`)}
          {d.proposal ? (
            <>
              {" · "}
              <Link to={`/proposals/${d.proposal.id}`}>{t("consolidation.seeProposal", { id: d.proposal.id })}</Link>
            </>
          ) : null}
          {d.number ? (
            <>
              {" · "}
              <Link to={`/docs/${d.number}`}>{d.version ? `${d.number} v${d.version}` : d.number}</Link>
            </>
          ) : null}
          {d.retired.length ? ` · ${t("consolidation.retiredCopies", { numbers: d.retired.join(", ") })}` : null}
        </p>
      ) : null}
      {d.failure ? <p className="banner banner-danger">{t("consolidation.failure", { message: d.failure })}</p> : null}
      {d.saved ? (
        <p className="form-ok" role="status">
          {t("consolidation.saved")}
        </p>
      ) : null}
      <FormError message={result?.formError} />

      <nav className="cons-filter" aria-label={t("consolidation.filter")}>
        {d.only === "open" ? <Link to="?only=all">{t("consolidation.showAll")}</Link> : <Link to="?only=open">{t("consolidation.showOpen")}</Link>}
      </nav>

      <Form method="post" action={d.only === "open" ? "?only=open" : undefined} className="cons-form">
        <CsrfField />
        <input type="hidden" name="intent" value="choose" />
        {d.editable ? (
          <div className="cons-fill">
            <label htmlFor="fill">{t("consolidation.fill")}</label>
            <select id="fill" name="fill" defaultValue="">
              <option value="">{t("consolidation.fillNone")}</option>
              {d.sources.map((s, i) => (
                <option key={s.letter} value={String(i)}>
                  {s.letter} · {s.name}
                </option>
              ))}
            </select>
            <button type="submit" className="secondary" disabled={busy}>
              {t("consolidation.save")}
            </button>
          </div>
        ) : null}
        <ol className="cons-rows">
          {d.rows.map((row) => (
            <ClauseRow key={row.id} row={row} letters={letters} editable={d.editable} errors={fe} />
          ))}
        </ol>
        {d.editable ? (
          <p className="cons-save">
            <button type="submit" disabled={busy}>
              {t("consolidation.save")}
            </button>
          </p>
        ) : null}
      </Form>

      <section className="panel cons-draft-panel" id="draft" aria-labelledby="draft-title">
        <h2 id="draft-title">{t("consolidation.draft")}</h2>
        {d.counts.undecided ? <p className="banner banner-warn">{t("consolidation.draftMissing", { count: d.counts.undecided })}</p> : null}
        <pre className="cons-draft" data-content="">
          {d.draft}
        </pre>
      </section>

      {d.mayPropose ? (
        <section className="panel" aria-labelledby="propose-title">
          <h2 id="propose-title">{t("consolidation.propose")}</h2>
          <p className="muted">{t("consolidation.proposeIntro", { copies: d.sources.map((s) => s.name).join(", ") })}</p>
          <Form method="post" className="form">
            <CsrfField />
            <input type="hidden" name="intent" value="propose" />
            <Field label={t("consolidation.field.title")} name="title" error={fe.title}>
              <input id="title" name="title" required maxLength={200} defaultValue={d.defaults.title} />
            </Field>
            <Field label={t("consolidation.field.category")} name="category" error={fe.category}>
              <select id="category" name="category" defaultValue={d.defaults.category}>
                {Object.keys(d.labels.categories).map((c) => (
                  <option key={c} value={c}>
                    {c} · {nameOf(d.labels.categories, c, locale)}
                  </option>
                ))}
              </select>
            </Field>
            <Field label={t("consolidation.field.type")} name="type" error={fe.type}>
              <select id="type" name="type" defaultValue={d.defaults.type}>
                {Object.keys(d.labels.types).map((c) => (
                  <option key={c} value={c}>
                    {nameOf(d.labels.types, c, locale)}
                  </option>
                ))}
              </select>
            </Field>
            <Field label={t("consolidation.field.owner")} name="ownerDepartment" error={fe.ownerDepartment}>
              <select id="ownerDepartment" name="ownerDepartment" defaultValue={d.defaults.ownerDepartment}>
                {Object.keys(d.labels.departments).map((c) => (
                  <option key={c} value={c}>
                    {nameOf(d.labels.departments, c, locale)}
                  </option>
                ))}
              </select>
            </Field>
            <Field label={t("consolidation.field.summary")} name="summary" error={fe.summary}>
              <textarea id="summary" name="summary" maxLength={500} rows={2} defaultValue={t("consolidation.summaryDefault", { copies: d.sources.map((s) => s.name).join(", ") })} />
            </Field>
            <button type="submit" disabled={busy || d.counts.undecided > 0}>
              {t("consolidation.proposeButton")}
            </button>
          </Form>
        </section>
      ) : null}
    </div>
  );
}
