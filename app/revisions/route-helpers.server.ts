/** Small helpers shared by the revision routes' actions. */
import { data, redirect } from "@remix-run/node";
import type { AuthUser } from "~/access/session.server";
import { previewWithReferences } from "./citation-preview.server";
import { checkCreateAndSubmit, createProposal, type CreateProposalInput } from "./commands/create.server";
import { submitProposal } from "./commands/submit.server";

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
    preview: previewWithReferences(body, undefined, proposalId ? { attachmentBase: `/proposals/${proposalId}/` } : {}).html,
    values,
    fieldErrors: {} as Record<string, string>,
    formError: undefined as string | undefined,
  });
}

/**
 * Creates a proposal from a form and, for "Save and submit", submits it. Everything is checked
 * before anything is created, so a proposal that cannot go leaves no number or draft behind; a
 * submission refused after creation sends the editor to the saved proposal with a notice.
 */
export async function createFromForm(user: AuthUser, input: CreateProposalInput, submit: boolean) {
  if (submit) await checkCreateAndSubmit(user, input);
  const created = await createProposal(user, input);
  if (submit) {
    try {
      await submitProposal(user, created.id);
    } catch {
      return redirect(`/proposals/${created.id}?notSubmitted=1`);
    }
  }
  return redirect(`/proposals/${created.id}`);
}
