/**
 * Bringing a stale proposal up to the current version. The proposal's base,
 * the current version and the draft are merged three ways; a clean result is
 * offered as is, conflicts are shown with both sides and resolved by the
 * author's choices. The result is a new draft commit on the proposal's
 * branch, now based on the current version — approvals have to be given
 * again, since the text changed.
 */
import type { AuthUser } from "~/access/session.server";
import { appendAudit } from "~/audit/audit.server";
import { mutableCollection, updateDb } from "~/data/db.server";
import { diffBodies, readVersionContent } from "~/documents/documents.server";
import type { DocumentDiff } from "~/documents/diff.server";
import type { DocumentMeta } from "~/documents/front-matter";
import { latestVersion, versionsOf } from "~/documents/version-index.server";
import { nowIso } from "~/utils/clock.server";
import { AccessDeniedError, ConflictError, msg, NotFoundError, ValidationError } from "~/utils/errors.server";
import { withLock } from "~/utils/lock.server";
import { readDraft, saveDraft } from "./drafts.server";
import { attachmentFolderChanges, attachmentMergeOf, resolveAttachmentMerge, type AttachmentChoice, type AttachmentMerge } from "./attachment-merge.server";
import type { AttachmentInfo } from "~/documents/attachment-manifest.server";
import { type ConflictChoice, type FieldConflict, type MergeChunk, mergeFields, mergeTexts, resolveMerge, type MergeResult } from "./merge.server";
import { getProposal, isStale, personRef } from "./proposals.server";
import { EDITABLE_STATUSES, type Proposal } from "./types";

export const MERGED_FIELDS = ["title", "type", "confidentiality", "audienceDepartments"] as const;
type MergedField = (typeof MERGED_FIELDS)[number];

export interface MergeView {
  stale: boolean;
  baseVersion: number;
  currentVersion: number;
  /** "merge" for text revisions; "rebase" when the proposal's text does not depend on the base (retire, restore). */
  mode: "merge" | "rebase";
  clean: boolean;
  conflicts: number;
  chunks: MergeChunk[];
  metaConflicts: { field: MergedField; base: string; current: string; proposal: string }[];
  /** Current version → the text the update would produce (clean merges and rebases). */
  diff: DocumentDiff | null;
  /** Attachments changed by the publication meanwhile (and not by the proposal): carried into the proposal. */
  attachmentsFromCurrent: string[];
  /** Attachments both sides changed differently: the author chooses a side for each. */
  attachmentConflicts: { name: string; base: AttachmentSide | null; current: AttachmentSide | null; proposal: AttachmentSide | null }[];
}

export interface AttachmentSide {
  size: number;
  sha256: string;
}

const side = (e?: AttachmentInfo): AttachmentSide | null => (e ? { size: e.size, sha256: e.sha256 } : null);

const show = (v: unknown) => (Array.isArray(v) ? v.join(", ") : v === undefined || v === null ? "" : String(v));

interface Computed {
  view: MergeView;
  result: MergeResult | null;
  meta: DocumentMeta;
  metaConflicts: FieldConflict<MergedField>[];
  body: string | null;
  currentBody: string;
  attachments: AttachmentMerge & { proposal: AttachmentInfo[] };
}

function attachmentView(a: AttachmentMerge) {
  return {
    attachmentsFromCurrent: a.fromCurrent,
    attachmentConflicts: a.conflicts.map((c) => ({ name: c.name, base: side(c.base), current: side(c.current), proposal: side(c.proposal) })),
  };
}

async function compute(p: Proposal): Promise<Computed> {
  const current = latestVersion(p.number);
  if (!current) throw new ConflictError(msg("revisions.err.newNoCurrent"));
  const draft = await readDraft(p.headCommit, p.number);
  const currentContent = await readVersionContent(current);
  const stale = isStale(p);
  const attachments = await attachmentMergeOf(p.number, p.baseCommit, current.commit, p.headCommit);
  if (p.kind === "retire" || p.kind === "restore") {
    const body = p.kind === "retire" ? currentContent.body : draft.body;
    const meta = p.kind === "retire" ? { ...currentContent.meta, retired: true } : { ...draft.meta, ownerDepartment: current.meta.ownerDepartment };
    return {
      view: {
        stale,
        baseVersion: p.baseVersion,
        currentVersion: current.version,
        mode: "rebase",
        clean: attachments.conflicts.length === 0,
        conflicts: attachments.conflicts.length,
        chunks: [],
        metaConflicts: [],
        diff: diffBodies(currentContent.body, body),
        ...attachmentView(attachments),
      },
      attachments,
      result: null,
      meta: strip(meta),
      metaConflicts: [],
      body,
      currentBody: currentContent.body,
    };
  }
  const baseRecord = versionsOf(p.number).find((v) => v.version === p.baseVersion);
  if (!baseRecord) throw new NotFoundError(msg("documents.err.noVersion", { number: p.number, version: p.baseVersion }));
  const baseContent = await readVersionContent(baseRecord);
  const result = mergeTexts(baseContent.body, currentContent.body, draft.body);
  const { merged, conflicts } = mergeFields(strip(baseContent.meta), strip(currentContent.meta), strip(draft.meta), MERGED_FIELDS);
  const meta = { ...merged, ownerDepartment: current.meta.ownerDepartment, retired: false };
  const clean = result.clean && conflicts.length === 0 && attachments.conflicts.length === 0;
  return {
    view: {
      stale,
      baseVersion: p.baseVersion,
      currentVersion: current.version,
      mode: "merge",
      clean,
      conflicts: result.conflicts + conflicts.length + attachments.conflicts.length,
      chunks: result.chunks,
      metaConflicts: conflicts.map((c) => ({ field: c.field, base: show(c.base), current: show(c.current), proposal: show(c.proposal) })),
      diff: result.text !== null ? diffBodies(currentContent.body, result.text) : null,
      ...attachmentView(attachments),
    },
    attachments,
    result,
    meta,
    metaConflicts: conflicts,
    body: result.text,
    currentBody: currentContent.body,
  };
}

function strip(meta: DocumentMeta): DocumentMeta {
  return { ...meta, effectiveDate: undefined, nextReviewDate: undefined };
}

/** What updating the proposal to the current version would do (for the update page). */
export async function mergeView(p: Proposal): Promise<MergeView> {
  return (await compute(p)).view;
}

export interface UpdateChoices {
  /** One choice per text conflict, in order. */
  body?: ConflictChoice[];
  /** Per conflicting metadata field: keep the current value or the proposal's. */
  meta?: Partial<Record<MergedField, "current" | "proposal">>;
  /** Per attachment both sides changed (by name): keep the current version's file or the proposal's. */
  attachments?: Record<string, AttachmentChoice | undefined>;
}

/** Moves the proposal onto the current version with the merged (or resolved) text. */
export async function updateToCurrent(user: AuthUser, id: string, choices: UpdateChoices = {}): Promise<Proposal> {
  return withLock("revisions", async () => {
    const p = getProposal(id);
    if (p.author.id !== user.id) throw new AccessDeniedError(msg("revisions.err.authorUpdate"));
    if (!EDITABLE_STATUSES.includes(p.status)) throw new ConflictError(msg("revisions.err.cannotUpdate", { status: p.status }));
    if (!isStale(p)) throw new ConflictError(msg("revisions.err.alreadyCurrent"));
    const c = await compute(p);
    let body = c.body;
    if (body === null) {
      const needed = c.result?.conflicts ?? 0;
      const given = choices.body ?? [];
      if (given.length !== needed) {
        throw new ValidationError(msg("revisions.err.resolveAll", { needed }), { conflicts: "resolve every conflict" });
      }
      body = resolveMerge(c.result!, given);
    }
    const meta = { ...c.meta };
    for (const conflict of c.metaConflicts) {
      const choice = choices.meta?.[conflict.field];
      if (!choice) throw new ValidationError(msg("revisions.err.chooseField", { field: conflict.field }), { [conflict.field]: "choose one" });
      (meta as unknown as Record<string, unknown>)[conflict.field] = choice === "current" ? conflict.current : conflict.proposal;
    }
    const attachments = resolveAttachmentMerge(c.attachments, choices.attachments ?? {});
    const current = latestVersion(p.number)!;
    const files = await attachmentFolderChanges(p.number, { commit: p.headCommit, list: c.attachments.proposal }, current.commit, attachments);
    const headCommit = await saveDraft({
      files,
      id,
      meta,
      body,
      author: { name: user.name, email: user.email },
      message: `${p.number}: ${id} updated to v${current.version}`,
    });
    const updated = await updateDb((data) => {
      const rec = mutableCollection<Proposal>(data, "proposals").find((x) => x.id === id)!;
      rec.meta = meta;
      rec.headCommit = headCommit;
      rec.baseVersion = current.version;
      rec.baseCommit = current.commit;
      if (rec.status === "needs-update") rec.status = "draft";
      rec.updatedAt = nowIso();
      rec.decisions.push({
        at: nowIso(),
        by: personRef(user),
        decision: "updated",
        version: current.version,
        contentCommit: headCommit,
        conflicts: c.view.clean ? 0 : c.view.conflicts,
      });
      return structuredClone(rec);
    });
    await appendAudit({
      actor: user.username,
      action: "proposal.update",
      object: p.number,
      details: {
        proposal: id,
        from: p.baseVersion,
        to: current.version,
        conflicts: c.view.conflicts,
        ...(c.attachments.fromCurrent.length || c.attachments.conflicts.length
          ? { attachmentsFromCurrent: c.attachments.fromCurrent, attachmentChoices: Object.fromEntries(c.attachments.conflicts.map((x) => [x.name, choices.attachments?.[x.name]])) }
          : {}),
      },
    });
    return updated;
  });
}
