import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireUser } from "~/access/session.server";
import { attachmentResponse } from "~/attachments/serve.server";
import { readDraftAttachment } from "~/attachments/store.server";
import { logProposalView, requireVisibleProposal } from "~/revisions/proposals.server";
import { resource } from "~/web/http.server";

/** An attachment of a proposal's draft, for those who may see the proposal (previews, review). */
export const loader = resource(async ({ request, params }: LoaderFunctionArgs) => {
  const user = await requireUser(request);
  const p = requireVisibleProposal(user, String(params.id));
  const { info, bytes } = await readDraftAttachment(p.id, String(params.name));
  await logProposalView(user, p, `attachment ${info.name} of`);
  return attachmentResponse(request, info, bytes, { download: new URL(request.url).searchParams.has("download") });
});
