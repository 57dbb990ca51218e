/**
 * Attachments of a document belong to its versions. They live in the
 * repository beside the text (attachments/<CATEGORY>/<NUMBER>/: manifest.json
 * and files/<sha256>), so the commit that publishes a version carries the
 * attachments it has, and every old version keeps the ones it had. They are
 * added, replaced and removed only on a proposal's draft branch; publication
 * takes the draft's folder whole into the main-line commit (decision 094).
 * Git is reached only through documents/repo.server.ts.
 */
import { createHash } from "node:crypto";
import type { AuthUser } from "~/access/session.server";
import { mutableCollection, updateDb } from "~/data/db.server";
import { documentPath } from "~/documents/paths.server";
import { attachmentFilePath, attachmentsAt, manifestPath, manifestText, rememberManifest, type AttachmentInfo } from "~/documents/attachment-manifest.server";
import { commitFiles, formatMessage, readFileBytesAt, rewindBranch, RefMovedError, type FileChange } from "~/documents/repo.server";
import { versionsOf } from "~/documents/version-index.server";
import { getProposal } from "~/revisions/proposals.server";
import { EDITABLE_STATUSES, type Proposal } from "~/revisions/types";
import { now, nowIso } from "~/utils/clock.server";
import { AccessDeniedError, ConflictError, DomainError, msg, NotFoundError, ValidationError } from "~/utils/errors.server";
import { withLock } from "~/utils/lock.server";
import { checkFile, checkName, extensionOf, maxVersionBytes } from "./checks.server";
import { isInlineImage } from "./sniff.server";
import { getEnv } from "~/utils/env.server";

export type { AttachmentInfo };
export { attachmentsAt };

/** An attachment just stored on a draft, with the markdown that shows or links it. */
export interface StoredAttachment extends AttachmentInfo {
  markdown: string;
}

// Same lock as the proposal verbs: a draft's branch and its record move together.
export const LOCK = "revisions";

const filePath = attachmentFilePath;

/** One attachment's bytes at a commit; NotFoundError when the name is not there. */
export async function readAttachmentAt(commit: string, number: string, name: string): Promise<{ info: AttachmentInfo; bytes: Buffer }> {
  const info = (await attachmentsAt(commit, number)).find((e) => e.name === name.normalize("NFC"));
  if (!info) throw new NotFoundError(msg("attachments.err.noAttachment", { name: String(name).slice(0, 200) }));
  const bytes = await readFileBytesAt(commit, filePath(number, info.sha256));
  if (!bytes) throw new DomainError("unavailable", msg("attachments.err.missingFile", { name: info.name }));
  return { info, bytes };
}

function versionRecord(number: string, version: number) {
  const record = versionsOf(number).find((v) => v.version === version);
  if (!record) throw new NotFoundError(msg("documents.err.noVersion", { number, version }));
  return record;
}

/** The attachments version `version` of a document has. */
export async function listAttachments(number: string, version: number): Promise<AttachmentInfo[]> {
  return attachmentsAt(versionRecord(number, version).commit, number);
}

/** The bytes of one attachment of a version. Access is the caller's to check. */
export async function readAttachment(number: string, version: number, name: string): Promise<Buffer> {
  return (await readAttachmentAt(versionRecord(number, version).commit, number, name)).bytes;
}

/** The attachments of a proposal's draft (as they would be published). */
export async function listDraftAttachments(proposalId: string): Promise<AttachmentInfo[]> {
  const p = getProposal(proposalId);
  return attachmentsAt(p.headCommit, p.number);
}

/** One attachment of a proposal's draft. Visibility of the proposal is the caller's to check. */
export async function readDraftAttachment(proposalId: string, name: string): Promise<{ info: AttachmentInfo; bytes: Buffer }> {
  const p = getProposal(proposalId);
  return readAttachmentAt(p.headCommit, p.number, name);
}

/** The attachments of the version a proposal started from (none for a new document). */
export async function baseAttachments(p: Pick<Proposal, "baseCommit" | "number">): Promise<AttachmentInfo[]> {
  return p.baseCommit ? attachmentsAt(p.baseCommit, p.number) : [];
}

// ---- markdown ---------------------------------------------------------------------

/** The markdown that shows an attachment: an image for raster images, a link otherwise. */
export function markdownFor(info: Pick<AttachmentInfo, "name" | "type">): string {
  const target = `attachments/${info.name}`;
  const dest = /[\s()[\]]/.test(target) ? `<${target}>` : target;
  const label = info.name.replace(/([[\]\\])/g, "\\$1");
  if (isInlineImage(info.type)) {
    const alt = label.replace(/\.[^.]+$/, "");
    return `![${alt}](${dest})`;
  }
  return `[${label}](${dest})`;
}

// ---- changing a draft's attachments --------------------------------------------------

/** Throws unless the user may change the proposal's draft now (its author, while it is editable). */
export function requireDraftEditor(user: Pick<AuthUser, "id">, p: Proposal) {
  if (p.author.id !== user.id) throw new AccessDeniedError(msg("revisions.err.authorOnly"));
  if (!EDITABLE_STATUSES.includes(p.status)) {
    throw new ConflictError(
      p.status === "in-review" ? msg("revisions.err.inReview") : msg("revisions.err.noLongerEditable", { status: p.status }),
      { status: p.status },
    );
  }
  if (p.kind === "retire") throw new ConflictError(msg("attachments.err.retire"));
}

export function sha256Of(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export function totalBytes(list: AttachmentInfo[]): number {
  const seen = new Map<string, number>();
  for (const e of list) seen.set(e.sha256, e.size);
  return [...seen.values()].reduce((a, b) => a + b, 0);
}

/** A free name beside the taken ones: "form.docx" → "form-2.docx". */
export function freeName(name: string, taken: Set<string>): string {
  if (!taken.has(name)) return name;
  const ext = extensionOf(name);
  const stem = ext ? name.slice(0, -(ext.length + 1)) : name;
  for (let i = 2; ; i++) {
    const candidate = ext ? `${stem}-${i}.${ext}` : `${stem}-${i}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/**
 * Writes a draft's new attachment list as one commit on its branch and moves
 * the proposal record to it. If the record cannot be saved, the branch is put
 * back: nothing is half-written.
 */
export async function commitDraftAttachments(
  user: Pick<AuthUser, "name" | "email">,
  p: Proposal,
  next: AttachmentInfo[],
  added: { sha256: string; bytes: Buffer }[],
  what: string,
  text?: string,
): Promise<string> {
  const before = await attachmentsAt(p.headCommit, p.number);
  const keep = new Set(next.map((e) => e.sha256));
  const files: FileChange[] = [];
  files.push({ path: manifestPath(p.number), content: manifestText(next) });
  const written = new Set(before.map((e) => e.sha256));
  for (const a of added) {
    if (written.has(a.sha256)) continue;
    written.add(a.sha256);
    files.push({ path: filePath(p.number, a.sha256), content: a.bytes });
  }
  // A new text travels in the same commit (a Word file replacing the text with its images).
  if (text !== undefined) files.push({ path: documentPath(p.number), content: text });
  for (const sha of new Set(before.map((e) => e.sha256))) if (!keep.has(sha)) files.push({ path: filePath(p.number, sha), content: null });
  let commit: string;
  try {
    ({ commit } = await commitFiles({
      ref: p.ref,
      expectedParent: p.headCommit,
      files,
      message: formatMessage(`${p.number}: ${what}`, "", [
        ["Proposal", p.id],
        ["Draft", "yes"],
      ]),
      author: { name: user.name, email: user.email, timestamp: Math.floor(now().getTime() / 1000) },
    }));
  } catch (error) {
    if (error instanceof RefMovedError) throw new ConflictError(msg("attachments.err.draftMoved", { id: p.id }));
    throw error;
  }
  try {
    await updateDb((data) => {
      const rec = mutableCollection<Proposal>(data, "proposals").find((x) => x.id === p.id);
      if (!rec || rec.headCommit !== p.headCommit) throw new ConflictError(msg("attachments.err.draftMoved", { id: p.id }));
      rec.headCommit = commit;
      rec.updatedAt = nowIso();
    });
  } catch (error) {
    await rewindBranch(p.ref, p.headCommit, commit).catch(() => undefined);
    throw error;
  }
  rememberManifest(commit, p.number, [...next].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));
  return commit;
}

export interface AddAttachmentInput {
  /** The file name as uploaded. */
  name: string;
  bytes: Buffer;
  /** Replace this attachment (keeping its name, so the text's references stay right). */
  replace?: string;
  /** The SHA-256 the replaced attachment had when the editor saw it: a different one means someone else changed it. */
  expected?: string;
}

/**
 * Adds (or replaces) an attachment on a proposal's draft. A new file whose
 * name is taken gets a free name ("-2"); the same file again is answered with
 * the one already there. A replacement must name the hash it replaces, so two
 * editors replacing the same attachment cannot overwrite each other unseen.
 */
export async function addDraftAttachment(user: AuthUser, proposalId: string, input: AddAttachmentInput): Promise<StoredAttachment> {
  const replacing = input.replace ? checkName(input.replace) : undefined;
  // The content is checked against the name it will be stored under (a replacement keeps the old name).
  const file = await checkFile(replacing ?? input.name, input.bytes);
  const sha256 = sha256Of(file.bytes);
  return withLock(LOCK, async () => {
    const p = getProposal(proposalId);
    requireDraftEditor(user, p);
    const list = await attachmentsAt(p.headCommit, p.number);
    let info: AttachmentInfo;
    let next: AttachmentInfo[];
    if (replacing) {
      const old = list.find((e) => e.name === replacing);
      if (!old) throw new NotFoundError(msg("attachments.err.noAttachment", { name: replacing }));
      if (!input.expected || input.expected !== old.sha256) {
        throw new ConflictError(msg("attachments.err.changedMeanwhile", { name: replacing }), { current: old.sha256 });
      }
      info = { name: replacing, size: file.bytes.length, sha256, type: file.type };
      if (old.sha256 === sha256) return { ...old, markdown: markdownFor(old) };
      next = list.map((e) => (e.name === replacing ? info : e));
    } else {
      const same = list.find((e) => e.name === file.name && e.sha256 === sha256);
      if (same) return { ...same, markdown: markdownFor(same) };
      info = { name: freeName(file.name, new Set(list.map((e) => e.name))), size: file.bytes.length, sha256, type: file.type };
      next = [...list, info];
    }
    const total = totalBytes(next);
    if (total > maxVersionBytes()) {
      throw new DomainError(
        "too_large",
        msg("attachments.err.versionTooLarge", { mb: (total / 1024 / 1024).toFixed(1), limit: getEnv().ATTACHMENT_VERSION_MAX_MB }),
        { fieldErrors: { file: "too large" } },
      );
    }
    await commitDraftAttachments(user, p, next, [{ sha256, bytes: file.bytes }], replacing ? `replace attachment ${info.name}` : `attach ${info.name}`);
    return { ...info, markdown: markdownFor(info) };
  });
}

/** Removes an attachment from a proposal's draft (`expected`: the hash the editor saw, when given). */
export async function removeDraftAttachment(user: AuthUser, proposalId: string, name: string, expected?: string): Promise<void> {
  const target = checkName(name);
  await withLock(LOCK, async () => {
    const p = getProposal(proposalId);
    requireDraftEditor(user, p);
    const list = await attachmentsAt(p.headCommit, p.number);
    const old = list.find((e) => e.name === target);
    if (!old) throw new NotFoundError(msg("attachments.err.noAttachment", { name: target }));
    if (expected && expected !== old.sha256) throw new ConflictError(msg("attachments.err.changedMeanwhile", { name: target }), { current: old.sha256 });
    await commitDraftAttachments(
      user,
      p,
      list.filter((e) => e !== old),
      [],
      `remove attachment ${target}`,
    );
  });
}

/** Validation error for a missing file field, in the catalogue's words. */
export function noFileError(): ValidationError {
  return new ValidationError(msg("attachments.err.noFile"), { file: "required" });
}
