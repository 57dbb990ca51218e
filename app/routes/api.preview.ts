import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { renderMarkdown } from "~/documents/render.server";
import { getEnv } from "~/utils/env.server";
import { DomainError, ValidationError } from "~/utils/errors.server";
import { api } from "~/utils/http.server";

const PreviewSchema = z.object({ markdown: z.string() });

/** POST /api/preview {markdown} — the editor's live preview: markdown rendered and sanitised like a published document. */
export const action = api(async ({ request }: ActionFunctionArgs) => {
  const limit = getEnv().MAX_DOCUMENT_BYTES;
  if (Number(request.headers.get("Content-Length") ?? 0) > limit * 2 + 1024) throw new DomainError("too_large", "The text is too large to preview");
  const parsed = PreviewSchema.safeParse(await request.json().catch(() => null));
  if (!parsed.success) throw new ValidationError('Send {"markdown": "…"}', { markdown: "required" });
  if (Buffer.byteLength(parsed.data.markdown, "utf8") > limit) throw new DomainError("too_large", "The text is too large to preview");
  const { html, toc } = renderMarkdown(parsed.data.markdown);
  return { html, toc };
});

export async function loader() {
  return new Response("Method not allowed", { status: 405, headers: { Allow: "POST" } });
}
