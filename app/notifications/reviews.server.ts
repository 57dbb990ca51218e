/**
 * Periodic review. Every document carries a next-review date in its front
 * matter (publication sets it a year ahead by default). The owning
 * department's approvers are reminded 30 days before it and when it has
 * passed; an admin report lists what is due and overdue. A review ends either
 * in a new proposal (which, once published, sets a new date) or in "no
 * revision needed", recorded here and in the audit trail. Changing the date
 * in the document needs a revision, so a recorded review moves only the
 * reminder date: the next review is then due one interval after it.
 */
import { randomUUID } from "node:crypto";
import { decideRead } from "~/access/policy.server";
import { appendAudit } from "~/audit/audit.server";
import { collection, mutableCollection, updateDb } from "~/data/db.server";
import type { User } from "~/data/schema";
import { getConfig } from "~/documents/config.server";
import { requireDocument } from "~/documents/documents.server";
import { allLatest, type VersionRecord } from "~/documents/version-index.server";
import { nowIso, today } from "~/utils/clock.server";
import { AccessDeniedError, msg, ValidationError } from "~/utils/errors.server";

export const REVIEW_NOTICE_DAYS = 30;
const OVERDUE_REPEAT_DAYS = 30;

export interface DocumentReview {
  id: string;
  number: string;
  version: number;
  outcome: "no-revision-needed";
  note: string;
  byUserId: string;
  byName: string;
  at: string;
  /** The review date that was due when this review was recorded. */
  dueDate: string;
}

interface ReviewReminder {
  number: string;
  dueDate: string;
  kind: "due" | "overdue";
  lastAt: string;
  lastDay: string;
}

const REVIEWS = "documentReviews";
const REMINDERS = "reviewReminders";

export type ReviewStatus = "ok" | "due-soon" | "overdue";

export interface ReviewRow {
  number: string;
  title: string;
  category: string;
  ownerDepartment: string;
  confidentiality: VersionRecord["meta"]["confidentiality"];
  version: number;
  /** The date in the document's front matter. */
  documentDate: string;
  /** When the next review is due (the document's date, or one interval after a recorded review). */
  dueDate: string;
  status: ReviewStatus;
  daysLeft: number;
  lastReview?: DocumentReview;
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function addMonths(date: string, months: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.toISOString().slice(0, 10);
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86400_000);
}

export function reviewsOf(number: string): DocumentReview[] {
  return collection<DocumentReview>(REVIEWS)
    .filter((r) => r.number === number)
    .sort((a, b) => b.at.localeCompare(a.at));
}

function rowFor(record: VersionRecord, day: string, lastByNumber: Map<string, DocumentReview>): ReviewRow {
  const interval = getConfig().reviewIntervalMonths;
  const documentDate = record.meta.nextReviewDate ?? addMonths(record.date.slice(0, 10), interval);
  const last = lastByNumber.get(record.number);
  // A review recorded for this version moves the reminder date one interval on from the day it was done.
  const fromReview = last && last.version === record.version ? addMonths(last.at.slice(0, 10), interval) : undefined;
  const dueDate = fromReview && fromReview > documentDate ? fromReview : documentDate;
  const daysLeft = daysBetween(day, dueDate);
  const status: ReviewStatus = daysLeft < 0 ? "overdue" : daysLeft <= REVIEW_NOTICE_DAYS ? "due-soon" : "ok";
  return {
    number: record.number,
    title: record.meta.title,
    category: record.meta.category,
    ownerDepartment: record.meta.ownerDepartment,
    confidentiality: record.meta.confidentiality,
    version: record.version,
    documentDate,
    dueDate,
    status,
    daysLeft,
    lastReview: last,
  };
}

/** Review dates of every current document, soonest first; optionally only some statuses or one owner department. */
export function reviewSchedule(filter: { status?: ReviewStatus[]; departmentId?: string; number?: string } = {}): ReviewRow[] {
  const day = today();
  const lastByNumber = new Map<string, DocumentReview>();
  for (const r of collection<DocumentReview>(REVIEWS)) {
    const prev = lastByNumber.get(r.number);
    if (!prev || r.at > prev.at) lastByNumber.set(r.number, r);
  }
  return allLatest()
    .filter((r) => !r.meta.retired)
    .filter((r) => !filter.departmentId || r.meta.ownerDepartment === filter.departmentId)
    .filter((r) => !filter.number || r.number === filter.number)
    .map((r) => rowFor(r, day, lastByNumber))
    .filter((row) => !filter.status || filter.status.includes(row.status))
    .sort((a, b) => a.dueDate.localeCompare(b.dueDate) || a.number.localeCompare(b.number, "en", { numeric: true }));
}

/** Counts for the compliance dashboard and the admin card. */
export function reviewStats(): { total: number; ok: number; dueSoon: number; overdue: number; reviewedNoRevision: number } {
  const rows = reviewSchedule();
  return {
    total: rows.length,
    ok: rows.filter((r) => r.status === "ok").length,
    dueSoon: rows.filter((r) => r.status === "due-soon").length,
    overdue: rows.filter((r) => r.status === "overdue").length,
    reviewedNoRevision: rows.filter((r) => r.lastReview && r.lastReview.version === r.version).length,
  };
}

/** Whether a person may record reviews of a document: admins, and approvers of the owning department. */
export function canReview(user: Pick<User, "roles" | "departmentId">, ownerDepartment: string): boolean {
  return user.roles.includes("admin") || (user.roles.includes("approver") && user.departmentId === ownerDepartment);
}

/** Records "reviewed, no revision needed" for the current version. */
export async function recordNoRevisionNeeded(user: Pick<User, "id" | "username" | "name" | "roles" | "departmentId">, number: string, note: string): Promise<DocumentReview> {
  const current = requireDocument(number);
  if (current.meta.retired) throw new ValidationError(msg("notifications.err.reviewRetired", { number }));
  if (!canReview(user, current.meta.ownerDepartment)) {
    throw new AccessDeniedError(msg("notifications.err.reviewWho", { number }));
  }
  if (!decideRead(user, current.meta).allowed) throw new AccessDeniedError(msg("notifications.err.reviewAccess", { number }));
  const text = note.trim();
  if (text.length < 3) throw new ValidationError(msg("notifications.err.reviewNote"), { note: "required" });
  const row = reviewSchedule({ number })[0];
  const review: DocumentReview = {
    id: randomUUID(),
    number,
    version: current.version,
    outcome: "no-revision-needed",
    note: text.slice(0, 1000),
    byUserId: user.id,
    byName: user.name,
    at: nowIso(),
    dueDate: row?.dueDate ?? today(),
  };
  await updateDb((data) => {
    mutableCollection<DocumentReview>(data, REVIEWS).push(review);
  });
  await appendAudit({
    actor: user.username,
    action: "document.review",
    object: number,
    details: { outcome: review.outcome, version: review.version, dueDate: review.dueDate, note: review.note },
  });
  return review;
}

/**
 * Reviews whose owners should be reminded now: once when a review comes within
 * 30 days, once when it passes, then every 30 days while it stays overdue.
 */
export function reviewsNeedingReminder(): { row: ReviewRow; kind: "due" | "overdue" }[] {
  const day = today();
  const sent = collection<ReviewReminder>(REMINDERS);
  const out: { row: ReviewRow; kind: "due" | "overdue" }[] = [];
  for (const row of reviewSchedule({ status: ["due-soon", "overdue"] })) {
    const kind = row.status === "overdue" ? "overdue" : "due";
    const last = sent.find((r) => r.number === row.number && r.dueDate === row.dueDate && r.kind === kind);
    if (!last || (kind === "overdue" && addDays(last.lastDay, OVERDUE_REPEAT_DAYS) <= day)) out.push({ row, kind });
  }
  return out;
}

/** Records that review reminders went out. */
export async function recordReviewReminders(items: { row: ReviewRow; kind: "due" | "overdue" }[]): Promise<void> {
  if (!items.length) return;
  const at = nowIso();
  const day = today();
  await updateDb((data) => {
    const list = mutableCollection<ReviewReminder>(data, REMINDERS);
    for (const { row, kind } of items) {
      const existing = list.find((r) => r.number === row.number && r.dueDate === row.dueDate && r.kind === kind);
      if (existing) Object.assign(existing, { lastAt: at, lastDay: day });
      else list.push({ number: row.number, dueDate: row.dueDate, kind, lastAt: at, lastDay: day });
    }
  });
}
