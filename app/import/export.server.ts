/**
 * Export of the current versions as markdown files with front matter, read
 * straight from the repository's main line (read-only, so it may run while
 * the portal is serving). Files land in <folder>/<CATEGORY>/<NUMBER>.md and
 * can be imported again as they are. A document's attachments (those of its
 * current version) go beside it: the files under <NUMBER>.attachments/ with
 * their names, and <NUMBER>.attachments.json listing name, size, SHA-256 and
 * type, which the import checks them against (decision 114).
 */
import fs from "node:fs";
import path from "node:path";
import { parseDocument } from "~/documents/front-matter";
import { parseNumber } from "~/documents/numbering.server";
import { listFilesAt, readBlobText, readFileBytesAt, resolveRef } from "~/documents/repo.server";
import { attachmentFilePath, attachmentsAt } from "~/documents/attachment-manifest.server";
import { DomainError, msg } from "~/utils/errors.server";

export interface ExportReport {
  head: string;
  written: { number: string; file: string; retired: boolean; attachments: number }[];
  skippedRetired: number;
}

/** Writes every current document (retired ones too with `includeRetired`) to `folder`. */
export async function exportCurrent(folder: string, options: { includeRetired?: boolean } = {}): Promise<ExportReport> {
  const head = await resolveRef();
  if (!head) throw new DomainError("not_found", msg("documents.err.emptyRepository"));
  const files = await listFilesAt(head, "documents");
  const written: ExportReport["written"] = [];
  let skippedRetired = 0;
  fs.mkdirSync(folder, { recursive: true });
  for (const f of files.sort((a, b) => a.path.localeCompare(b.path, "en", { numeric: true }))) {
    const number = path.posix.basename(f.path, ".md");
    const parsed = parseNumber(number);
    if (!parsed || !f.path.endsWith(".md")) continue;
    const text = await readBlobText(f.oid);
    const { meta } = parseDocument(text);
    if (meta.retired && !options.includeRetired) {
      skippedRetired++;
      continue;
    }
    const rel = path.join(parsed.category, `${number}.md`);
    fs.mkdirSync(path.join(folder, parsed.category), { recursive: true });
    fs.writeFileSync(path.join(folder, rel), text);
    const attachments = await attachmentsAt(head, number);
    if (attachments.length) {
      const dir = path.join(folder, parsed.category, `${number}.attachments`);
      fs.mkdirSync(dir, { recursive: true });
      for (const a of attachments) {
        const bytes = await readFileBytesAt(head, attachmentFilePath(number, a.sha256));
        if (!bytes) throw new DomainError("unavailable", msg("attachments.err.missingFile", { name: a.name }));
        // Names were checked on upload (no separators, no control characters): safe as file names.
        fs.writeFileSync(path.join(dir, a.name), bytes);
      }
      fs.writeFileSync(path.join(folder, parsed.category, `${number}.attachments.json`), `${JSON.stringify(attachments, null, 2)}\n`);
    }
    written.push({ number, file: rel, retired: meta.retired, attachments: attachments.length });
  }
  return { head, written, skippedRetired };
}
