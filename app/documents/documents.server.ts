/**
 * The document store's verbs: list, look up, read and render a version, diff
 * texts and publish. It answers "what does version N say", never "may this
 * person read it" (that is reading/). Nothing here knows about HTTP.
 */
import { ByteLru, MB } from "~/utils/byte-lru";
import { getConfig } from "./config.server";
import type { DocumentDiff } from "./diff.server";
import type { FormatOptions, FormattedDiff, FormattedItem } from "./diff-blocks.server";
import { cachedFormattedDiff, cachedFormattedFold, cachedLineDiff } from "./diff-cache.server";
import { canonicalSet, type DocumentMeta, parseDocument, serializeDocument, FrontMatterError } from "./front-matter";
import { parseNumber } from "./numbering.server";
import { attachmentDir, documentPath } from "./paths.server";
import { renderMarkdown, type RenderedDocument } from "./render.server";
import { commitFiles, formatMessage, readBlobText, sharedRemote, withRepositoryWrite, type FileChange } from "./repo.server";
import { followLocked } from "./follow.server";
import {
  allLatest,
  latestVersion,
  recordCommit,
  type ChangeKind,
  type VersionRecord,
} from "./version-index.server";
import { currentAuditAnchor, formatAnchor } from "~/audit/audit.server";
import { getDepartment } from "~/org/users.server";
import { emit } from "./events.server";
import { dayOf } from "~/utils/clock.server";
import { getEnv } from "~/utils/env.server";
import { ConflictError, DomainError, msg, NotFoundError, ValidationError } from "~/utils/errors.server";
import { withLock } from "~/utils/lock.server";
import { hasVisibleCharacter, holdsInvisible, INVISIBLE_TEXT } from "~/utils/visible-text";

/** What anyone signed in may see of a document: number, title, owner and state. */
export interface DocumentSummary {
  number: string;
  title: string;
  category: string;
  type: string;
  ownerDepartment: string;
  confidentiality: DocumentMeta["confidentiality"];
  audienceDepartments: string[];
  version: number;
  effectiveDate?: string;
  nextReviewDate?: string;
  publishedAt: string;
  retired: boolean;
}

export function summarize(record: VersionRecord): DocumentSummary {
  return {
    number: record.number,
    title: record.meta.title,
    category: record.meta.category,
    type: record.meta.type,
    ownerDepartment: record.meta.ownerDepartment,
    confidentiality: record.meta.confidentiality,
    audienceDepartments: record.meta.audienceDepartments,
    version: record.version,
    effectiveDate: record.meta.effectiveDate,
    nextReviewDate: record.meta.nextReviewDate,
    publishedAt: record.date,
    retired: record.meta.retired,
  };
}

// ---- caches (derived from immutable blobs, so never stale) ------------------

// The body is a part of the file's text, which is counted whole.
const contentCache = new ByteLru<{ meta: DocumentMeta; body: string; raw: string }>(24 * MB, (v) => v.raw.length * 2 + 512);
const renderCache = new ByteLru<RenderedDocument>(24 * MB, (v) => v.html.length * 2 + v.toc.length * 128 + 256);

/** Reads and parses a version's file (cached by blob id). */
export async function readVersionContent(record: VersionRecord): Promise<{ meta: DocumentMeta; body: string; raw: string }> {
  const hit = contentCache.get(record.blob);
  if (hit) return hit;
  const raw = await readBlobText(record.blob);
  const { meta, body } = parseDocument(raw);
  const value = { meta, body, raw };
  contentCache.set(record.blob, value);
  return value;
}

/** Where a version's `attachments/<name>` references are served from. */
export function versionAttachmentBase(record: Pick<VersionRecord, "number" | "version">): string {
  return `/docs/${record.number}/v/${record.version}/`;
}

/**
 * Renders a version's markdown (cached by blob id and version: attachment links name the version);
 * `content` is the version as already read, if it was.
 */
export async function renderVersion(record: VersionRecord, content?: { body: string }): Promise<RenderedDocument> {
  const key = `${record.blob}@${record.number}/${record.version}`;
  const hit = renderCache.get(key);
  if (hit) return hit;
  const { body } = content ?? (await readVersionContent(record));
  const rendered = renderMarkdown(body, { attachmentBase: versionAttachmentBase(record) });
  renderCache.set(key, rendered);
  return rendered;
}

// ---- listing ----------------------------------------------------------------

/** Current documents (optionally of one category), sorted by number. */
export function listDocuments(options: { category?: string; includeRetired?: boolean; type?: string; department?: string } = {}): DocumentSummary[] {
  return allLatest()
    .filter((r) => !options.category || r.meta.category === options.category)
    .filter((r) => options.includeRetired || !r.meta.retired)
    .filter((r) => !options.type || r.meta.type === options.type)
    .filter((r) => !options.department || r.meta.ownerDepartment === options.department)
    .map(summarize)
    .sort((a, b) => a.number.localeCompare(b.number, "en", { numeric: true }));
}

/** Per-category counts of current (not retired) documents, in configured order. */
export function categoryCounts(): { code: string; current: number; retired: number }[] {
  const counts = new Map<string, { current: number; retired: number }>();
  for (const r of allLatest()) {
    const c = counts.get(r.meta.category) ?? { current: 0, retired: 0 };
    if (r.meta.retired) c.retired++;
    else c.current++;
    counts.set(r.meta.category, c);
  }
  return getConfig().categories.map((cat) => ({ code: cat.code, ...(counts.get(cat.code) ?? { current: 0, retired: 0 }) }));
}

// ---- lookup ---------------------------------------------------------------------

/** The current record of a document; NotFoundError for malformed or unknown numbers. */
export function requireDocument(number: string): VersionRecord {
  if (!parseNumber(number)) throw new NotFoundError(msg("documents.err.notANumber", { number: String(number).slice(0, 40) }));
  const record = latestVersion(number);
  if (!record) throw new NotFoundError(msg("documents.err.noDocument", { number }));
  return record;
}

// ---- comparing texts ---------------------------------------------------------------

/** Compares arbitrary texts (proposal against current) with the same engine (cached by content, diff-cache.server.ts). */
export function diffBodies(oldBody: string, newBody: string): DocumentDiff {
  return cachedLineDiff(oldBody, newBody);
}

/** The formatted diff of arbitrary texts (proposal against current). */
export function formattedBodies(oldBody: string, newBody: string, options: FormatOptions = {}): FormattedDiff {
  return cachedFormattedDiff(oldBody, newBody, options);
}

/** One folded stretch of formattedBodies, or undefined if there is none with that number. */
export function formattedBodiesFold(oldBody: string, newBody: string, fold: number, options: Pick<FormatOptions, "attachmentBases"> = {}): FormattedItem[] | undefined {
  return cachedFormattedFold(oldBody, newBody, fold, options);
}

// ---- publishing -----------------------------------------------------------------

export interface PublishInput {
  number: string;
  meta: DocumentMeta;
  body: string;
  author: { username: string; name: string; email: string };
  change: ChangeKind;
  summary: string;
  proposal?: string;
  approvedBy?: string[];
  /** Seconds since the epoch (seeding pins history dates). */
  timestamp?: number;
  /** Refuse (409) unless the current version is this one (0 = document must be new). */
  expectedVersion?: number;
  /** The version's attachments are those at this commit (a proposal's draft); unset = kept as they are. */
  attachmentsFrom?: string;
  /** Other files written in the same commit (an imported document's attachment folder). */
  extraFiles?: FileChange[];
}

function addMonths(date: string, months: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.toISOString().slice(0, 10);
}

/** Checks metadata against configuration; throws ValidationError with field messages. */
export function validateMeta(meta: DocumentMeta, options: { checkDepartments?: boolean } = {}): void {
  const errors: Record<string, string> = {};
  const parsed = parseNumber(meta.number);
  const config = getConfig();
  if (!parsed) errors.number = "malformed document number";
  else if (parsed.category !== meta.category) errors.category = `a ${parsed.category} number must stay in category ${parsed.category}`;
  if (!config.categories.some((c) => c.code === meta.category)) errors.category ??= "unknown category";
  if (!config.types.some((t) => t.code === meta.type)) errors.type = "unknown document type";
  if (!meta.title?.trim()) errors.title = "title is required";
  else if (meta.title.length > 200) errors.title = "title is at most 200 characters";
  // Zero-width and text-direction characters would let a title hide or reverse what it says.
  else if (holdsInvisible(meta.title) || !hasVisibleCharacter(meta.title)) errors.title = INVISIBLE_TEXT;
  if (options.checkDepartments !== false) {
    if (!getDepartment(meta.ownerDepartment)) errors.ownerDepartment = "unknown department";
    const unknown = meta.audienceDepartments.filter((d) => !getDepartment(d));
    if (unknown.length) errors.audienceDepartments = `unknown department(s): ${unknown.join(", ")}`;
  }
  if (Object.keys(errors).length) {
    throw new ValidationError(msg("documents.err.detailsInvalid", { problems: Object.entries(errors).map(([k, v]) => `${k}: ${v}`).join("; ") }), errors);
  }
}

/** Checks a body's size and shape. */
export function validateBody(body: string): void {
  const max = getEnv().MAX_DOCUMENT_BYTES;
  const bytes = Buffer.byteLength(body, "utf8");
  if (bytes > max) {
    throw new DomainError("too_large", msg("documents.err.tooLarge", { kb: Math.round(bytes / 1024), limit: Math.round(max / 1024) }), {
      fieldErrors: { body: "too large" },
    });
  }
  if (/\u0000/.test(body)) throw new ValidationError(msg("documents.err.binary"), { body: "binary data" });
  if (!body.trim()) throw new ValidationError(msg("documents.err.empty"), { body: "required" });
}

/**
 * Publishes a version on the main line: one commit with trailers, the version
 * index updated, and `document.published` emitted (search, notifications).
 * The caller has already done approval; this is the single writer of main.
 */
export async function publishVersion(raw: PublishInput): Promise<VersionRecord> {
  // Sets are kept in one canonical order: a reordered audience is not a change (and is not published as one).
  const input = { ...raw, meta: { ...raw.meta, audienceDepartments: canonicalSet(raw.meta.audienceDepartments) } };
  validateMeta(input.meta, { checkDepartments: true });
  validateBody(input.body);
  if (input.meta.number !== input.number) throw new ValidationError(msg("documents.err.numberMismatch"), { number: "mismatch" });
  return withLock("publish", async () => {
    // With a shared remote: one publication at a time across instances, on top of what the others published.
    const { record, previous } = await withRepositoryWrite(() => withLock("follow", () => writeVersion(input)));
    await emit("document.published", { record, previous, actor: input.author.username });
    return record;
  });
}

async function writeVersion(input: PublishInput): Promise<{ record: VersionRecord; previous?: VersionRecord }> {
  {
    if (sharedRemote()) await followLocked({ fetched: true });
    const previous = latestVersion(input.number);
    const currentVersion = previous?.version ?? 0;
    if (input.expectedVersion !== undefined && input.expectedVersion !== currentVersion) {
      throw new ConflictError(
        msg("documents.err.versionMoved", { number: input.number, current: currentVersion, expected: input.expectedVersion }),
        { currentVersion, expectedVersion: input.expectedVersion },
      );
    }
    if (!previous && input.change !== "new") throw new NotFoundError(msg("documents.err.noDocument", { number: input.number }));
    if (previous && input.change === "new") throw new ConflictError(msg("documents.err.exists", { number: input.number }));
    if (previous?.meta.retired && input.change !== "restore") {
      throw new ConflictError(msg("documents.err.retiredRestoreFirst", { number: input.number }));
    }
    const version = currentVersion + 1;
    const when = input.timestamp ? new Date(input.timestamp * 1000) : new Date();
    // The company's date, not UTC's: a publication at 01:00 in Shanghai is effective that day, not the day before.
    const today = dayOf(when);
    const meta: DocumentMeta = {
      ...input.meta,
      retired: input.change === "retire" ? true : input.change === "restore" ? false : input.meta.retired,
      effectiveDate: input.meta.effectiveDate ?? today,
      nextReviewDate: input.meta.nextReviewDate ?? addMonths(input.meta.effectiveDate ?? today, getConfig().reviewIntervalMonths),
    };
    let text: string;
    try {
      text = serializeDocument(meta, input.body);
      parseDocument(text);
    } catch (error) {
      if (error instanceof FrontMatterError) throw new ValidationError(error.message, error.fieldErrors);
      throw error;
    }
    const summary = input.summary.trim() || (input.change === "new" ? "First publication" : "Revision");
    const trailers: [string, string][] = [
      ["Document", input.number],
      ["Version", String(version)],
      ["Change", input.change],
    ];
    if (input.proposal) trailers.push(["Proposal", input.proposal]);
    for (const a of input.approvedBy ?? []) trailers.push(["Approved-by", a]);
    // The audit log's newest entry at this moment: a log later cut short of it disagrees with the repository.
    trailers.push(["Audit-head", formatAnchor(await currentAuditAnchor())]);
    const lines = summary.split("\n");
    const message = formatMessage(`${input.number} v${version}: ${lines[0]}`, lines.slice(1).join("\n"), trailers);
    const path = documentPath(input.number);
    const { commit, blobs } = await commitFiles({
      fresh: true,
      files: [{ path, content: text }, ...(input.extraFiles ?? [])],
      // Attachments travel in the same commit: the draft's folder is taken whole (no file is read or written again).
      trees: input.attachmentsFrom ? [{ path: attachmentDir(input.number), from: input.attachmentsFrom }] : undefined,
      message,
      author: { name: input.author.name, email: input.author.email, timestamp: Math.floor(when.getTime() / 1000) },
    });
    const record: VersionRecord = {
      number: input.number,
      version,
      commit,
      blob: blobs[path],
      date: new Date(Math.floor(when.getTime() / 1000) * 1000).toISOString(),
      authorName: input.author.name,
      authorEmail: input.author.email,
      summary: lines[0].slice(0, 200),
      change: input.change,
      proposal: input.proposal,
      approvedBy: input.approvedBy ?? [],
      meta,
    };
    await recordCommit(record);
    return { record, previous };
  }
}
