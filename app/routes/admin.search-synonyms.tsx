import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { requireRole } from "~/access/guards.server";
import { CsrfField } from "~/components/csrf-field";
import { Field, FormError } from "~/components/field";
import { formatDate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { changeSynonyms, listSynonymGroups, SynonymFormSchema } from "~/search/synonyms.server";
import { actionError, invalid, page, readForm } from "~/web/http.server";

export const loader = page(async ({ request }: LoaderFunctionArgs) => {
  await requireRole(request, "admin");
  return { groups: listSynonymGroups() };
});

export async function action({ request }: ActionFunctionArgs) {
  let id = "new";
  try {
    const admin = await requireRole(request, "admin");
    const form = await readForm(request, SynonymFormSchema);
    id = String(form.form.get("id") ?? "new");
    if (!form.ok) return invalid(form.fieldErrors, "synonyms.err.invalid", { id });
    await changeSynonyms(form.value, admin.username);
    return redirect("/admin/search-synonyms?saved=1");
  } catch (error) {
    return actionError(error, { id });
  }
}

type ActionResult = { formError?: string; fieldErrors?: Record<string, string>; id?: string } | undefined;

export default function AdminSearchSynonyms() {
  const { groups } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as ActionResult;
  const [params] = useSearchParams();
  const t = useT();
  const locale = useLocale();
  // Field messages are catalogue keys; anything else is shown as the server wrote it.
  const say = (message: string | undefined) => (message ? (t(message) !== message ? t(message) : message) : undefined);
  const errorFor = (id: string, field: string) => (result?.id === id ? say(result.fieldErrors?.[field]) : undefined);
  const formErrorFor = (id: string) => (result?.id === id ? say(result.fieldErrors?.id ?? (result.fieldErrors && Object.keys(result.fieldErrors).length ? "synonyms.err.invalid" : result.formError)) : undefined);
  return (
    <div className="synonyms-page">
      <p className="muted">
        <Link to="/admin">{t("admin.title")}</Link> / {t("synonyms.title")}
      </p>
      <h1>{t("synonyms.title")}</h1>
      <p className="muted">{t("synonyms.help")}</p>
      {params.get("saved") ? (
        <p className="form-ok" role="status">
          {t("admin.saved")}
        </p>
      ) : null}
      {groups.length === 0 ? <p className="muted">{t("synonyms.none")}</p> : <p className="muted small">{t("synonyms.count", { count: groups.length })}</p>}
      <div className="synonym-groups">
        {groups.map((g) => (
          <section key={g.id} className="panel">
            <FormError message={formErrorFor(g.id)} />
            <Form method="post" className="form" aria-label={g.terms.join(" / ")}>
              <CsrfField />
              <input type="hidden" name="intent" value="update" />
              <input type="hidden" name="id" value={g.id} />
              <Field label={t("synonyms.terms")} name={`terms-${g.id}`} error={errorFor(g.id, "terms")} hint={t("synonyms.termsHint")}>
                <input id={`terms-${g.id}`} name="terms" defaultValue={g.terms.join(", ")} required maxLength={1000} />
              </Field>
              <p className="muted small">{g.updatedBy ? t("synonyms.updated", { date: formatDate(g.updatedAt, locale, true), by: g.updatedBy }) : t("synonyms.default")}</p>
              <div className="actions">
                <button type="submit" className="secondary">
                  {t("admin.save")}
                </button>
              </div>
            </Form>
            <Form method="post" className="inline-form">
              <CsrfField />
              <input type="hidden" name="intent" value="delete" />
              <input type="hidden" name="id" value={g.id} />
              <button type="submit" className="danger">
                {t("admin.delete")}
              </button>
            </Form>
          </section>
        ))}
      </div>
      <h2>{t("synonyms.add")}</h2>
      <FormError message={formErrorFor("new")} />
      <Form method="post" className="form panel">
        <CsrfField />
        <input type="hidden" name="intent" value="create" />
        <Field label={t("synonyms.terms")} name="terms-new" error={errorFor("new", "terms")} hint={t("synonyms.termsHint")}>
          <input id="terms-new" name="terms" required maxLength={1000} />
        </Field>
        <button type="submit">{t("admin.create")}</button>
      </Form>
      <Form method="post" className="inline-form">
        <CsrfField />
        <input type="hidden" name="intent" value="restore-defaults" />
        <button type="submit" className="secondary">
          {t("synonyms.restore")}
        </button>
      </Form>
    </div>
  );
}
