/**
 * The daily digest: minor (editorial) changes are not sent one by one; once a
 * day, from NOTIFY_DIGEST_HOUR (company time), each person gets one email
 * and/or push listing the minor changes they have not read in the app yet.
 */
import { getUserById } from "~/org/users.server";
import { readDb, updateDb } from "~/data/db.server";
import { getEnv } from "~/utils/env.server";
import { hourOf, now, today } from "~/utils/clock.server";
import { emailConfigured } from "./email.server";
import { markDigested, pendingDigest, type NotificationRecord } from "./notifications.server";
import { enqueue } from "./outbox.server";
import { preferencesOf } from "./preferences.server";
import { subscriptionsOf } from "./webpush.server";

const SETTING = "notifications.lastDigestDay";

function companyHour(): number {
  return hourOf(now());
}

export function lastDigestDay(): string | undefined {
  return readDb().settings[SETTING] as string | undefined;
}

/**
 * Sends today's digests if it is time and they have not gone out yet.
 * Returns the number of people a digest was queued for (0 when not due).
 */
export async function runDigest(options: { force?: boolean } = {}): Promise<{ sent: number; due: boolean }> {
  const day = today();
  if (!options.force && (lastDigestDay() === day || companyHour() < getEnv().NOTIFY_DIGEST_HOUR)) return { sent: 0, due: false };
  // The day is claimed in the shared data before anything is queued (decision 121): an instance that
  // takes over from a leader killed while it sent finds the day done and sends nothing again. A run
  // killed between the claim and the queueing leaves its records undigested: they go in the next digest.
  const claimed = await updateDb((data) => {
    if (!options.force && data.settings[SETTING] === day) return false;
    data.settings[SETTING] = day;
    return true;
  });
  if (!claimed) return { sent: 0, due: false };
  const pending = pendingDigest();
  const drafts: Parameters<typeof enqueue>[0] = [];
  const done: NotificationRecord[] = [];
  const mail = emailConfigured();
  let people = 0;
  for (const [userId, records] of pending) {
    done.push(...records);
    const user = getUserById(userId);
    if (!user || !user.active) continue;
    const prefs = preferencesOf(userId);
    const ids = records.map((r) => r.id);
    const label = `digest of ${records.length}`;
    let any = false;
    if (mail && user.email && prefs.email.includes("minor")) {
      // One id per person, day and channel: a digest queued twice for the same day (a run repeated by
      // another instance after its leader died, decision 121) is queued once.
      drafts.push({ id: `digest:${day}:${userId}:email`, channel: "email", userId, recipient: user.email, notificationIds: ids, digest: true, label });
      any = true;
    }
    if (prefs.push.includes("minor")) {
      for (const sub of subscriptionsOf(userId)) {
        drafts.push({ id: `digest:${day}:${userId}:push:${sub.id}`, channel: "webpush", userId, subscriptionId: sub.id, recipient: new URL(sub.endpoint).host, notificationIds: ids, digest: true, label });
        any = true;
      }
    }
    if (any) people++;
  }
  await enqueue(drafts);
  await markDigested(done);
  return { sent: people, due: true };
}
