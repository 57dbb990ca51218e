/**
 * Live push to open pages: a Server-Sent Events hub. Each open page holds one
 * stream; new notifications arrive as `notification` events (id = sequence
 * number, so a reconnecting browser sends Last-Event-ID and gets what it
 * missed), unread-count changes as `count` events, and a comment every 20 s
 * keeps proxies from closing an idle stream.
 */
import { getUserById } from "~/org/users.server";
import type { User } from "~/data/schema";
import type { Locale } from "~/i18n/i18n";
import { publish, subscribe } from "~/cluster/bus.server";
import { followRemote } from "~/documents/follow.server";
import { versionsOf } from "~/documents/version-index.server";
import { renderNotification } from "./messages.server";
import {
  latestSeq,
  notificationsAfter,
  onNotificationsCreated,
  onNotificationsRead,
  syncNotifications,
  unreadCount,
  type NotificationRecord,
} from "./notifications.server";

const HEARTBEAT_MS = 20_000;
const RETRY_MS = 3_000;
const MAX_STREAMS_PER_USER = 8;

interface Connection {
  userId: string;
  locale: Locale;
  send: (chunk: string) => void;
  close: () => void;
  /**
   * The newest record the stream had when it opened (sent in the resume, or older than the page):
   * another instance's message about one of them can arrive later and is not sent again.
   */
  baseline: number;
  /** Records sent live since, by sequence number: each reaches the page once. */
  sent: Set<number>;
}

const connections = new Map<string, Set<Connection>>();
let closing = false;
const encoder = new TextEncoder();

/** What a page receives for one notification. */
export interface LiveNotification {
  id: string;
  seq: number;
  title: string;
  body: string;
  href: string;
  /** Shown as a toast (minor changes held for the digest only update the count). */
  toast: boolean;
  unread: number;
}

function payloadFor(r: NotificationRecord, user: User, locale: Locale, unread = unreadCount(r.userId)): LiveNotification {
  const m = renderNotification(r, user, locale);
  return { id: r.id, seq: r.seq, title: m.title, body: m.body, href: m.href, toast: !r.digest, unread };
}

function frame(event: string, data: unknown, id?: number): string {
  return `${id !== undefined ? `id: ${id}\n` : ""}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Opens a stream for a signed-in person; `lastEventId` resumes after a dropped connection. */
export async function openStream(user: User, locale: Locale, signal: AbortSignal, lastEventId: string | null): Promise<Response> {
  if (closing) return new Response("The portal is restarting", { status: 503, headers: { "Retry-After": "3", "Cache-Control": "no-store" } });
  // What another instance stored may not have reached this one yet (decision 119): the resume reads the shared log.
  await syncNotifications().catch(() => undefined);
  let conn: Connection | null = null;
  let heartbeat: NodeJS.Timeout | null = null;
  const cleanup = () => {
    if (heartbeat) clearInterval(heartbeat);
    heartbeat = null;
    if (conn) {
      const set = connections.get(user.id);
      set?.delete(conn);
      if (set && !set.size) connections.delete(user.id);
    }
  };
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      let closed = false;
      const send = (chunk: string) => {
        if (closed) return;
        try {
          controller.enqueue(encoder.encode(chunk));
        } catch {
          closed = true;
          cleanup();
        }
      };
      const close = () => {
        if (closed) return;
        closed = true;
        cleanup();
        try {
          controller.close();
        } catch {
          /* already closed */
        }
      };
      const resumeFrom = lastEventId && /^\d{1,12}$/.test(lastEventId) ? Number(lastEventId) : null;
      const baseline = Math.max(latestSeq(user.id), resumeFrom ?? 0);
      conn = { userId: user.id, locale, send, close, baseline, sent: new Set() };
      const set = connections.get(user.id) ?? new Set();
      if (set.size >= MAX_STREAMS_PER_USER) set.values().next().value?.close();
      set.add(conn);
      connections.set(user.id, set);

      send(`retry: ${RETRY_MS}\n\n`);
      if (resumeFrom !== null) {
        for (const r of notificationsAfter(user.id, resumeFrom)) send(frame("notification", payloadFor(r, user, locale), r.seq));
      }
      // The baseline id lets a browser that has seen nothing yet resume from here after a drop.
      send(frame("hello", { unread: unreadCount(user.id) }, baseline));
      heartbeat = setInterval(() => send(`: ping\n\n`), HEARTBEAT_MS);
      heartbeat.unref();
      signal.addEventListener("abort", close, { once: true });
    },
    cancel() {
      cleanup();
    },
  });
  return new Response(stream, {
    headers: {
      "Content-Type": "text/event-stream; charset=utf-8",
      // no-transform keeps the compression middleware from buffering the stream.
      "Cache-Control": "private, no-cache, no-transform",
      Connection: "keep-alive",
      "X-Accel-Buffering": "no",
      "X-Content-Type-Options": "nosniff",
    },
  });
}

/** Sends the unread count to a person's open pages. */
export function pushCount(userId: string, unread = unreadCount(userId)) {
  const set = connections.get(userId);
  if (!set) return;
  const chunk = frame("count", { unread });
  for (const c of set) c.send(chunk);
}

/** Number of open streams (health). */
export function openStreams(): number {
  let n = 0;
  for (const set of connections.values()) n += set.size;
  return n;
}

/** Closes every stream (tests). */
export function closeAllStreams() {
  for (const set of [...connections.values()]) for (const c of [...set]) c.close();
}

/**
 * On shutdown: end open streams (pages reconnect to the next process) and
 * refuse new ones, so the HTTP server can finish closing instead of waiting
 * for streams that never end.
 */
export function stopLiveHub() {
  closing = true;
  closeAllStreams();
}

let subscribed = false;

/** Sends new notifications to the streams open on this instance. */
function deliver(records: NotificationRecord[], unreadOf: (userId: string) => number) {
  for (const r of records) {
    const set = connections.get(r.userId);
    if (!set?.size) continue;
    const user = getUserById(r.userId);
    if (!user || !user.active) continue;
    for (const c of set) {
      if (r.seq <= c.baseline || c.sent.has(r.seq)) continue;
      c.sent.add(r.seq);
      c.send(frame("notification", payloadFor(r, user, c.locale, unreadOf(r.userId)), r.seq));
    }
  }
}

/** Largest bus message this hub builds (the bus refuses 8000 bytes and more). */
const BUS_BATCH_BYTES = 6_000;

/**
 * Tells the other instances (decision 112), whose open pages may belong to the
 * same people: the records and each person's unread count travel in the
 * message, in batches that fit the bus.
 */
async function share(records: NotificationRecord[]) {
  let batch: NotificationRecord[] = [];
  let unread: Record<string, number> = {};
  let size = 0;
  const flush = async () => {
    if (batch.length) await publish("notifications.created", { records: batch, unread });
    batch = [];
    unread = {};
    size = 0;
  };
  for (const r of records) {
    const bytes = Buffer.byteLength(JSON.stringify(r)) + 40;
    if (size + bytes > BUS_BATCH_BYTES) await flush();
    batch.push(r);
    unread[r.userId] = unreadCount(r.userId);
    size += bytes;
  }
  await flush();
}

/** Wires the hub to the store and to the other instances (once per process). */
export function startLiveHub() {
  if (subscribed) return;
  subscribed = true;
  onNotificationsCreated((records) => {
    deliver(records, (userId) => unreadCount(userId));
    void share(records);
  });
  onNotificationsRead((userId) => {
    pushCount(userId);
    void publish("notifications.read", { userId, unread: unreadCount(userId) });
  });
  subscribe("notifications.created", async (data) => {
    const { records, unread } = data as { records: NotificationRecord[]; unread: Record<string, number> };
    // The records are in the shared log already: this instance's centre and counts follow it.
    await syncNotifications().catch(() => undefined);
    // A message about a version this instance has not fetched yet is shown once the version is here.
    if (records.some((r) => r.number && r.version && !versionsOf(r.number).some((v) => v.version === r.version))) {
      await followRemote().catch(() => undefined);
    }
    deliver(records, (userId) => unread[userId] ?? unreadCount(userId));
  });
  subscribe("notifications.read", async (data) => {
    const { userId, unread } = data as { userId: string; unread: number };
    await syncNotifications().catch(() => undefined);
    pushCount(userId, unread);
  });
}
