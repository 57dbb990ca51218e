/**
 * Browser push (Web Push) for when no page is open. VAPID keys are generated
 * into $DATA_DIR/vapid.json on first start; browsers subscribe from the
 * settings page and the service worker (public/sw.js) shows what arrives.
 * Requests are built by the `web-push` package (payload encryption, VAPID
 * signature) and sent with fetch, so timeouts and errors follow the outbox.
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import webpush from "web-push";
import { z } from "zod";
import { getUserById } from "~/org/users.server";
import { collection, mutableCollection, updateDb } from "~/data/db.server";
import { getEnv } from "~/utils/env.server";
import { nowIso } from "~/utils/clock.server";
import { msg, ValidationError } from "~/utils/errors.server";
import { renderDigest, renderNotification } from "./messages.server";
import { notificationsById } from "./notifications.server";
import { networkReason, type DeliveryResult, type OutboxEntry } from "./outbox.server";

export interface PushSubscriptionRecord {
  id: string;
  userId: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  userAgent: string;
  createdAt: string;
  lastSuccessAt?: string;
}

const COLLECTION = "pushSubscriptions";
let keys: { publicKey: string; privateKey: string } | null = null;

function vapidFile() {
  return path.join(getEnv().dataDir, "vapid.json");
}

/** Loads the VAPID key pair, creating it on first start. */
export function ensureVapidKeys(): { publicKey: string; privateKey: string } {
  if (keys) return keys;
  const file = vapidFile();
  try {
    const saved = JSON.parse(fs.readFileSync(file, "utf8")) as { publicKey?: string; privateKey?: string };
    if (saved.publicKey && saved.privateKey) {
      keys = { publicKey: saved.publicKey, privateKey: saved.privateKey };
      return keys;
    }
  } catch {
    /* first start: generate below */
  }
  const fresh = webpush.generateVAPIDKeys();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ ...fresh, createdAt: new Date().toISOString() }, null, 2) + "\n", { mode: 0o600 });
  keys = fresh;
  return keys;
}

export function resetVapidForTests() {
  keys = null;
}

/** The public key browsers need to subscribe (applicationServerKey). */
export function vapidPublicKey(): string {
  return ensureVapidKeys().publicKey;
}

/** The VAPID subject: VAPID_SUBJECT, else the sender address of MAIL_FROM. */
export function vapidSubject(): string {
  const env = getEnv();
  if (env.VAPID_SUBJECT) return env.VAPID_SUBJECT;
  const m = /<([^>]+)>/.exec(env.MAIL_FROM);
  return `mailto:${(m ? m[1] : env.MAIL_FROM).trim()}`;
}

const b64url = z.string().regex(/^[A-Za-z0-9_-]+={0,2}$/, "not base64url");

/** A browser's PushSubscription as JSON (what `subscription.toJSON()` gives). */
export const SubscriptionSchema = z.object({
  endpoint: z
    .string()
    .url()
    .max(2000)
    .refine((u) => u.startsWith("https://"), "push endpoints are https URLs"),
  keys: z.object({
    p256dh: b64url.refine((k) => Buffer.from(k, "base64url").length === 65, "p256dh must be a 65-byte P-256 key"),
    auth: b64url.refine((k) => Buffer.from(k, "base64url").length === 16, "auth must be 16 bytes"),
  }),
});

/** Saves a browser's subscription for a person (an endpoint belongs to one person at a time). */
export async function subscribePush(userId: string, raw: unknown, userAgent: string): Promise<PushSubscriptionRecord> {
  const parsed = SubscriptionSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ValidationError(msg("notifications.err.badSubscription", { problems: parsed.error.issues.map((i) => i.message).join("; ") }), {
      subscription: parsed.error.issues[0]?.message ?? "invalid",
    });
  }
  const sub = parsed.data;
  return updateDb((data) => {
    const list = mutableCollection<PushSubscriptionRecord>(data, COLLECTION);
    const kept = list.filter((s) => s.endpoint !== sub.endpoint);
    const record: PushSubscriptionRecord = {
      id: randomUUID(),
      userId,
      endpoint: sub.endpoint,
      p256dh: sub.keys.p256dh,
      auth: sub.keys.auth,
      userAgent: userAgent.slice(0, 200),
      createdAt: nowIso(),
    };
    kept.push(record);
    list.splice(0, list.length, ...kept);
    return record;
  });
}

/** Removes one of a person's subscriptions (by endpoint or id), or all of them. */
export async function unsubscribePush(userId: string, which: { endpoint?: string; id?: string; all?: boolean }): Promise<number> {
  return updateDb((data) => {
    const list = mutableCollection<PushSubscriptionRecord>(data, COLLECTION);
    const kept = list.filter(
      (s) => s.userId !== userId || !(which.all || (which.endpoint && s.endpoint === which.endpoint) || (which.id && s.id === which.id)),
    );
    const removed = list.length - kept.length;
    list.splice(0, list.length, ...kept);
    return removed;
  });
}

export function subscriptionsOf(userId: string): PushSubscriptionRecord[] {
  return collection<PushSubscriptionRecord>(COLLECTION).filter((s) => s.userId === userId);
}

export function getSubscription(id: string): PushSubscriptionRecord | undefined {
  return collection<PushSubscriptionRecord>(COLLECTION).find((s) => s.id === id);
}

/** The JSON the service worker receives. */
export interface PushPayload {
  title: string;
  body: string;
  url: string;
  tag: string;
  unread?: number;
}

/** Delivers one queued push to one browser subscription. */
export async function sendPush(entry: OutboxEntry): Promise<DeliveryResult> {
  const sub = entry.subscriptionId ? getSubscription(entry.subscriptionId) : undefined;
  if (!sub) return { ok: false, drop: true, error: "the browser unsubscribed" };
  const user = getUserById(sub.userId);
  if (!user || !user.active) return { ok: false, drop: true, error: "recipient no longer active" };
  const records = notificationsById(entry.notificationIds ?? []);
  if (!records.length) return { ok: false, drop: true, error: "notification no longer stored" };
  const locale = user.locale === "en" ? "en" : "zh-CN";
  const message = entry.digest ? renderDigest(records, user, locale) : renderNotification(records[0], user, locale);
  const payload: PushPayload = {
    title: message.title.slice(0, 200),
    body: message.body.slice(0, 600),
    url: message.href,
    tag: entry.digest ? "regula-digest" : records[0].number ? `regula-${records[0].number}` : `regula-${records[0].id}`,
  };
  const { publicKey, privateKey } = ensureVapidKeys();
  const details = webpush.generateRequestDetails(
    { endpoint: sub.endpoint, keys: { p256dh: sub.p256dh, auth: sub.auth } },
    JSON.stringify(payload),
    { vapidDetails: { subject: vapidSubject(), publicKey, privateKey }, TTL: 24 * 3600, urgency: message.important ? "high" : "normal" },
  );
  let res: Response;
  try {
    res = await fetch(details.endpoint, {
      method: details.method,
      headers: details.headers as Record<string, string>,
      body: details.body ? new Uint8Array(details.body) : undefined,
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    return { ok: false, retry: true, error: `push service unreachable: ${networkReason(error)}` };
  }
  const text = (await res.text().catch(() => "")).slice(0, 200);
  if (res.ok) {
    await updateDb((data) => {
      const s = mutableCollection<PushSubscriptionRecord>(data, COLLECTION).find((x) => x.id === sub.id);
      if (s) s.lastSuccessAt = nowIso();
    });
    return { ok: true, status: res.status };
  }
  if (res.status === 404 || res.status === 410) {
    // The browser's subscription is gone for good: forget it.
    await unsubscribePush(sub.userId, { id: sub.id });
    return { ok: false, drop: true, status: res.status, error: `subscription expired (${res.status})` };
  }
  const retry = res.status === 429 || res.status >= 500;
  return { ok: false, retry, status: res.status, error: `push service answered ${res.status} ${text}`.trim() };
}
