import { parseNumber } from "./numbering.server";
import { msg, NotFoundError } from "~/utils/errors.server";

/**
 * Where a document lives in the repository: documents/<CATEGORY>/<NUMBER>.md.
 * Only well-formed numbers produce a path, which closes off path tricks.
 */
export function documentPath(number: string): string {
  const parsed = parseNumber(number);
  if (!parsed) throw new NotFoundError(msg("documents.err.notANumber", { number: String(number).slice(0, 40) }));
  return `documents/${parsed.category}/${number}.md`;
}

/**
 * Where a document's attachments live in the repository:
 * attachments/<CATEGORY>/<NUMBER>/ with a manifest.json (names, sizes, hashes,
 * types) and the files themselves under files/<sha256>. Kept outside
 * documents/ so everything that reads documents sees only markdown.
 */
export function attachmentDir(number: string): string {
  const parsed = parseNumber(number);
  if (!parsed) throw new NotFoundError(msg("documents.err.notANumber", { number: String(number).slice(0, 40) }));
  return `attachments/${parsed.category}/${number}`;
}
