/**
 * Reading the audit log for people: filters, paging and CSV. Read-only — the
 * log itself is only ever appended to (audit.server.ts).
 */
import fs from "node:fs";
import { z } from "zod";
import { auditFile, type AuditEntry } from "./audit.server";
import { toCsv } from "./csv";
import { msg, ValidationError } from "~/utils/errors.server";

let cache: { file: string; size: number; mtimeMs: number; entries: AuditEntry[] } | null = null;

function parseLines(text: string, out: AuditEntry[]) {
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as AuditEntry);
    } catch {
      out.push({ seq: -1, time: "", actor: "", action: "corrupt", object: line.slice(0, 80), outcome: "failed", prev: "", hash: "" });
    }
  }
}

/**
 * Every entry, for reading by people. Parsed once and then only the appended
 * tail is read (the log only grows); a file that shrank or was rewritten in
 * place is parsed again. Verification never uses this: it reads the file itself.
 */
export function browseEntries(): AuditEntry[] {
  const file = auditFile();
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    return [];
  }
  if (cache && cache.file === file && cache.size === st.size && cache.mtimeMs === st.mtimeMs) return cache.entries;
  if (cache && cache.file === file && st.size > cache.size) {
    const fd = fs.openSync(file, "r");
    try {
      const buf = Buffer.alloc(st.size - cache.size);
      fs.readSync(fd, buf, 0, buf.length, cache.size);
      const text = buf.toString("utf8");
      const complete = text.lastIndexOf("\n") + 1;
      parseLines(text.slice(0, complete), cache.entries);
      cache = { file, size: cache.size + Buffer.byteLength(text.slice(0, complete)), mtimeMs: st.mtimeMs, entries: cache.entries };
      return cache.entries;
    } finally {
      fs.closeSync(fd);
    }
  }
  const text = fs.readFileSync(file, "utf8");
  const complete = text.lastIndexOf("\n") + 1;
  const entries: AuditEntry[] = [];
  parseLines(text.slice(0, complete), entries);
  cache = { file, size: Buffer.byteLength(text.slice(0, complete)), mtimeMs: st.mtimeMs, entries };
  return entries;
}

/** The company's offset from UTC (Asia/Shanghai has no daylight saving time). */
const COMPANY_OFFSET = "+08:00";

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "use YYYY-MM-DD")
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)), "not a real date");

/** One schema for the browse page, the CSV export and the API. */
export const AuditFilterSchema = z
  .object({
    actor: z.string().trim().max(64).optional(),
    action: z.string().trim().max(64).optional(),
    object: z.string().trim().max(120).optional(),
    outcome: z.enum(["ok", "denied", "failed"]).optional(),
    from: day.optional(),
    to: day.optional(),
    page: z.coerce.number().int().min(1).max(1_000_000).default(1),
  })
  .refine((f) => !f.from || !f.to || f.from <= f.to, { message: "the start date is after the end date", path: ["to"] });

export type AuditFilter = z.infer<typeof AuditFilterSchema>;

/** Parses filter query parameters (empty fields mean "any"); 400 with field messages when invalid. */
export function parseAuditFilter(params: URLSearchParams): AuditFilter {
  const raw: Record<string, string> = {};
  for (const key of ["actor", "action", "object", "outcome", "from", "to", "page"]) {
    const value = params.get(key);
    if (value !== null && value.trim() !== "") raw[key] = value;
  }
  const parsed = AuditFilterSchema.safeParse(raw);
  if (!parsed.success) {
    const fieldErrors: Record<string, string> = {};
    for (const issue of parsed.error.issues) fieldErrors[issue.path.join(".") || "form"] ??= issue.message;
    throw new ValidationError(
      msg("error.filterInvalid", { problems: Object.entries(fieldErrors).map(([k, v]) => `${k}: ${v}`).join("; ") }),
      fieldErrors,
    );
  }
  return parsed.data;
}

/** Whether an entry passes the filter (actor exact, action by prefix, object by substring). */
export function matchesFilter(e: AuditEntry, f: Omit<AuditFilter, "page">): boolean {
  if (f.actor && e.actor.toLowerCase() !== f.actor.toLowerCase()) return false;
  if (f.action && !e.action.toLowerCase().startsWith(f.action.toLowerCase())) return false;
  if (f.object && !e.object.toLowerCase().includes(f.object.toLowerCase())) return false;
  if (f.outcome && e.outcome !== f.outcome) return false;
  if (f.from && e.time < new Date(`${f.from}T00:00:00${COMPANY_OFFSET}`).toISOString()) return false;
  if (f.to && e.time >= new Date(new Date(`${f.to}T00:00:00${COMPANY_OFFSET}`).getTime() + 86_400_000).toISOString()) return false;
  return true;
}

/** Every matching entry, newest first. */
export function filterAudit(f: Omit<AuditFilter, "page">): AuditEntry[] {
  return browseEntries()
    .filter((e) => matchesFilter(e, f))
    .reverse();
}

export interface AuditPage {
  entries: AuditEntry[];
  total: number;
  page: number;
  pages: number;
  pageSize: number;
  /** Distinct actions in the whole log, for the filter's choices. */
  actions: string[];
}

/** One page of matching entries, newest first. */
export function queryAudit(f: AuditFilter, pageSize = 50): AuditPage {
  const all = browseEntries();
  const actions = [...new Set(all.map((e) => e.action))].sort();
  const matching = all.filter((e) => matchesFilter(e, f)).reverse();
  const pages = Math.max(1, Math.ceil(matching.length / pageSize));
  const page = Math.min(f.page, pages);
  return { entries: matching.slice((page - 1) * pageSize, page * pageSize), total: matching.length, page, pages, pageSize, actions };
}

export const AUDIT_CSV_HEADER = ["seq", "time", "actor", "action", "object", "outcome", "details", "prev", "hash"];

/** Entries as CSV (every column, so an exported file can be checked against the chain). */
export function auditCsv(entries: AuditEntry[]): string {
  return toCsv(
    AUDIT_CSV_HEADER,
    entries.map((e) => [e.seq, e.time, e.actor, e.action, e.object, e.outcome, e.details ?? "", e.prev, e.hash]),
  );
}
