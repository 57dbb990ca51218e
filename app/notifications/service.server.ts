/**
 * Starting and wiring the notifications domain: load the stores, resume the
 * delivery queue, subscribe to domain events, and the periodic jobs
 * (outbox retries, daily digest, overdue acknowledgements, review reminders).
 */
import { on } from "~/documents/events.server";
import { dataBackend } from "~/data/db.server";
import { acknowledgementsReady, loadAcknowledgements, overdueNeedingReminder } from "./acknowledgements.server";
import { runDigest } from "./digest.server";
import {
  expandFanout,
  notify,
  onAccessDecided,
  onApprovalOverdue,
  onApprovalWaiting,
  onDocumentPublished,
  onDocumentScheduled,
  onProposalDecided,
  onSuggestionCreated,
  onSuggestionDecided,
  sendAcknowledgementReminders,
} from "./dispatch.server";
import { sendEmail } from "./email.server";
import { onCitedDocumentPublished } from "./citations.server";
import { startLiveHub } from "./live.server";
import { loadNotifications, notificationsReady } from "./notifications.server";
import { departmentOwners } from "./recipients.server";
import { drainOutbox, loadOutbox, outboxReady, registerSender } from "./outbox.server";
import { recordReviewReminders, reviewsNeedingReminder } from "./reviews.server";
import { today } from "~/utils/clock.server";
import { ensureVapidKeys, sendPush } from "./webpush.server";
import { sendWebhook } from "./webhooks.server";

/** Subscribes the handlers to domain events (idempotent: handlers are registered by name). */
export function subscribeToEvents() {
  registerSender("email", sendEmail);
  registerSender("webpush", sendPush);
  registerSender("webhook", sendWebhook);
  registerSender("fanout", expandFanout);
  on("document.published", "notifications", onDocumentPublished);
  on("document.scheduled", "notifications", onDocumentScheduled);
  on("approval.waiting", "notifications", onApprovalWaiting);
  on("approval.overdue", "notifications", onApprovalOverdue);
  on("proposal.decided", "notifications", onProposalDecided);
  on("access.decided", "notifications", onAccessDecided);
  on("suggestion.created", "notifications", onSuggestionCreated);
  on("suggestion.decided", "notifications", onSuggestionDecided);
  on("document.published", "citation-owners", onCitedDocumentPublished);
}

/**
 * With PostgreSQL, reads the notification logs before start-up work (seeding
 * documents and onboarding guides) asks them: the database is read
 * asynchronously, files on first use (decision 119).
 */
export async function readNotificationLogs(): Promise<void> {
  if (dataBackend() !== "postgres") return;
  await Promise.all([notificationsReady(), outboxReady(), acknowledgementsReady()]);
}

/** Loads the stores and resumes pending deliveries (start-up). */
export async function startNotifications(): Promise<string> {
  subscribeToEvents();
  const store = await loadNotifications();
  const outbox = await loadOutbox();
  const acks = await loadAcknowledgements();
  ensureVapidKeys();
  startLiveHub();
  void drainOutbox();
  return `${store.records} notifications${store.compacted ? " (compacted)" : ""}, ${outbox.pending} deliveries pending, ${acks.requirements} acknowledgement requirements`;
}

/** Automatic reminders for overdue acknowledgements: at most one per person per day. */
export async function remindOverdueAcknowledgements(): Promise<number> {
  let people = 0;
  for (const { rows } of overdueNeedingReminder()) people += await sendAcknowledgementReminders(rows, "system");
  return people;
}

/** Reminds owners of reviews coming due or overdue. */
export async function remindReviews(): Promise<number> {
  const items = reviewsNeedingReminder();
  if (!items.length) return 0;
  const day = today();
  // One notification per owner and kind: the document when there is one, else how many.
  const perOwner = new Map<string, { userId: string; kind: "due" | "overdue"; rows: (typeof items)[number]["row"][] }>();
  for (const { row, kind } of items) {
    for (const u of departmentOwners(row.ownerDepartment)) {
      const k = `${u.id}|${kind}`;
      const entry = perOwner.get(k) ?? { userId: u.id, kind, rows: [] };
      entry.rows.push(row);
      perOwner.set(k, entry);
    }
  }
  const drafts = [...perOwner.values()].map(({ userId, kind, rows }) => {
    const single = rows.length === 1 ? rows[0] : undefined;
    return {
      userId,
      kind: kind === "due" ? ("review.due" as const) : ("review.overdue" as const),
      group: "reminders" as const,
      digest: false,
      key: `review:${kind}:${day}:${rows.map((r) => `${r.number}@${r.dueDate}`).join(",")}`,
      ...(single ? { number: single.number } : {}),
      data: { count: rows.length, ...(single ? { dueDate: single.dueDate } : {}) },
    };
  });
  await notify(drafts);
  await recordReviewReminders(items);
  return items.length;
}

/** The periodic jobs, by name (registered by the boot module). */
export const JOBS = {
  "notifications.outbox": { run: () => drainOutbox(), everySeconds: 15 },
  "notifications.digest": { run: async () => void (await runDigest()), everySeconds: undefined },
  "acknowledgements.overdue": { run: async () => void (await remindOverdueAcknowledgements()), everySeconds: undefined },
  "reviews.reminders": { run: async () => void (await remindReviews()), everySeconds: undefined },
} as const;
