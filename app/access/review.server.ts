/**
 * The periodic access review: who read which restricted document, when, and
 * under which grant — from the audit log's `document.view` entries (written by
 * documents.server.ts for every view of a restricted document), joined with
 * the grants and the people.
 */
import { z } from "zod";
import { collection } from "~/data/db.server";
import { browseEntries, matchesFilter } from "~/audit/query.server";
import { toCsv } from "~/audit/csv";
import { latestVersion } from "~/documents/version-index.server";
import { today } from "~/utils/clock.server";
import { msg, ValidationError } from "~/utils/errors.server";
import type { GrantRecord } from "./grants.server";
import { getUserById, getUserByUsername } from "~/org/users.server";

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "use YYYY-MM-DD").refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)), "not a real date");

export const ReviewFilterSchema = z
  .object({
    from: day.optional(),
    to: day.optional(),
    number: z.string().trim().max(40).optional(),
    user: z.string().trim().max(64).optional(),
  })
  .refine((f) => !f.from || !f.to || f.from <= f.to, { message: "the start date is after the end date", path: ["to"] });

export type ReviewFilter = z.infer<typeof ReviewFilterSchema>;

/** Days the report looks back when no start date is given. */
export const DEFAULT_REVIEW_DAYS = 90;

function daysBefore(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - days);
  return d.toISOString().slice(0, 10);
}

/** Parses the report's query parameters; the period defaults to the last 90 days. */
export function parseReviewFilter(params: URLSearchParams): Required<Pick<ReviewFilter, "from" | "to">> & ReviewFilter {
  const raw: Record<string, string> = {};
  for (const key of ["from", "to", "number", "user"]) {
    const v = params.get(key);
    if (v !== null && v.trim() !== "") raw[key] = v.trim();
  }
  const parsed = ReviewFilterSchema.safeParse(raw);
  if (!parsed.success) {
    const fieldErrors: Record<string, string> = {};
    for (const issue of parsed.error.issues) fieldErrors[issue.path.join(".") || "form"] ??= issue.message;
    throw new ValidationError(msg("error.filterInvalid", { problems: Object.entries(fieldErrors).map(([k, v]) => `${k}: ${v}`).join("; ") }), fieldErrors);
  }
  const to = parsed.data.to ?? today();
  return { ...parsed.data, to, from: parsed.data.from ?? daysBefore(to, DEFAULT_REVIEW_DAYS) };
}

export interface ReviewRow {
  time: string;
  username: string;
  name: string;
  number: string;
  title: string;
  what: string;
  version: number | null;
  /** How access was held: grant, role (approver of the owning department), or admin role. */
  via: string;
  grantId?: string;
  grantKind?: string;
  grantedBy?: string;
  grantExpiresAt?: string;
  ratified?: boolean;
}

export interface ReviewSummary {
  username: string;
  name: string;
  number: string;
  title: string;
  views: number;
  first: string;
  last: string;
  grants: { id: string; kind?: string; grantedBy?: string }[];
  via: string[];
}

/** Views of restricted documents in the period, newest first, and a per-person-and-document summary. */
export function accessReview(filter: ReturnType<typeof parseReviewFilter>): { rows: ReviewRow[]; summary: ReviewSummary[] } {
  const grants = new Map(collection<GrantRecord>("grants").map((g) => [g.id, g]));
  const names = new Map<string, string>();
  const nameOf = (username: string) => {
    if (!names.has(username)) names.set(username, getUserByUsername(username)?.name ?? username);
    return names.get(username)!;
  };
  const wantedNumber = filter.number?.toUpperCase();
  const rows: ReviewRow[] = [];
  for (const e of browseEntries()) {
    if (e.action !== "document.view" || e.outcome !== "ok") continue;
    if (!matchesFilter(e, { from: filter.from, to: filter.to, actor: filter.user })) continue;
    if (wantedNumber && e.object.toUpperCase() !== wantedNumber) continue;
    const d = (e.details ?? {}) as { what?: string; version?: number; grant?: string; via?: string; grantKind?: string };
    const grant = d.grant ? grants.get(d.grant) : undefined;
    rows.push({
      time: e.time,
      username: e.actor,
      name: nameOf(e.actor),
      number: e.object,
      title: latestVersion(e.object)?.meta.title ?? "",
      what: d.what ?? "",
      version: typeof d.version === "number" ? d.version : null,
      via: d.via ?? (d.grant ? "grant" : ""),
      grantId: d.grant,
      grantKind: grant?.kind ?? d.grantKind,
      grantedBy: grant?.grantedBy ? getUserById(grant.grantedBy)?.username : undefined,
      grantExpiresAt: grant?.expiresAt,
      ratified: grant?.kind === "emergency" ? !!grant.ratifiedAt : undefined,
    });
  }
  rows.reverse();
  const groups = new Map<string, ReviewSummary>();
  for (const r of rows) {
    const key = `${r.username}\u0000${r.number}`;
    let g = groups.get(key);
    if (!g) {
      g = { username: r.username, name: r.name, number: r.number, title: r.title, views: 0, first: r.time, last: r.time, grants: [], via: [] };
      groups.set(key, g);
    }
    g.views++;
    if (r.time < g.first) g.first = r.time;
    if (r.time > g.last) g.last = r.time;
    if (r.grantId && !g.grants.some((x) => x.id === r.grantId)) g.grants.push({ id: r.grantId, kind: r.grantKind, grantedBy: r.grantedBy });
    if (r.via && !g.via.includes(r.via)) g.via.push(r.via);
  }
  const summary = [...groups.values()].sort((a, b) => a.number.localeCompare(b.number, "en", { numeric: true }) || a.username.localeCompare(b.username));
  return { rows, summary };
}

/** The detailed rows as CSV. */
export function accessReviewCsv(rows: ReviewRow[]): string {
  return toCsv(
    ["time", "username", "name", "number", "title", "what", "version", "via", "grant", "grant_kind", "granted_by", "grant_expires", "ratified"],
    rows.map((r) => [
      r.time,
      r.username,
      r.name,
      r.number,
      r.title,
      r.what,
      r.version ?? "",
      r.via,
      r.grantId ?? "",
      r.grantKind ?? "",
      r.grantedBy ?? "",
      r.grantExpiresAt ?? "",
      r.ratified === undefined ? "" : r.ratified ? "yes" : "no",
    ]),
  );
}
