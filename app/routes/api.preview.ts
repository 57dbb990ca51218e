import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { previewWithReferences } from "~/revisions/citation-preview.server";
import { ATTACHMENT_BASE } from "~/revisions/route-helpers.server";
import { getEnv } from "~/utils/env.server";
import { DomainError, msg, ValidationError } from "~/utils/errors.server";
import { api, methodNotAllowed } from "~/web/http.server";
import type { AuthUser } from "~/access/session.server";

// `attachmentBase`: whose files `attachments/<name>` references show — a draft's (/proposals/<id>/) or a version's (/docs/<number>/v/<n>/).
// `proposal` is the older way of naming a draft.
const PreviewSchema = z.object({
  markdown: z.string(),
  proposal: z.string().regex(/^[A-Za-z0-9-]{1,40}$/).optional(),
  attachmentBase: z.string().regex(ATTACHMENT_BASE).optional(),
});

/** POST /api/preview {markdown} — the editor's live preview: markdown rendered and sanitised like a published document. */
export const action = api(async ({ request, user }: ActionFunctionArgs & { user: AuthUser }) => {
  const limit = getEnv().MAX_DOCUMENT_BYTES;
  if (Number(request.headers.get("Content-Length") ?? 0) > limit * 2 + 1024) throw new DomainError("too_large", msg("revisions.err.previewTooLarge"));
  const parsed = PreviewSchema.safeParse(await request.json().catch(() => null));
  if (!parsed.success) throw new ValidationError(msg("revisions.err.previewBody"), { markdown: "required" });
  if (Buffer.byteLength(parsed.data.markdown, "utf8") > limit) throw new DomainError("too_large", msg("revisions.err.previewTooLarge"));
  // Citations of retired or unknown numbers are listed above the preview, and in `brokenReferences` (decision 089).
  const { proposal, attachmentBase } = parsed.data;
  const base = attachmentBase ?? (proposal ? `/proposals/${proposal}/` : undefined);
  const { html, toc, brokenReferences } = previewWithReferences(parsed.data.markdown, user, base ? { attachmentBase: base } : {});
  return { html, toc, brokenReferences };
});

export async function loader() {
  return methodNotAllowed("POST");
}
