/**
 * Three-way merge of a stale proposal's attachments, by name: base = the
 * version the proposal started from, current = the version published
 * meanwhile, proposal = the draft. A file only one side changed (added,
 * removed or replaced) takes that side's change; a file both sides changed
 * to different results (both replaced it with different files, both added
 * the name with different files, one removed what the other replaced) is a
 * conflict the author settles by choosing a side — nothing is dropped
 * silently. The merged list is written into the draft's commit with blobs
 * already in the repository (no file is read again).
 */
import { attachmentFilePath, attachmentsAt, manifestPath, manifestText, type AttachmentInfo } from "~/documents/attachment-manifest.server";
import { blobAt, type FileChange } from "~/documents/repo.server";
import { ValidationError, msg } from "~/utils/errors.server";

export interface AttachmentConflict {
  name: string;
  base?: AttachmentInfo;
  current?: AttachmentInfo;
  proposal?: AttachmentInfo;
}

export interface AttachmentMerge {
  /** The merged list without the conflicting names (each is added by the author's choice). */
  merged: AttachmentInfo[];
  conflicts: AttachmentConflict[];
  /** Names whose change published meanwhile is carried into the proposal. */
  fromCurrent: string[];
}

export type AttachmentChoice = "current" | "proposal";

/** Pure: merges three attachment lists by name. */
export function mergeAttachmentLists(base: AttachmentInfo[], current: AttachmentInfo[], proposal: AttachmentInfo[]): AttachmentMerge {
  const b = new Map(base.map((e) => [e.name, e]));
  const c = new Map(current.map((e) => [e.name, e]));
  const p = new Map(proposal.map((e) => [e.name, e]));
  const merged: AttachmentInfo[] = [];
  const conflicts: AttachmentConflict[] = [];
  const fromCurrent: string[] = [];
  const same = (x?: AttachmentInfo, y?: AttachmentInfo) => (x?.sha256 ?? null) === (y?.sha256 ?? null);
  for (const name of [...new Set([...b.keys(), ...c.keys(), ...p.keys()])].sort()) {
    const [be, ce, pe] = [b.get(name), c.get(name), p.get(name)];
    if (same(ce, pe)) {
      if (pe) merged.push(pe);
    } else if (same(be, pe)) {
      // Only the other publication changed it.
      if (ce) merged.push(ce);
      fromCurrent.push(name);
    } else if (same(be, ce)) {
      if (pe) merged.push(pe);
    } else {
      conflicts.push({ name, base: be, current: ce, proposal: pe });
    }
  }
  return { merged, conflicts, fromCurrent };
}

/** The merged list with the author's choice for every conflict (ValidationError naming the first one missing). */
export function resolveAttachmentMerge(merge: AttachmentMerge, choices: Record<string, AttachmentChoice | undefined>): AttachmentInfo[] {
  const out = [...merge.merged];
  for (const conflict of merge.conflicts) {
    const choice = choices[conflict.name];
    if (choice !== "current" && choice !== "proposal") {
      throw new ValidationError(msg("revisions.err.chooseAttachment", { name: conflict.name }), { attachments: "choose one" });
    }
    const kept = choice === "current" ? conflict.current : conflict.proposal;
    if (kept) out.push(kept);
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The three lists of a proposal's update. */
export async function attachmentMergeOf(number: string, baseCommit: string | null, currentCommit: string, headCommit: string): Promise<AttachmentMerge & { proposal: AttachmentInfo[] }> {
  const [base, current, proposal] = await Promise.all([
    baseCommit ? attachmentsAt(baseCommit, number) : Promise.resolve([]),
    attachmentsAt(currentCommit, number),
    attachmentsAt(headCommit, number),
  ]);
  return { ...mergeAttachmentLists(base, current, proposal), proposal };
}

/**
 * The file changes that turn the draft's attachment folder into `next`:
 * the manifest, the files it gains (blobs found at the current version or the
 * draft), and the removal of files it no longer has. Empty when nothing changes.
 */
export async function attachmentFolderChanges(
  number: string,
  draft: { commit: string; list: AttachmentInfo[] },
  current: string,
  next: AttachmentInfo[],
): Promise<FileChange[]> {
  const key = (l: AttachmentInfo[]) => manifestText(l) ?? "";
  if (key(draft.list) === key(next)) return [];
  const files: FileChange[] = [{ path: manifestPath(number), content: manifestText(next) }];
  const had = new Set(draft.list.map((e) => e.sha256));
  const keep = new Set(next.map((e) => e.sha256));
  for (const sha of keep) {
    if (had.has(sha)) continue;
    const path = attachmentFilePath(number, sha);
    const blob = (await blobAt(current, path)) ?? (await blobAt(draft.commit, path));
    if (!blob) throw new Error(`attachment file ${sha} of ${number} is missing from the repository`);
    files.push({ path, content: null, blob });
  }
  for (const sha of had) if (!keep.has(sha)) files.push({ path: attachmentFilePath(number, sha), content: null });
  return files;
}
