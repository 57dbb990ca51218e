/**
 * From domain events to notifications. Handlers run inside the publisher's
 * call, so they only record and enqueue: in-app records (one append), read
 * requirements for major changes, and outbox entries for email, push and
 * webhooks, which are sent in the background.
 */
import { decideRead } from "~/access/policy.server";
import { listUsers } from "~/org/users.server";
import { appendAudit } from "~/audit/audit.server";
import { collection, readDb } from "~/data/db.server";
import type { User } from "~/data/schema";
import { latestVersion } from "~/documents/version-index.server";
import type { DomainEvents } from "~/documents/events.server";
import { today } from "~/utils/clock.server";
import { defaultAckDueDate, recordReminders, requireAcknowledgement, type AckReportRow } from "./acknowledgements.server";
import { emailConfigured } from "./email.server";
import { createNotifications, notificationsById, type NotificationDraft, type NotificationRecord } from "./notifications.server";
import { enqueue, type DeliveryResult, type OutboxEntry } from "./outbox.server";
import { digestsMinor, preferencesOf, wantsNow, type NotificationPrefs } from "./preferences.server";
import { activeUsers, departmentEditors, departmentOwners, documentAudience } from "./recipients.server";
import type { PushSubscriptionRecord } from "./webpush.server";
import { enqueueWebhookEvent } from "./webhooks.server";

function label(r: NotificationRecord): string {
  return `${r.number ? `${r.number}${r.version ? ` v${r.version}` : ""} ` : ""}${r.kind}`;
}

/** Email and push deliveries for records that go out now, following each person's current choices. */
function outsideDeliveries(records: NotificationRecord[], parentId: string): Parameters<typeof enqueue>[0] {
  const drafts: Parameters<typeof enqueue>[0] = [];
  const mail = emailConfigured();
  // One publication can reach thousands of people: look everyone up once.
  const users = new Map(readDb().users.map((u) => [u.id, u]));
  const prefsByUser = new Map(collection<NotificationPrefs>("notificationPrefs").map((p) => [p.userId, p]));
  const subsByUser = new Map<string, PushSubscriptionRecord[]>();
  for (const s of collection<PushSubscriptionRecord>("pushSubscriptions")) subsByUser.set(s.userId, [...(subsByUser.get(s.userId) ?? []), s]);
  for (const r of records) {
    if (r.digest) continue;
    const user = users.get(r.userId);
    if (!user || !user.active) continue;
    const prefs = prefsByUser.get(user.id) ?? preferencesOf(user.id);
    if (mail && user.email && wantsNow(prefs, "email", r.group)) {
      drafts.push({ id: `${parentId}:${r.id}:email`, channel: "email", userId: user.id, recipient: user.email, notificationIds: [r.id], label: label(r) });
    }
    if (wantsNow(prefs, "push", r.group)) {
      for (const sub of subsByUser.get(user.id) ?? []) {
        drafts.push({
          id: `${parentId}:${r.id}:push:${sub.id}`,
          channel: "webpush",
          userId: user.id,
          subscriptionId: sub.id,
          recipient: new URL(sub.endpoint).host,
          notificationIds: [r.id],
          label: label(r),
        });
      }
    }
  }
  return drafts;
}

/** Delivers a fan-out entry: queues each person's email and push (in the background, after publishing returned). */
export async function expandFanout(entry: OutboxEntry): Promise<DeliveryResult> {
  const records = notificationsById(entry.notificationIds ?? []);
  const queued = await enqueue(outsideDeliveries(records, entry.id));
  return { ok: true, detail: `${queued.length} deliveries` };
}

/**
 * Creates in-app notifications; outside deliveries are queued as one fan-out
 * entry, expanded per person in the background.
 */
export async function notify(drafts: NotificationDraft[]): Promise<NotificationRecord[]> {
  const records = await createNotifications(drafts);
  const now = records.filter((r) => !r.digest);
  if (now.length && (emailConfigured() || collection<PushSubscriptionRecord>("pushSubscriptions").length)) {
    await enqueue([
      {
        channel: "fanout",
        recipient: now.length === 1 ? "1" : String(now.length),
        notificationIds: now.map((r) => r.id),
        label: label(now[0]),
      },
    ]);
  }
  return records;
}

function minorDigestChecker(change: string): (user: User) => boolean {
  if (change !== "minor") return () => false;
  const prefsByUser = new Map(collection<NotificationPrefs>("notificationPrefs").map((p) => [p.userId, p]));
  return (user) => digestsMinor(prefsByUser.get(user.id) ?? preferencesOf(user.id));
}

/** A version became current: tell the people affected; a major change asks readers to acknowledge it. */
export async function onDocumentPublished({ record, previous, actor }: DomainEvents["document.published"]): Promise<void> {
  const people = documentAudience(record.meta, actor);
  const group = record.change === "minor" ? "minor" : "changes";
  const isMinorFor = minorDigestChecker(record.change);
  const ackFor = new Set<string>();
  let ackDue: string | undefined;
  if (record.change === "major") {
    const readers = people.filter((u) => decideRead(u, record.meta).allowed).map((u) => u.id);
    ackDue = defaultAckDueDate();
    const created = await requireAcknowledgement({ userIds: readers, number: record.number, version: record.version, dueDate: ackDue, reason: "major-change" });
    for (const r of created) ackFor.add(r.userId);
  }
  await notify(
    people.map((u) => ({
      userId: u.id,
      kind: "document.published" as const,
      group,
      digest: isMinorFor(u),
      key: `pub:${record.number}@${record.version}`,
      number: record.number,
      version: record.version,
      ...(previous ? { fromVersion: previous.version } : {}),
      change: record.change,
      ...(ackFor.has(u.id) && ackDue ? { data: { ackDue } } : {}),
    })),
  );
  await enqueueWebhookEvent("document.published", {
    number: record.number,
    version: record.version,
    change: record.change,
    ...(previous ? { fromVersion: previous.version } : {}),
  });
}

/** An approved revision waits for its effective date: tell the people affected now. */
export async function onDocumentScheduled(e: DomainEvents["document.scheduled"]): Promise<void> {
  const current = latestVersion(e.number);
  if (!current) return;
  const people = documentAudience(current.meta, e.actor);
  const group = e.change === "minor" ? "minor" : "changes";
  const isMinorFor = minorDigestChecker(e.change);
  await notify(
    people.map((u) => ({
      userId: u.id,
      kind: "document.scheduled" as const,
      group,
      digest: isMinorFor(u),
      key: `sched:${e.number}:${e.proposalId}:${e.effectiveDate}`,
      number: e.number,
      data: { effectiveDate: e.effectiveDate, change: e.change },
    })),
  );
  await enqueueWebhookEvent("document.scheduled", { number: e.number, effectiveDate: e.effectiveDate, change: e.change });
}

export async function onApprovalWaiting(e: DomainEvents["approval.waiting"]): Promise<void> {
  await notify(
    activeUsers(e.approverIds).map((u) => ({
      userId: u.id,
      kind: "approval.waiting" as const,
      group: "tasks" as const,
      digest: false,
      key: `wait:${e.kind}:${e.id}:${e.dueAt}`,
      ...(e.number ? { number: e.number } : {}),
      data: { kind: e.kind, title: e.title, link: e.link, dueAt: e.dueAt },
    })),
  );
}

/** An approval passed its service level: tell the approvers it waits for, and the admins. */
export async function onApprovalOverdue(e: DomainEvents["approval.overdue"]): Promise<void> {
  const admins = listUsers().filter((u) => u.active && u.roles.includes("admin")).map((u) => u.id);
  await notify(
    activeUsers([...e.approverIds, ...admins]).map((u) => ({
      userId: u.id,
      kind: "approval.overdue" as const,
      group: "tasks" as const,
      digest: false,
      key: `overdue:${e.kind}:${e.id}:${e.dueAt}`,
      ...(e.number ? { number: e.number } : {}),
      data: { kind: e.kind, title: e.title, link: e.link, dueAt: e.dueAt, mine: e.approverIds.includes(u.id) ? 1 : 0 },
    })),
  );
}

export async function onProposalDecided(e: DomainEvents["proposal.decided"]): Promise<void> {
  if (e.authorId === e.byUserId) return;
  await notify(
    activeUsers([e.authorId]).map((u) => ({
      userId: u.id,
      kind: "proposal.decided" as const,
      group: "tasks" as const,
      digest: false,
      key: `prop:${e.proposalId}:${e.decision}:${e.stage}`,
      ...(e.number ? { number: e.number } : {}),
      data: { title: e.title, decision: e.decision, stage: e.stage, link: e.link, ...(e.reason ? { reason: e.reason } : {}) },
    })),
  );
}

export async function onAccessDecided(e: DomainEvents["access.decided"]): Promise<void> {
  await notify(
    activeUsers([e.requesterId]).map((u) => ({
      userId: u.id,
      kind: "access.decided" as const,
      group: "tasks" as const,
      digest: false,
      key: `acc:${e.requestId}:${e.decision}`,
      number: e.number,
      data: { decision: e.decision, ...(e.reason ? { reason: e.reason } : {}), ...(e.expiresAt ? { expiresAt: e.expiresAt } : {}) },
    })),
  );
}

export async function onSuggestionCreated(e: DomainEvents["suggestion.created"]): Promise<void> {
  await notify(
    departmentEditors(e.ownerDepartment)
      .filter((u) => u.id !== e.byUserId)
      .map((u) => ({
        userId: u.id,
        kind: "suggestion.created" as const,
        group: "tasks" as const,
        digest: false,
        key: `sug:${e.suggestionId}`,
        number: e.number,
        data: { link: e.link },
      })),
  );
}

export async function onSuggestionDecided(e: DomainEvents["suggestion.decided"]): Promise<void> {
  await notify(
    activeUsers([e.suggesterId]).map((u) => ({
      userId: u.id,
      kind: "suggestion.decided" as const,
      group: "tasks" as const,
      digest: false,
      key: `sugd:${e.suggestionId}:${e.outcome}`,
      number: e.number,
      data: { outcome: e.outcome, link: e.link, ...(e.reason ? { reason: e.reason } : {}) },
    })),
  );
}

/**
 * Reminds people of acknowledgements they owe: one notification per person
 * (naming the document when there is one). Repeats on the same day with the
 * same documents are ignored. Returns how many people were reminded.
 */
export async function sendAcknowledgementReminders(rows: AckReportRow[], by: { username: string } | "system"): Promise<number> {
  const open = rows.filter((r) => r.status !== "acknowledged");
  const byUser = new Map<string, AckReportRow[]>();
  for (const r of open) byUser.set(r.userId, [...(byUser.get(r.userId) ?? []), r]);
  const day = today();
  const who = by === "system" ? "system" : by.username;
  const drafts: NotificationDraft[] = [];
  for (const [userId, list] of byUser) {
    const numbers = list.map((r) => r.number).sort();
    const single = list.length === 1 ? list[0] : undefined;
    drafts.push({
      userId,
      kind: "acknowledgement.reminder",
      group: "reminders",
      digest: false,
      key: `ackrem:${day}:${who === "system" ? "auto" : "manual"}:${numbers.join(",")}`,
      ...(single ? { number: single.number, version: single.currentVersion } : {}),
      data: { count: list.length, overdue: list.some((r) => r.status === "overdue") ? 1 : 0, ...(single ? { dueDate: single.dueDate } : {}) },
    });
  }
  const records = await notify(drafts);
  const reminded = new Set(records.map((r) => r.userId));
  const ids = open.filter((r) => reminded.has(r.userId)).map((r) => r.requirementId);
  await recordReminders(ids, who);
  if (by !== "system" && reminded.size) {
    await appendAudit({
      actor: by.username,
      action: "acknowledgement.remind",
      object: [...new Set(open.map((r) => r.number))].join(",").slice(0, 200),
      details: { people: reminded.size, requirements: ids.length },
    });
  }
  return reminded.size;
}
