/**
 * Opening a document for a person: the access decision, sections-only
 * rendering and the record of restricted views. Routes, print, the API and
 * the domains ask here; documents/ only says what a version holds.
 */
import { decideRead, type ReadDecision } from "~/access/policy.server";
import { scopeToDecision } from "~/access/sections.server";
import { appendAudit } from "~/audit/audit.server";
import type { User } from "~/data/schema";
import { readVersionContent, renderVersion, requireDocument, summarize, versionAttachmentBase, type DocumentSummary } from "~/documents/documents.server";
import type { DocumentMeta } from "~/documents/front-matter";
import type { RenderedDocument } from "~/documents/render.server";
import { latestVersion, recentVersions, versionsOf, type ChangeKind, type VersionRecord } from "~/documents/version-index.server";
import { AccessDeniedError, msg, NotFoundError } from "~/utils/errors.server";

export type Reader = Pick<User, "id" | "username" | "roles" | "departmentId" | "name">;

export interface RecentChange {
  summary: DocumentSummary;
  version: number;
  date: string;
  change: ChangeKind;
  /** Change summary, only when the reader may read the document. */
  changeSummary?: string;
  readable: boolean;
}

/** Recently published versions, newest first; change summaries hidden where the reader has no access. */
export function recentChanges(reader: Reader, limit = 10): RecentChange[] {
  return recentVersions(limit).map((r) => {
    const latest = latestVersion(r.number)!;
    const readable = decideRead(reader, latest.meta).allowed;
    return {
      summary: summarize(latest),
      version: r.version,
      date: r.date,
      change: r.change,
      changeSummary: readable ? r.summary : undefined,
      readable,
    };
  });
}


async function logView(reader: Reader, record: VersionRecord, decision: ReadDecision, what: string) {
  if (record.meta.confidentiality !== "restricted" && record.meta.confidentiality !== "department") return;
  if (record.meta.confidentiality === "department" && decision.allowed) return;
  await appendAudit({
    actor: reader.username,
    action: decision.allowed ? "document.view" : "document.view-denied",
    object: record.number,
    outcome: decision.allowed ? "ok" : "denied",
    details: {
      what,
      version: record.version,
      ...(decision.allowed && decision.grant ? { grant: decision.grant.id, grantKind: decision.grant.kind } : {}),
      ...(decision.allowed ? { via: decision.via } : { reason: decision.reason }),
    },
  });
}

/**
 * The version's text and rendering for a reader who may read it: the file is
 * read once per request and rendered from that reading; a sections-only grant
 * receives those sections and nothing else.
 */
async function readFor(decision: ReadDecision & { allowed: true }, record: VersionRecord): Promise<{ meta: DocumentMeta; body: string; rendered: RenderedDocument }> {
  const content = await readVersionContent(record);
  const { body, rendered } = scopeToDecision(decision, content.body, await renderVersion(record, content), { attachmentBase: versionAttachmentBase(record) });
  return { meta: content.meta, body, rendered };
}

export type ReaderView =
  | { access: "full"; summary: DocumentSummary; record: VersionRecord; meta: DocumentMeta; body: string; rendered: RenderedDocument; decision: ReadDecision }
  | { access: "denied"; summary: DocumentSummary; reason: "department" | "restricted" | "history" };

/**
 * Opens the current version for a reader. Without access, only the summary
 * (number, title, owner) comes back. Restricted views are logged.
 */
export async function openCurrent(reader: Reader, number: string, what = "page"): Promise<ReaderView> {
  const record = requireDocument(number);
  const decision = decideRead(reader, record.meta, { sections: true });
  await logView(reader, record, decision, what);
  if (!decision.allowed) return { access: "denied", summary: summarize(record), reason: decision.reason };
  return { access: "full", summary: summarize(record), record, ...(await readFor(decision, record)), decision };
}

/** Version N of a document for a reader (history access required for old versions). */
export async function openVersion(reader: Reader, number: string, version: number, what = "version"): Promise<ReaderView & { current: VersionRecord }> {
  const current = requireDocument(number);
  const record = versionsOf(number).find((v) => v.version === version);
  if (!record) throw new NotFoundError(msg("documents.err.noVersion", { number, version }));
  const isOld = record.version !== current.version;
  const decision = decideRead(reader, current.meta, { history: isOld, sections: true });
  await logView(reader, current, decision, `${what} v${version}`);
  if (!decision.allowed) return { access: "denied", summary: summarize(current), reason: decision.reason, current };
  return { access: "full", summary: summarize(current), record, ...(await readFor(decision, record)), decision, current };
}

/** Throws AccessDeniedError unless the reader may see the document's history. */
export async function requireHistoryAccess(reader: Reader, number: string, what: string): Promise<VersionRecord> {
  const current = requireDocument(number);
  const decision = decideRead(reader, current.meta, { history: true });
  await logView(reader, current, decision, what);
  if (!decision.allowed) throw new AccessDeniedError(msg("documents.err.historyAccess", { number }), { number });
  return current;
}

/** Every version of a document (history access required). */
export async function historyOf(reader: Reader, number: string): Promise<{ current: VersionRecord; versions: VersionRecord[] }> {
  const current = await requireHistoryAccess(reader, number, "history");
  return { current, versions: [...versionsOf(number)].reverse() };
}
