/** Small helpers shared by the revision routes' actions. */
import { data, redirect } from "@remix-run/node";
import type { AuthUser } from "~/access/session.server";
import { latestVersion } from "~/documents/version-index.server";
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

/** The addresses a preview may point `attachments/<name>` at: a draft's files or a published version's. */
export const ATTACHMENT_BASE = /^\/(proposals\/[A-Za-z0-9-]{1,40}|docs\/[^/?#\s]{1,120}\/v\/\d{1,9})\/$/;

/** Where `attachments/<name>` in the current version's text points (the propose page's preview), if the document has a version. */
export function currentAttachmentBase(number: string): string | undefined {
  const version = latestVersion(number)?.version;
  return version ? `/docs/${encodeURIComponent(number)}/v/${version}/` : undefined;
}

/** The answer to a "Preview" press without JavaScript: the rendered text and the form as it was.
 *  `proposalOrBase` is a proposal's id or an attachment base (see ATTACHMENT_BASE). */
export function previewResponse(form: FormData, proposalOrBase?: string) {
  const values = formValues(form);
  const body = typeof values.body === "string" ? values.body : "";
  const base = proposalOrBase === undefined ? undefined : proposalOrBase.startsWith("/") ? proposalOrBase : `/proposals/${proposalOrBase}/`;
  return data({
    ok: true as const,
    preview: previewWithReferences(body, undefined, base ? { attachmentBase: base } : {}).html,
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
