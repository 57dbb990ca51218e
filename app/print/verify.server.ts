/**
 * Verifiable printed copies. Every printed page carries a short code and a QR
 * code for `/verify/<code>`; the code names the document number and version
 * and carries a truncated HMAC, so anyone holding the paper can check it
 * without signing in, and a made-up or altered code is refused. Each check is
 * counted per copy (number + version) by the state the copy was in when it was
 * scanned, so the dashboard can show where superseded or retired paper is
 * still in use. What a check shows: number, version, the title printed on that
 * copy and the dates of the versions after it — never any content.
 */
import crypto from "node:crypto";
import QRCode from "qrcode";
import { collection, mutableCollection, updateDb } from "~/data/db.server";
import { latestVersion, versionsOf } from "~/documents/version-index.server";
import { getEnv } from "~/utils/env.server";
import { nowIso } from "~/utils/clock.server";
import { DomainError } from "~/utils/errors.server";

export const COPY_CHECKS = "copyChecks";

/** Counts of checks of one printed copy, by the state it was in when checked. */
export interface CopyCheckRecord {
  number: string;
  version: number;
  current: number;
  superseded: number;
  retired: number;
  firstAt: string;
  lastAt: string;
  /** When a superseded or retired copy was last checked. */
  lastStaleAt?: string;
}

/** A code that is malformed or whose signature does not match. */
export class InvalidCopyCodeError extends DomainError {
  constructor(message: string) {
    super("bad_request", message);
  }
}

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const MAC_BYTES = 5; // 40 bits: 8 base32 characters
const CODE_RE = /^([A-Z0-9][A-Z0-9-]{0,30})\.V?(\d{1,6})\.([A-Z2-7]{8})$/;

function base32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

let cachedKey: { secret: string; key: Buffer } | null = null;

/** A key of its own for copy codes, derived from the session secret (rotating that secret voids printed codes). */
function codeKey(): Buffer {
  const secret = getEnv().sessionSecret;
  if (cachedKey?.secret !== secret) {
    cachedKey = { secret, key: crypto.createHmac("sha256", secret).update("regula/verify-copy/v1").digest() };
  }
  return cachedKey.key;
}

function macOf(number: string, version: number): string {
  const mac = crypto.createHmac("sha256", codeKey()).update(`${number}@${version}`).digest();
  return base32(mac.subarray(0, MAC_BYTES));
}

/** The signed short code of a printed copy, e.g. `EXE-014.3.K7Q2M9XA`. */
export function copyCode(number: string, version: number): string {
  return `${number}.${version}.${macOf(number, version)}`;
}

/** Normalises what a person typed or scanned: case, spaces, a pasted `/verify/` link. */
export function normaliseCode(raw: string): string {
  let s = raw.trim();
  const at = s.toLowerCase().lastIndexOf("/verify/");
  if (at >= 0) s = s.slice(at + "/verify/".length);
  s = s.split(/[?#]/)[0];
  try {
    s = decodeURIComponent(s);
  } catch {
    /* keep as typed */
  }
  return s.replace(/[\s\u3000]+/g, "").replace(/[。．]/g, ".").toUpperCase();
}

/** Reads and checks a code; throws InvalidCopyCodeError when it is malformed or forged. */
export function parseCopyCode(raw: string): { number: string; version: number; code: string } {
  const code = normaliseCode(raw);
  const m = CODE_RE.exec(code);
  if (!m) throw new InvalidCopyCodeError("This is not a copy code");
  const number = m[1];
  const version = Number(m[2]);
  const expected = Buffer.from(macOf(number, version));
  const given = Buffer.from(m[3]);
  if (version < 1 || !crypto.timingSafeEqual(expected, given)) throw new InvalidCopyCodeError("The code's signature does not match");
  return { number, version, code: `${number}.${version}.${m[3]}` };
}

/** The portal's external address (PUBLIC_URL), else the address the request came in on. */
export function verifyBase(requestUrl: string): string {
  return (getEnv().PUBLIC_URL ?? new URL(requestUrl).origin).replace(/\/+$/, "");
}

/** The absolute address a code opens. */
export function verifyUrl(base: string, code: string): string {
  return `${base.replace(/\/+$/, "")}/verify/${encodeURIComponent(code)}`;
}

/** A PNG data URL of the QR code for a verification address (our own text, never user input). */
export async function qrDataUrl(url: string): Promise<string> {
  return QRCode.toDataURL(url, { errorCorrectionLevel: "M", margin: 2, scale: 4, color: { dark: "#000000", light: "#ffffff" } });
}

export type CopyStatus = "current" | "superseded" | "retired";

export interface CopyCheck {
  code: string;
  number: string;
  version: number;
  /** The title printed on that copy (it is on the paper already). */
  title: string;
  status: CopyStatus;
  currentVersion: number;
  /** Superseded: when the next version took effect. Retired: when the document was retired. */
  since?: string;
  /** Times this copy has been checked, this check included. */
  checks: number;
}

/** Thrown when a correctly signed code names a copy this portal does not hold. */
export class UnknownCopyError extends DomainError {
  constructor(message: string) {
    super("not_found", message);
  }
}

function sinceOf(date: string, effectiveDate?: string): string {
  return effectiveDate && effectiveDate > date.slice(0, 10) ? effectiveDate : date;
}

/** Checks a printed copy's code, counts the check and says whether the copy is current, superseded or retired. */
export async function checkCopy(raw: string): Promise<CopyCheck> {
  const { number, version, code } = parseCopyCode(raw);
  const versions = versionsOf(number);
  const record = versions.find((v) => v.version === version);
  const latest = latestVersion(number);
  if (!record || !latest) throw new UnknownCopyError(`${number} v${version} is not in this portal`);
  let status: CopyStatus = "current";
  let since: string | undefined;
  if (latest.meta.retired) {
    status = "retired";
    since = latest.date;
  } else if (latest.version !== version) {
    status = "superseded";
    const next = versions.find((v) => v.version === version + 1) ?? latest;
    since = sinceOf(next.date, next.meta.effectiveDate);
  }
  const at = nowIso();
  const checks = await updateDb((data) => {
    const list = mutableCollection<CopyCheckRecord>(data, COPY_CHECKS);
    let row = list.find((r) => r.number === number && r.version === version);
    if (!row) {
      row = { number, version, current: 0, superseded: 0, retired: 0, firstAt: at, lastAt: at };
      list.push(row);
    }
    row[status] += 1;
    row.lastAt = at;
    if (status !== "current") row.lastStaleAt = at;
    return row.current + row.superseded + row.retired;
  });
  return { code, number, version, title: record.meta.title, status, currentVersion: latest.version, since, checks };
}

export interface StaleCopyRow {
  number: string;
  superseded: number;
  retired: number;
  lastStaleAt?: string;
}

/** Check counts for the dashboard: all checks, checks of stale copies, and stale checks per document (most first). */
export function copyCheckStats(department?: string): { total: number; stale: number; byDocument: StaleCopyRow[] } {
  const rows = collection<CopyCheckRecord>(COPY_CHECKS).filter((r) => !department || latestVersion(r.number)?.meta.ownerDepartment === department);
  const byNumber = new Map<string, StaleCopyRow>();
  let total = 0;
  let stale = 0;
  for (const r of rows) {
    total += r.current + r.superseded + r.retired;
    stale += r.superseded + r.retired;
    if (!r.superseded && !r.retired) continue;
    const row = byNumber.get(r.number) ?? { number: r.number, superseded: 0, retired: 0 };
    row.superseded += r.superseded;
    row.retired += r.retired;
    if (r.lastStaleAt && (!row.lastStaleAt || r.lastStaleAt > row.lastStaleAt)) row.lastStaleAt = r.lastStaleAt;
    byNumber.set(r.number, row);
  }
  const byDocument = [...byNumber.values()].sort((a, b) => b.superseded + b.retired - (a.superseded + a.retired) || a.number.localeCompare(b.number));
  return { total, stale, byDocument };
}
