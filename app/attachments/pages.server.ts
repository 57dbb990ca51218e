/** What the attachment pages show: a draft's attachments with what may be done to them, and a version's. */
import type { AuthUser } from "~/access/session.server";
import { logProposalView, requireVisibleProposal } from "~/revisions/proposals.server";
import { EDITABLE_STATUSES } from "~/revisions/types";
import { getEnv } from "~/utils/env.server";
import { latestVersion, versionsOf } from "~/documents/version-index.server";
import { attachmentChanges, attachmentTextDiffs, type AttachmentChange } from "./changes.server";
import { translate } from "~/i18n/i18n";
import { fieldTexts, pageLocale } from "~/web/http.server";
import { AttachmentForm, readAttachmentForm } from "./forms.server";
import { addDraftAttachment, attachmentsAt, baseAttachments, markdownFor, removeDraftAttachment, type AttachmentInfo } from "./store.server";
import { replaceTextWithWord } from "./word.server";

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

export interface ProposalAttachmentChange extends AttachmentChange {
  beforeHref?: string;
  afterHref?: string;
}

/**
 * What a proposal does to the attachments, for its page: against the current
 * version while it is open, against the version before once published; with
 * image URLs for a before/after preview and text diffs of Word and Excel files.
 */
export async function proposalAttachmentView(user: AuthUser, id: string) {
  const p = requireVisibleProposal(user, id);
  let from: { commit: string; version: number } | null = null;
  let to: { commit: string; base: string };
  const versions = versionsOf(p.number);
  const published = p.status === "published" && p.publishedVersion ? versions.find((v) => v.version === p.publishedVersion) : undefined;
  if (published) {
    const prev = versions.find((v) => v.version === published.version - 1);
    from = prev ? { commit: prev.commit, version: prev.version } : null;
    to = { commit: published.commit, base: `/docs/${p.number}/v/${published.version}/attachments/` };
  } else {
    const current = latestVersion(p.number);
    from = current ? { commit: current.commit, version: current.version } : null;
    to = { commit: p.headCommit, base: `/proposals/${p.id}/attachments/` };
  }
  const before = from ? await attachmentsAt(from.commit, p.number) : [];
  const after = await attachmentsAt(to.commit, p.number);
  const changes = attachmentChanges(before, after);
  const textDiffs = await attachmentTextDiffs(p.number, from?.commit ?? null, to.commit, changes);
  const fromBase = from ? `/docs/${p.number}/v/${from.version}/attachments/` : "";
  return {
    count: after.length,
    changes: changes.map(
      (c): ProposalAttachmentChange => ({
        ...c,
        beforeHref: c.before && fromBase ? `${fromBase}${encodeURIComponent(c.name)}` : undefined,
        afterHref: c.after ? `${to.base}${encodeURIComponent(c.name)}` : undefined,
      }),
    ),
    textDiffs,
    manage: `/proposals/${p.id}/files`,
    canEdit: p.author.id === user.id && EDITABLE_STATUSES.includes(p.status) && p.kind !== "retire",
  };
}

/**
 * What changed in the attachments between two versions, for the version diff
 * (the same rows the proposal page shows, with links to each side's file).
 * The records come from the diff the reader was allowed to open (history
 * access, which sections-only grants never give), so every file is theirs to see.
 */
export async function versionDiffAttachments(
  number: string,
  from: { version: number; commit: string },
  to: { version: number; commit: string },
): Promise<{ changes: ProposalAttachmentChange[]; count: number; textDiffs: Awaited<ReturnType<typeof attachmentTextDiffs>> }> {
  const [before, after] = await Promise.all([attachmentsAt(from.commit, number), attachmentsAt(to.commit, number)]);
  const changes = attachmentChanges(before, after);
  const href = (version: number, name: string) => `/docs/${number}/v/${version}/attachments/${encodeURIComponent(name)}`;
  return {
    count: after.length,
    changes: changes.map((c) => ({ ...c, beforeHref: c.before ? href(from.version, c.name) : undefined, afterHref: c.after ? href(to.version, c.name) : undefined })),
    textDiffs: await attachmentTextDiffs(number, from.commit, to.commit, changes),
  };
}

/**
 * One post of the attachment forms (upload, replace, remove, or a Word file
 * as the new text): what to answer a script (json) and where to send a
 * browser without one (redirect). Domain errors are thrown to the caller.
 */
export async function attachmentAction(user: AuthUser, id: string, request: Request): Promise<{ ok: boolean; json: unknown; redirect: string }> {
  const form = await readAttachmentForm(request, AttachmentForm);
  const page = `/proposals/${id}/files`;
  if (!form.ok) {
    const locale = pageLocale();
    return {
      ok: false,
      json: { error: { code: "bad_request", message: translate(locale, "form.invalid"), fieldErrors: fieldTexts(form.fieldErrors, locale) } },
      redirect: `${page}?error=${encodeURIComponent(Object.values(form.fieldErrors)[0] ?? "form.invalid")}`,
    };
  }
  const v = form.value;
  if (v.intent === "remove") {
    await removeDraftAttachment(user, id, v.name ?? "", v.expected);
    return { ok: true, json: { removed: v.name }, redirect: `${page}?removed=${encodeURIComponent(v.name ?? "")}` };
  }
  if (v.intent === "word") {
    const result = await replaceTextWithWord(user, id, { name: v.file.name, bytes: v.file.bytes });
    // The proposal page says what happened: the text was replaced, and how many images came with it.
    const told = new URLSearchParams({ done: "word", word: result.name, images: String(result.images.length) });
    return { ok: true, json: result, redirect: `/proposals/${id}?${told}` };
  }
  const stored = await addDraftAttachment(user, id, { name: v.file.name, bytes: v.file.bytes, replace: v.replace, expected: v.expected });
  return { ok: true, json: stored, redirect: `${page}?${v.replace ? "replaced" : "added"}=${encodeURIComponent(stored.name)}` };
}
