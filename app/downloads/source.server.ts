/**
 * What a download (Word, PDF) is made from: a version opened for the reader
 * through openCurrent/openVersion, so the access policy, sections-only grants
 * and the view log apply exactly as on the document page.
 */
import { decideRead } from "~/access/policy.server";
import { requireDocument } from "~/documents/documents.server";
import { openCurrent, openVersion, type Reader } from "~/reading/open.server";
import { latestVersion, versionsOf } from "~/documents/version-index.server";
import { AccessDeniedError, msg, NotFoundError } from "~/utils/errors.server";

export interface DownloadSource {
  number: string;
  title: string;
  version: number;
  currentVersion: number;
  superseded: boolean;
  retired: boolean;
  effectiveDate?: string;
  /** The markdown the reader may read (a sections-only grant's sections). */
  body: string;
  readerName: string;
  readerUsername: string;
  /** The version's commit (its attachments are read there). */
  commit?: string;
}

/** Opens the current version (or version N) for a download; AccessDeniedError when the reader may not read it. */
export async function openForDownload(reader: Reader, number: string, version: number | undefined, what: "docx" | "pdf"): Promise<DownloadSource> {
  const view = version === undefined ? await openCurrent(reader, number, what) : await openVersion(reader, number, version, what);
  if (view.access === "denied") {
    throw new AccessDeniedError(view.reason === "history" ? msg("download.err.historyAccess", { number }) : msg("download.err.access", { number }), {
      number,
      reason: view.reason,
    });
  }
  const currentVersion = latestVersion(view.summary.number)?.version ?? view.record.version;
  return {
    number: view.summary.number,
    title: view.meta.title,
    version: view.record.version,
    currentVersion,
    superseded: view.record.version !== currentVersion,
    retired: view.summary.retired,
    effectiveDate: view.meta.effectiveDate,
    body: view.body,
    readerName: reader.name,
    readerUsername: reader.username,
    commit: view.record.commit,
  };
}

/** Refuses (AccessDeniedError) a reader who may not read that version, without opening or logging it: the page that makes the PDF does both. */
export function requireReadable(reader: Reader, number: string, version: number | undefined): { number: string; version: number } {
  const current = requireDocument(number);
  if (version !== undefined && !versionsOf(current.meta.number).some((v) => v.version === version)) {
    throw new NotFoundError(msg("documents.err.noVersion", { number, version }));
  }
  const decision = decideRead(reader, current.meta, { history: version !== undefined && version !== current.version, sections: true });
  if (!decision.allowed) {
    throw new AccessDeniedError(decision.reason === "history" ? msg("download.err.historyAccess", { number }) : msg("download.err.access", { number }), {
      number,
      reason: decision.reason,
    });
  }
  return { number: current.meta.number, version: version ?? current.version };
}
