/**
 * A Word file as the new text of a proposal: mammoth turns it into HTML (as
 * the importer does), the importer's converter into markdown with headings,
 * lists and tables; every image in it becomes an attachment of the draft and
 * stays in its place as ![…](attachments/<name>). Text and images are one
 * commit on the draft's branch: all or nothing. The proposal's diff then
 * shows what changed against the current version.
 */
import type mammothTypes from "mammoth";
import type { AuthUser } from "~/access/session.server";
import { validateBody } from "~/documents/documents.server";
import { htmlToMarkdown } from "~/import/html-to-markdown";
import { draftText } from "~/revisions/drafts.server";
import { getProposal } from "~/revisions/proposals.server";
import { DomainError, msg, ValidationError } from "~/utils/errors.server";
import { getEnv } from "~/utils/env.server";
import { withLock } from "~/utils/lock.server";
import { checkFile, checkName, extensionOf, maxVersionBytes } from "./checks.server";
import { kindOf, sniffType } from "./sniff.server";
import {
  attachmentsAt,
  commitDraftAttachments,
  freeName,
  LOCK,
  requireDraftEditor,
  sha256Of,
  totalBytes,
  type AttachmentInfo,
} from "./store.server";

const IMAGE_EXT: Record<string, string> = { "image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp" };

export interface WordResult {
  name: string;
  /** The images of the Word file, now attachments of the draft. */
  images: AttachmentInfo[];
  markdown: string;
}

/** Replaces a draft's text with a Word file's; its images become attachments. */
export async function replaceTextWithWord(user: AuthUser, proposalId: string, input: { name: string; bytes: Buffer }): Promise<WordResult> {
  const name = checkName(input.name);
  if (extensionOf(name) !== "docx" || kindOf(await sniffType(input.bytes, name)) !== "docx") {
    throw new ValidationError(msg("attachments.err.notWord"), { file: "invalid" });
  }
  await checkFile(name, input.bytes); // size, emptiness, zip bomb
  const stem = name.replace(/\.docx$/i, "").replace(/\s+/g, "-").slice(0, 60) || "word";
  const images: { bytes: Buffer; type: string; wanted: string }[] = [];
  let html: string;
  try {
    const mammoth = (await import("mammoth")).default;
    const result = await mammoth.convertToHtml(
      { buffer: input.bytes },
      {
        externalFileAccess: false,
        convertImage: mammoth.images.imgElement(async (image) => {
          const bytes = Buffer.from(await image.read("base64"), "base64");
          const type = await sniffType(bytes);
          const ext = IMAGE_EXT[type];
          if (!ext) return { src: "" };
          const wanted = `${stem}-image-${images.length + 1}.${ext}`;
          images.push({ bytes, type, wanted });
          return { src: `attachments/${wanted}`, alt: (image as { altText?: string }).altText ?? "" };
        }),
      } as Parameters<typeof mammothTypes.convertToHtml>[1],
    );
    html = result.value;
  } catch {
    throw new ValidationError(msg("attachments.err.badOffice", { name }), { file: "invalid" });
  }
  return withLock(LOCK, async () => {
    const p = getProposal(proposalId);
    requireDraftEditor(user, p);
    const list = await attachmentsAt(p.headCommit, p.number);
    const taken = new Set(list.map((e) => e.name));
    const renamed = new Map<string, string>();
    const added: AttachmentInfo[] = [];
    for (const img of images) {
      const sha256 = sha256Of(img.bytes);
      const same = list.find((e) => e.sha256 === sha256);
      const finalName = same ? same.name : freeName(img.wanted, taken);
      taken.add(finalName);
      renamed.set(img.wanted, finalName);
      if (!same) added.push({ name: finalName, size: img.bytes.length, sha256, type: img.type });
    }
    const converted = htmlToMarkdown(html, { keepImages: true }).markdown;
    const body = converted.replace(/\]\(<attachments\/([^>]+)>\)/g, (m, n: string) => (renamed.has(n) ? `](<attachments/${renamed.get(n)}>)` : m));
    if (!body.trim()) throw new ValidationError(msg("attachments.err.wordEmpty"), { file: "invalid" });
    validateBody(body);
    const next = [...list, ...added];
    const total = totalBytes(next);
    if (total > maxVersionBytes()) {
      throw new DomainError("too_large", msg("attachments.err.versionTooLarge", { mb: (total / 1024 / 1024).toFixed(1), limit: getEnv().ATTACHMENT_VERSION_MAX_MB }));
    }
    await commitDraftAttachments(
      user,
      p,
      next,
      images.map((img) => ({ sha256: sha256Of(img.bytes), bytes: img.bytes })),
      `text from ${name}`,
      draftText(p.meta, body),
    );
    return { name, images: next.filter((e) => added.includes(e) || [...renamed.values()].includes(e.name)), markdown: body };
  });
}
