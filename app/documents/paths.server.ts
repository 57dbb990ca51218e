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
