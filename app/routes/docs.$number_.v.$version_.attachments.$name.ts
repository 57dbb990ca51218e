import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireUser } from "~/access/session.server";
import { openAttachment } from "~/attachments/reading.server";
import { attachmentResponse } from "~/attachments/serve.server";
import { controlledCopy } from "~/attachments/stamp.server";
import { msg, NotFoundError } from "~/utils/errors.server";
import { resource } from "~/web/http.server";

/** A version's attachment (the document's access rules); ?download=1 always downloads, ?copy=controlled stamps PDF and Word files. */
export const loader = resource(async ({ request, params }: LoaderFunctionArgs) => {
  const user = await requireUser(request);
  const v = String(params.version);
  if (!/^\d{1,6}$/.test(v)) throw new NotFoundError(msg("documents.err.notAVersion", { value: v.slice(0, 20) }));
  const url = new URL(request.url);
  const controlled = url.searchParams.get("copy") === "controlled";
  const opened = await openAttachment(user, String(params.number), Number(v), String(params.name), controlled ? "controlled copy" : "attachment");
  if (controlled) {
    const copy = await controlledCopy(user, String(params.number), Number(v), opened);
    return attachmentResponse(request, opened.info, copy.bytes, { download: true, generated: true, fileName: copy.fileName });
  }
  return attachmentResponse(request, opened.info, opened.bytes, { download: url.searchParams.has("download") });
});
