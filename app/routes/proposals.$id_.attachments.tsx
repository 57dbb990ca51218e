import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { requireUser } from "~/access/session.server";
import { AttachmentTable, formatBytes } from "~/components/attachments";
import { CsrfField } from "~/components/csrf-field";
import { FormError } from "~/components/field";
import { useT } from "~/i18n/use-t";
import { AttachmentForm, readAttachmentForm } from "~/attachments/forms.server";
import { draftAttachmentsPage } from "~/attachments/pages.server";
import { addDraftAttachment, removeDraftAttachment } from "~/attachments/store.server";
import { replaceTextWithWord } from "~/attachments/word.server";
import { DomainError } from "~/utils/errors.server";
import { actionError, apiJson, errorText, invalid, page, pageLocale } from "~/web/http.server";
import attachmentsCss from "~/styles/attachments.css?url";
import revisionsCss from "~/styles/revisions.css?url";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: revisionsCss },
  { rel: "stylesheet", href: attachmentsCss },
];

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [{ title: d ? `${d.proposal.id} · Regula` : "Regula" }];

function wantsJson(request: Request): boolean {
  return (request.headers.get("Accept") ?? "").includes("application/json");
}

export const loader = page(async ({ request, params }: LoaderFunctionArgs) => {
  const user = await requireUser(request);
  const d = await draftAttachmentsPage(user, String(params.id));
  if (wantsJson(request)) return apiJson({ attachments: d.attachments }) as never;
  return data(d, { headers: { "Cache-Control": "private, no-store" } });
});

function jsonError(error: unknown): Response {
  if (error instanceof DomainError) {
    const fieldErrors = error.details?.fieldErrors;
    return apiJson({ error: { code: error.code, message: errorText(error, pageLocale()), ...(fieldErrors ? { fieldErrors } : {}) } }, { status: error.status });
  }
  throw error;
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const id = String(params.id);
  const json = wantsJson(request);
  try {
    const form = await readAttachmentForm(request, AttachmentForm);
    if (!form.ok) {
      if (json) return apiJson({ error: { code: "bad_request", message: errorText(new DomainError("bad_request", { key: "form.invalid" }), pageLocale()), fieldErrors: form.fieldErrors } }, { status: 400 });
      return invalid(form.fieldErrors);
    }
    const v = form.value;
    if (v.intent === "remove") {
      await removeDraftAttachment(user, id, v.name ?? "", v.expected);
      if (json) return apiJson({ removed: v.name });
      return redirect(`/proposals/${id}/attachments?removed=${encodeURIComponent(v.name ?? "")}`);
    }
    if (v.intent === "word") {
      const result = await replaceTextWithWord(user, id, { name: v.file.name, bytes: v.file.bytes });
      if (json) return apiJson(result);
      return redirect(`/proposals/${id}?done=saved&word=${encodeURIComponent(v.file.name)}&images=${result.images.length}`);
    }
    const stored = await addDraftAttachment(user, id, { name: v.file.name, bytes: v.file.bytes, replace: v.replace, expected: v.expected });
    if (json) return apiJson(stored);
    const done = v.replace ? "replaced" : "added";
    return redirect(`/proposals/${id}/attachments?${done}=${encodeURIComponent(stored.name)}`);
  } catch (error) {
    if (json) return jsonError(error);
    return actionError(error, {}, request, user);
  }
}

export default function DraftAttachments() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as { formError?: string; fieldErrors?: Record<string, string> } | undefined;
  const t = useT();
  const [params] = useSearchParams();
  const busy = useNavigation().state === "submitting";
  const p = d.proposal;
  const done = (["added", "replaced", "removed"] as const).find((k) => params.get(k));
  const base = `/proposals/${p.id}/attachments`;
  return (
    <article className="revisions attachments-page">
      <p className="muted">
        <Link to="/proposals">{t("revisions.proposals")}</Link> / <Link to={`/proposals/${p.id}`}>{p.id}</Link> / {t("attachments.title")}
      </p>
      <h1>
        {t("attachments.draft")} · <span data-content="">{p.number}</span>
      </h1>
      {done ? (
        <p className="banner banner-ok" role="status">
          {t(`attachments.${done}`, { name: params.get(done) ?? "" })}
        </p>
      ) : null}
      <FormError message={result?.formError ?? result?.fieldErrors?.file} />
      <AttachmentTable
        attachments={d.attachments}
        href={(a) => `${base}/${encodeURIComponent(a.name)}`}
        showMarkdown
        actions={
          d.canEdit
            ? (a) => (
                <div className="attachment-actions">
                  <Form method="post" encType="multipart/form-data" className="inline-form">
                    <CsrfField />
                    <input type="hidden" name="intent" value="upload" />
                    <input type="hidden" name="replace" value={a.name} />
                    <input type="hidden" name="expected" value={a.sha256} />
                    <label className="visually-hidden" htmlFor={`replace-${a.sha256}-${a.name}`}>
                      {t("attachments.replaceWith", { name: a.name })}
                    </label>
                    <input id={`replace-${a.sha256}-${a.name}`} type="file" name="file" required />
                    <button type="submit" disabled={busy}>
                      {t("attachments.replace")}
                    </button>
                  </Form>
                  <Form method="post" className="inline-form">
                    <CsrfField />
                    <input type="hidden" name="intent" value="remove" />
                    <input type="hidden" name="name" value={a.name} />
                    <input type="hidden" name="expected" value={a.sha256} />
                    <button type="submit" className="secondary" disabled={busy}>
                      {t("attachments.remove")}
                    </button>
                  </Form>
                </div>
              )
            : undefined
        }
      />
      {d.canEdit ? (
        <>
          <Form method="post" encType="multipart/form-data" className="form panel">
            <CsrfField />
            <input type="hidden" name="intent" value="upload" />
            <h2 className="h3">{t("attachments.add")}</h2>
            <label htmlFor="attach-file">{t("attachments.name")}</label>
            <input id="attach-file" type="file" name="file" required aria-describedby="attach-hint" />
            <p className="field-hint" id="attach-hint">
              {t("attachments.addHint", { mb: d.limits.fileMb, total: d.limits.versionMb })}
            </p>
            <div className="actions">
              <button type="submit" disabled={busy}>
                {t("attachments.upload")}
              </button>
            </div>
          </Form>
          {p.kind === "revision" || p.kind === "new" ? (
            <Form method="post" encType="multipart/form-data" className="form panel">
              <CsrfField />
              <input type="hidden" name="intent" value="word" />
              <h2 className="h3">{t("attachments.fromWord")}</h2>
              <label htmlFor="word-file">{t("attachments.name")}</label>
              <input id="word-file" type="file" name="file" accept=".docx,application/vnd.openxmlformats-officedocument.wordprocessingml.document" required aria-describedby="word-hint" />
              <p className="field-hint" id="word-hint">
                {t("attachments.fromWordHint")}
              </p>
              <div className="actions">
                <button type="submit" disabled={busy}>
                  {t("attachments.fromWordButton")}
                </button>
              </div>
            </Form>
          ) : null}
        </>
      ) : null}
      <p>
        <Link to={`/proposals/${p.id}`}>{t("attachments.backToProposal", { id: p.id })}</Link>
        {d.attachments.length ? <span className="muted"> · {formatBytes(d.attachments.reduce((s, a) => s + a.size, 0))}</span> : null}
      </p>
    </article>
  );
}
