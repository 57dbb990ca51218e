import { pageTitle } from "~/components/page-title";
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { requireRole } from "~/access/guards.server";
import { labelMaps } from "~/documents/labels.server";
import { getConfig } from "~/documents/config.server";
import { CONFIDENTIALITY } from "~/documents/front-matter";
import { createImportJob, listImportJobs, startImportJob } from "~/import/jobs.server";
import { summarizeReports } from "~/import/import.server";
import { readUpload } from "~/import/upload.server";
import { CsrfField } from "~/components/csrf-field";
import { Field, FormError } from "~/components/field";
import { nameOf } from "~/components/labels";
import { formatDate } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import { actionError, invalid, page } from "~/web/http.server";
import importCss from "~/styles/import.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: importCss }];
export const meta = pageTitle("import.admin");

export const loader = page(async ({ request }: LoaderFunctionArgs) => {
  await requireRole(request, "admin");
  const config = getConfig();
  return {
    categories: config.categories.map((c) => c.code),
    types: config.types.map((t) => t.code),
    labels: labelMaps(),
    jobs: listImportJobs(15).map((j) => ({
      id: j.id,
      createdAt: j.createdAt,
      by: j.by,
      status: j.status,
      total: j.total,
      summary: summarizeReports(j.reports),
    })),
  };
});

export async function action({ request }: ActionFunctionArgs) {
  try {
    const user = await requireRole(request, "admin");
    const upload = await readUpload(request);
    if (!upload.ok) return invalid(upload.fieldErrors);
    const job = await createImportJob(user, upload.input);
    if (upload.intent === "import") await startImportJob(user, job.id);
    return redirect(`/admin/import/${job.id}`);
  } catch (error) {
    return actionError(error);
  }
}

export default function AdminImport() {
  const { categories, types, labels, jobs } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as { formError?: string; fieldErrors?: Record<string, string> } | undefined;
  const navigation = useNavigation();
  const t = useT();
  const locale = useLocale();
  const fe = result?.fieldErrors ?? {};
  const busy = navigation.state === "submitting";
  return (
    <div className="import-page">
      <p className="muted">
        <Link to="/admin">{t("admin.title")}</Link> / {t("import.admin")}
      </p>
      <h1>{t("import.title")}</h1>
      <p className="muted">{t("import.intro")}</p>
      <FormError message={result?.formError} />
      <Form method="post" encType="multipart/form-data" className="form panel">
        <CsrfField />
        <Field label={t("import.files")} name="files" error={fe.files} hint={t("import.filesHint")}>
          <input id="files" name="files" type="file" multiple accept=".md,.markdown,.docx,.yaml,.yml,.json" />
        </Field>
        <div className="field">
          <label htmlFor="folder">{t("import.folder")}</label>
          {/* webkitdirectory is not in React's typings; browsers without it show a plain picker. */}
          <input id="folder" name="files" type="file" multiple {...{ webkitdirectory: "", directory: "" }} />
        </div>
        <Field label={t("import.mapping")} name="mapping" error={fe.mapping} hint={t("import.mappingHint")}>
          <input id="mapping" name="mapping" type="file" accept=".yaml,.yml,.json" />
        </Field>
        <Field label={t("import.category")} name="category" error={fe.category}>
          <select id="category" name="category" defaultValue="">
            <option value="">{t("import.categoryFromFiles")}</option>
            {categories.map((c) => (
              <option key={c} value={c}>
                {c} · {nameOf(labels.categories, c, locale)}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t("import.type")} name="type" error={fe.type}>
          <select id="type" name="type" defaultValue="manual">
            {types.map((c) => (
              <option key={c} value={c}>
                {nameOf(labels.types, c, locale)}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t("import.owner")} name="ownerDepartment" error={fe.ownerDepartment}>
          <select id="ownerDepartment" name="ownerDepartment" defaultValue="">
            <option value="">{t("import.ownerDefault")}</option>
            {Object.keys(labels.departments).map((d) => (
              <option key={d} value={d}>
                {nameOf(labels.departments, d, locale)}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t("import.confidentiality")} name="confidentiality" error={fe.confidentiality}>
          <select id="confidentiality" name="confidentiality" defaultValue="internal">
            {CONFIDENTIALITY.map((c) => (
              <option key={c} value={c}>
                {t(`doc.conf.${c}`)}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t("import.duplicatesPolicy")} name="duplicates" error={fe.duplicates} hint={t("import.duplicatesPolicyHint")}>
          <select id="duplicates" name="duplicates" defaultValue="import">
            {(["import", "skip", "merge"] as const).map((p) => (
              <option key={p} value={p}>
                {t(`import.policy.${p}`)}
              </option>
            ))}
          </select>
        </Field>
        <div className="actions">
          <button type="submit" name="intent" value="check" disabled={busy}>
            {t("import.check")}
          </button>
          <button type="submit" name="intent" value="import" className="secondary" disabled={busy}>
            {t("import.run")}
          </button>
        </div>
      </Form>

      <h2>{t("import.recent")}</h2>
      {jobs.length === 0 ? (
        <p className="muted">{t("import.none")}</p>
      ) : (
        <div className="table-wrap">
          <table className="list">
            <thead>
              <tr>
                <th scope="col">{t("import.when")}</th>
                <th scope="col">{t("import.by")}</th>
                <th scope="col">{t("import.status")}</th>
                <th scope="col">{t("import.result")}</th>
              </tr>
            </thead>
            <tbody>
              {jobs.map((j) => (
                <tr key={j.id}>
                  <td>
                    <Link to={`/admin/import/${j.id}`}>{formatDate(j.createdAt, locale, true)}</Link>
                  </td>
                  <td>{j.by}</td>
                  <td>{t(`import.status.${j.status}`)}</td>
                  <td>
                    {j.status === "planned" || j.status === "discarded"
                      ? t("import.summaryPlan", { ready: j.summary.ready, skipped: j.summary.skipped + j.summary.failed, total: j.total })
                      : t("import.summary", { imported: j.summary.imported, skipped: j.summary.skipped, failed: j.summary.failed, total: j.total })}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
