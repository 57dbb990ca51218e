/** Small helpers shared by the revision routes' actions. */
import { data } from "@remix-run/node";
import { renderMarkdown } from "~/documents/render.server";

/** The submitted fields (without the CSRF token), to put back into a form that is shown again. */
export function formValues(form: FormData): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(form.keys())) {
    if (key === "_csrf") continue;
    const all = form.getAll(key).map(String);
    out[key.replace(/\[\]$/, "")] = all.length > 1 || key.endsWith("[]") ? all : all[0];
  }
  return out;
}

/** The answer to a "Preview" press without JavaScript: the rendered text and the form as it was. */
export function previewResponse(form: FormData, proposalId?: string) {
  const values = formValues(form);
  const body = typeof values.body === "string" ? values.body : "";
  return data({
    ok: true as const,
    preview: renderMarkdown(body, proposalId ? { attachmentBase: `/proposals/${proposalId}/` } : {}).html,
    values,
    fieldErrors: {} as Record<string, string>,
    formError: undefined as string | undefined,
  });
}
