import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { renderMarkdown } from "~/documents/render.server";
import { getEnv } from "~/utils/env.server";
import { DomainError, msg, ValidationError } from "~/utils/errors.server";
import { api, methodNotAllowed } from "~/web/http.server";

const PreviewSchema = z.object({ markdown: z.string() });

/** POST /api/preview {markdown} — the editor's live preview: markdown rendered and sanitised like a published document. */
export const action = api(async ({ request }: ActionFunctionArgs) => {
  const limit = getEnv().MAX_DOCUMENT_BYTES;
  if (Number(request.headers.get("Content-Length") ?? 0) > limit * 2 + 1024) throw new DomainError("too_large", msg("revisions.err.previewTooLarge"));
  const parsed = PreviewSchema.safeParse(await request.json().catch(() => null));
  if (!parsed.success) throw new ValidationError(msg("revisions.err.previewBody"), { markdown: "required" });
  if (Buffer.byteLength(parsed.data.markdown, "utf8") > limit) throw new DomainError("too_large", msg("revisions.err.previewTooLarge"));
  const { html, toc } = renderMarkdown(parsed.data.markdown);
  return { html, toc };
});

export async function loader() {
  return methodNotAllowed("POST");
}
