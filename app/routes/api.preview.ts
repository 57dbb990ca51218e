import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { renderMarkdown } from "~/documents/render.server";
import { getEnv } from "~/utils/env.server";
import { DomainError, msg, ValidationError } from "~/utils/errors.server";
import { api, methodNotAllowed } from "~/web/http.server";

// `proposal`: the draft whose attachments `attachments/<name>` references show.
const PreviewSchema = z.object({ markdown: z.string(), proposal: z.string().regex(/^[A-Za-z0-9-]{1,40}$/).optional() });

/** POST /api/preview {markdown} — the editor's live preview: markdown rendered and sanitised like a published document. */
export const action = api(async ({ request }: ActionFunctionArgs) => {
  const limit = getEnv().MAX_DOCUMENT_BYTES;
  if (Number(request.headers.get("Content-Length") ?? 0) > limit * 2 + 1024) throw new DomainError("too_large", msg("revisions.err.previewTooLarge"));
  const parsed = PreviewSchema.safeParse(await request.json().catch(() => null));
  if (!parsed.success) throw new ValidationError(msg("revisions.err.previewBody"), { markdown: "required" });
  if (Buffer.byteLength(parsed.data.markdown, "utf8") > limit) throw new DomainError("too_large", msg("revisions.err.previewTooLarge"));
  const { proposal } = parsed.data;
  const { html, toc } = renderMarkdown(parsed.data.markdown, proposal ? { attachmentBase: `/proposals/${proposal}/` } : {});
  return { html, toc };
});

export async function loader() {
  return methodNotAllowed("POST");
}
