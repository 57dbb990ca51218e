/** Comparing two versions of a document for a reader (history access required). */
import type { BlockChanges, FormatOptions, FormattedDiff, FormattedItem } from "~/documents/diff-blocks.server";
import { cachedBlockChanges, cachedFormattedDiff, cachedFormattedFold, cachedJson, cachedLineDiff } from "~/documents/diff-cache.server";
import type { DiffRow, DocumentDiff } from "~/documents/diff.server";
import { readVersionContent } from "~/documents/documents.server";
import type { DocumentMeta } from "~/documents/front-matter";
import { versionsOf, type VersionRecord } from "~/documents/version-index.server";
import { msg, NotFoundError } from "~/utils/errors.server";
import { requireHistoryAccess, type Reader } from "./open.server";

export interface VersionDiff {
  number: string;
  from: VersionRecord;
  to: VersionRecord;
  diff: DocumentDiff;
  metaChanges: { field: string; from: string; to: string }[];
}

function metaFieldChanges(a: DocumentMeta, b: DocumentMeta) {
  const fields: (keyof DocumentMeta)[] = [
    "title", "type", "ownerDepartment", "confidentiality", "audienceDepartments", "effectiveDate", "nextReviewDate", "retired",
  ];
  const show = (v: unknown) => (Array.isArray(v) ? v.join(", ") : v === undefined ? "" : String(v));
  return fields
    .filter((f) => show(a[f]) !== show(b[f]))
    .map((f) => ({ field: f, from: show(a[f]), to: show(b[f]) }));
}

async function readVersionPair(reader: Reader, number: string, fromVersion: number, toVersion: number, what: string) {
  await requireHistoryAccess(reader, number, `${what} v${fromVersion}..v${toVersion}`);
  const versions = versionsOf(number);
  const from = versions.find((v) => v.version === fromVersion);
  const to = versions.find((v) => v.version === toVersion);
  if (!from || !to) throw new NotFoundError(msg("documents.err.noVersion", { number, version: !from ? fromVersion : toVersion }));
  const [a, b] = await Promise.all([readVersionContent(from), readVersionContent(to)]);
  return { from, to, a, b };
}

/** Compares two versions of a document as source lines (history access required); `withChanges` adds the block-level changes and summary. */
export async function diffVersions(reader: Reader, number: string, fromVersion: number, toVersion: number, options: { withChanges?: boolean } = {}): Promise<VersionDiff & { changes?: BlockChanges }> {
  const { from, to, a, b } = await readVersionPair(reader, number, fromVersion, toVersion, "diff");
  return {
    number, from, to,
    diff: cachedLineDiff(a.body, b.body),
    metaChanges: metaFieldChanges(a.meta, b.meta),
    ...(options.withChanges ? { changes: cachedBlockChanges(a.body, b.body) } : {}),
  };
}

/** Unchanged lines as the compact API gives them: their numbers only (the text is in both versions). */
function compactRow(row: DiffRow): DiffRow {
  return row.kind === "context" ? { kind: "context", oldNo: row.oldNo, newNo: row.newNo } : row;
}

/**
 * The API's answer for two versions, serialised once per pair and form
 * (history access required). `text: "changed"` (the default) leaves the text
 * of unchanged context lines out; `"full"` keeps it, as before.
 */
export async function versionDiffJson(reader: Reader, number: string, fromVersion: number, toVersion: number, text: "changed" | "full"): Promise<string> {
  const { from, to, a, b } = await readVersionPair(reader, number, fromVersion, toVersion, "diff");
  return cachedJson(a.body, b.body, `api:${text}:${number}:${from.version}:${to.version}`, () => {
    const diff = cachedLineDiff(a.body, b.body);
    return {
      number,
      from: from.version,
      to: to.version,
      text,
      metaChanges: metaFieldChanges(a.meta, b.meta),
      diff: text === "full" || diff.tooLarge ? diff : { ...diff, rows: diff.rows.map(compactRow) },
      changes: cachedBlockChanges(a.body, b.body),
    };
  });
}

/** The formatted diff ("what the reader sees") of two versions, with its change summary (history access required). */
export async function formattedVersionDiff(reader: Reader, number: string, fromVersion: number, toVersion: number, options: FormatOptions = {}) {
  const { from, to, a, b } = await readVersionPair(reader, number, fromVersion, toVersion, "diff");
  const diff: FormattedDiff = cachedFormattedDiff(a.body, b.body, options);
  return { number, from, to, diff, metaChanges: metaFieldChanges(a.meta, b.meta) };
}

/** One folded stretch of a formatted version diff, loaded on demand (history access required). */
export async function versionDiffFold(reader: Reader, number: string, fromVersion: number, toVersion: number, fold: number): Promise<FormattedItem[]> {
  const { a, b } = await readVersionPair(reader, number, fromVersion, toVersion, "diff section");
  const items = cachedFormattedFold(a.body, b.body, fold);
  if (!items) throw new NotFoundError(msg("documents.err.noFold", { fold }));
  return items;
}

