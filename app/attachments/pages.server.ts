/** What the attachment pages show: a draft's attachments with what may be done to them, and a version's. */
import type { AuthUser } from "~/access/session.server";
import { logProposalView, requireVisibleProposal } from "~/revisions/proposals.server";
import { EDITABLE_STATUSES } from "~/revisions/types";
import { getEnv } from "~/utils/env.server";
import { attachmentChanges, type AttachmentChange } from "./changes.server";
import { attachmentsAt, baseAttachments, markdownFor, type AttachmentInfo } from "./store.server";

export interface DraftAttachmentsPage {
  proposal: { id: string; number: string; title: string; status: string; kind: string };
  canEdit: boolean;
  attachments: (AttachmentInfo & { markdown: string })[];
  changes: AttachmentChange[];
  limits: { fileMb: number; versionMb: number };
}

/** The draft attachments of a proposal the user may see. */
export async function draftAttachmentsPage(user: AuthUser, id: string): Promise<DraftAttachmentsPage> {
  const p = requireVisibleProposal(user, id);
  await logProposalView(user, p, "attachments of");
  const list = await attachmentsAt(p.headCommit, p.number);
  const env = getEnv();
  return {
    proposal: { id: p.id, number: p.number, title: p.meta.title, status: p.status, kind: p.kind },
    canEdit: p.author.id === user.id && EDITABLE_STATUSES.includes(p.status) && p.kind !== "retire",
    attachments: list.map((a) => ({ ...a, markdown: markdownFor(a) })),
    changes: attachmentChanges(await baseAttachments(p), list),
    limits: { fileMb: env.ATTACHMENT_MAX_MB, versionMb: env.ATTACHMENT_VERSION_MAX_MB },
  };
}
