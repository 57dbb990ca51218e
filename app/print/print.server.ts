/**
 * Controlled print copies: what goes on every printed page of a document
 * (number, title, version, effective date, who printed it and when, the
 * "uncontrolled copy" warning), a SUPERSEDED mark on old versions and the
 * reader's name as a watermark on restricted documents. Reading goes through
 * openCurrent/openVersion, so the access policy applies and restricted views
 * are logged with what = "print".
 */
import { openCurrent, openVersion, type Reader } from "~/reading/open.server";
import { labelMaps } from "~/documents/labels.server";
import { latestVersion, versionsOf } from "~/documents/version-index.server";
import { canRead } from "~/access/policy.server";
import { nowIso } from "~/utils/clock.server";
import { AccessDeniedError, msg, NotFoundError } from "~/utils/errors.server";
import { copyCode, qrDataUrl, verifyUrl } from "./verify.server";

export interface PrintCopy {
  number: string;
  title: string;
  version: number;
  currentVersion: number;
  superseded: boolean;
  retired: boolean;
  effectiveDate?: string;
  category: string;
  type: string;
  ownerDepartment: string;
  confidentiality: "internal" | "department" | "restricted";
  printedBy: { name: string; username: string };
  printedAt: string;
  /** Shown diagonally on every page: the reader's name on restricted documents. */
  watermark?: string;
  html: string;
  lang?: "zh" | "en";
  labels: ReturnType<typeof labelMaps>;
  /** The signed short code, its address and QR code (PNG data URL), repeated on every page. */
  verify: { code: string; url: string; qr: string };
  /** Versions the reader may print (old ones only with history access), newest first. */
  versions: number[];
}

/** Parses the `version` of a print URL; undefined = current. */
export function parsePrintVersion(raw: string | null | undefined): number | undefined {
  if (raw === null || raw === undefined || raw === "") return undefined;
  if (!/^\d{1,6}$/.test(raw) || Number(raw) < 1) throw new NotFoundError(msg("documents.err.notAVersion", { value: raw.slice(0, 20) }));
  return Number(raw);
}

/**
 * The printable copy of a document's current version (or an old version,
 * which needs history access and prints marked SUPERSEDED).
 */
export async function printCopy(reader: Reader, number: string, version?: number, base = "http://localhost"): Promise<PrintCopy> {
  const view = version === undefined ? await openCurrent(reader, number, "print") : await openVersion(reader, number, version, "print");
  const current = latestVersion(view.summary.number);
  if (view.access === "denied") {
    throw new AccessDeniedError(
      view.reason === "history" ? msg("print.err.historyAccess", { number }) : msg("print.err.access", { number }),
      { number, reason: view.reason },
    );
  }
  const currentVersion = current?.version ?? view.record.version;
  const superseded = view.record.version !== currentVersion;
  const restricted = view.summary.confidentiality === "restricted";
  const code = copyCode(view.summary.number, view.record.version);
  const url = verifyUrl(base, code);
  return {
    number: view.summary.number,
    title: view.meta.title,
    version: view.record.version,
    currentVersion,
    superseded,
    retired: view.summary.retired,
    effectiveDate: view.meta.effectiveDate,
    category: view.meta.category,
    type: view.meta.type,
    ownerDepartment: view.meta.ownerDepartment,
    confidentiality: view.summary.confidentiality,
    printedBy: { name: reader.name, username: reader.username },
    printedAt: nowIso(),
    watermark: restricted ? `${reader.name} (${reader.username})` : undefined,
    html: view.rendered.html,
    lang: view.meta.lang,
    labels: labelMaps(),
    verify: { code, url, qr: await qrDataUrl(url) },
    versions: canRead(reader, view.summary, { history: true })
      ? versionsOf(view.summary.number).map((v) => v.version).reverse()
      : [view.record.version],
  };
}

export type PrintLoaderData = { denied: false; copy: PrintCopy } | { denied: true; number: string; reason: "department" | "restricted" | "history" };

/** What a print route's loader returns: the copy, or why the reader may not print it. */
export async function loadPrintCopy(reader: Reader, number: string, versionRaw: string | null | undefined, base: string): Promise<PrintLoaderData> {
  const version = parsePrintVersion(versionRaw);
  try {
    return { denied: false, copy: await printCopy(reader, number, version, base) };
  } catch (error) {
    if (error instanceof AccessDeniedError) {
      const reason = (error.details?.reason as "department" | "restricted" | "history" | undefined) ?? "restricted";
      return { denied: true, number, reason };
    }
    throw error;
  }
}
