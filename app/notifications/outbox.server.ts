/**
 * The delivery queue for outside channels (email, browser push, webhooks).
 * Every delivery is written to $DATA_DIR/notifications/outbox.jsonl before it
 * is attempted, and every attempt is written after it, so a restart resumes
 * what was pending. Failures are retried with exponential back-off (30 s,
 * 1 min, 2 min … capped at 1 h, 10 attempts); the log is what admins read on
 * the delivery page. Event handlers only enqueue; sending happens here, off
 * the publishing path.
 */
import { randomBytes } from "node:crypto";
import { now, nowIso } from "~/utils/clock.server";
import { appendLines, jsonlPath, readLines, rewriteLines } from "./jsonl.server";

/** "fanout" turns one publication's notifications into per-person email and push deliveries, off the publishing path. */
export type DeliveryChannel = "email" | "webpush" | "webhook" | "fanout";

export interface OutboxEntry {
  id: string;
  channel: DeliveryChannel;
  createdAt: string;
  /** Who or what receives it, for the log: an email address, a push service host, a webhook URL. */
  recipient: string;
  userId?: string;
  /** In-app notifications this delivery carries (several for a digest). */
  notificationIds?: string[];
  digest?: boolean;
  subscriptionId?: string;
  webhookId?: string;
  /** Webhook event reference (rendered at delivery time). */
  event?: Record<string, string | number>;
  /** A short description for the log ("EXE-003 v4", "digest of 3"). */
  label: string;
  status: "pending" | "sent" | "failed" | "dropped";
  attempts: number;
  nextAttemptAt: string;
  lastAttemptAt?: string;
  lastError?: string;
  lastStatus?: number;
  lastMs?: number;
  sentAt?: string;
}

export type DeliveryResult =
  | { ok: true; status?: number; detail?: string }
  | { ok: false; retry: boolean; error: string; status?: number }
  | { ok: false; drop: true; error: string; status?: number };

type Sender = (entry: OutboxEntry) => Promise<DeliveryResult>;

type Line = { t: "add"; e: OutboxEntry } | ({ t: "upd"; id: string } & Partial<OutboxEntry>);

export const MAX_ATTEMPTS = 10;
const BASE_DELAY_MS = 30_000;
const MAX_DELAY_MS = 3600_000;
const CONCURRENCY = 4;
const KEEP_DONE_DAYS = 30;

const entries = new Map<string, OutboxEntry>();
const senders = new Map<DeliveryChannel, Sender>();
const inFlight = new Set<string>();
let loaded = false;
let timer: NodeJS.Timeout | null = null;
let draining: Promise<void> | null = null;
let again = false;
let stopped = false;

function file() {
  return jsonlPath("outbox.jsonl");
}

/** The useful part of a fetch failure (ECONNREFUSED, ENOTFOUND, a timeout…). */
export function networkReason(error: unknown): string {
  const e = error as Error & { cause?: Error & { code?: string; errors?: { code?: string }[] } };
  if (e.name === "TimeoutError") return "no answer within 10 s";
  return e.cause?.code ?? e.cause?.errors?.[0]?.code ?? e.cause?.message ?? e.message;
}

/** Delay before attempt n+1 after n failed attempts. */
export function backoffMs(failedAttempts: number): number {
  return Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, failedAttempts - 1));
}

function ensureLoaded() {
  if (loaded) return;
  loaded = true;
  for (const line of readLines<Line>(file()).lines) {
    if (line.t === "add") entries.set(line.e.id, { ...line.e });
    else if (line.t === "upd") {
      const e = entries.get(line.id);
      if (e) {
        const { t: _t, id: _id, ...patch } = line;
        Object.assign(e, patch);
      }
    }
  }
}

/**
 * Loads the queue after a start: compacts the file, and makes every pending
 * delivery due now (a restart is a natural moment to try again).
 */
export async function loadOutbox(): Promise<{ pending: number }> {
  loaded = false;
  entries.clear();
  ensureLoaded();
  const cutoff = new Date(now().getTime() - KEEP_DONE_DAYS * 86400_000).toISOString();
  for (const [id, e] of entries) if (e.status !== "pending" && (e.sentAt ?? e.lastAttemptAt ?? e.createdAt) < cutoff) entries.delete(id);
  const at = nowIso();
  for (const e of entries.values()) if (e.status === "pending" && e.nextAttemptAt > at) e.nextAttemptAt = at;
  await rewriteLines(file(), [...entries.values()].map((e) => ({ t: "add", e })));
  stopped = false;
  return { pending: [...entries.values()].filter((e) => e.status === "pending").length };
}

export function resetOutboxForTests() {
  stopOutbox();
  entries.clear();
  loaded = false;
}

/** Registers the function that delivers one channel. */
export function registerSender(channel: DeliveryChannel, send: Sender) {
  senders.set(channel, send);
}

function newId() {
  return `d${Date.now().toString(36)}${randomBytes(4).toString("hex")}`;
}

/**
 * Queues deliveries (persisted before this resolves) and starts sending in the
 * background. A draft may bring its own id; one already queued is skipped, so
 * repeating a fan-out after a crash queues nothing twice.
 */
export async function enqueue(
  drafts: (Omit<OutboxEntry, "id" | "createdAt" | "status" | "attempts" | "nextAttemptAt"> & { id?: string })[],
): Promise<OutboxEntry[]> {
  ensureLoaded();
  const fresh = drafts.filter((d) => !d.id || !entries.has(d.id));
  if (!fresh.length) return [];
  const at = nowIso();
  const created: OutboxEntry[] = fresh.map((d) => ({ ...d, id: d.id ?? newId(), createdAt: at, status: "pending", attempts: 0, nextAttemptAt: at }));
  await appendLines(file(), created.map((e) => ({ t: "add", e })));
  for (const e of created) entries.set(e.id, e);
  kick();
  return created;
}

async function update(e: OutboxEntry, patch: Partial<OutboxEntry>) {
  Object.assign(e, patch);
  await appendLines(file(), [{ t: "upd", id: e.id, ...patch }]);
}

async function attempt(e: OutboxEntry) {
  const send = senders.get(e.channel);
  const started = Date.now();
  let result: DeliveryResult;
  if (!send) result = { ok: false, retry: true, error: `no sender for ${e.channel}` };
  else {
    try {
      result = await send(e);
    } catch (error) {
      result = { ok: false, retry: true, error: (error as Error).message || String(error) };
    }
  }
  const attempts = e.attempts + 1;
  const at = nowIso();
  const base = { attempts, lastAttemptAt: at, lastMs: Date.now() - started, lastStatus: result.status };
  if (result.ok) {
    await update(e, { ...base, status: "sent", sentAt: at });
  } else if ("drop" in result) {
    await update(e, { ...base, status: "dropped", lastError: result.error.slice(0, 300) });
  } else if (!result.retry || attempts >= MAX_ATTEMPTS) {
    await update(e, { ...base, status: "failed", lastError: result.error.slice(0, 300) });
  } else {
    const next = new Date(now().getTime() + backoffMs(attempts)).toISOString();
    await update(e, { ...base, nextAttemptAt: next, lastError: result.error.slice(0, 300) });
  }
}

function due(): OutboxEntry[] {
  const at = nowIso();
  return [...entries.values()]
    .filter((e) => e.status === "pending" && e.nextAttemptAt <= at && !inFlight.has(e.id))
    .sort((a, b) => a.nextAttemptAt.localeCompare(b.nextAttemptAt));
}

/** Sends everything that is due now; resolves when this round is done. */
export function drainOutbox(): Promise<void> {
  ensureLoaded();
  if (draining) {
    again = true;
    return draining;
  }
  draining = (async () => {
    do {
      again = false;
      const list = due();
      let i = 0;
      const worker = async () => {
        while (i < list.length && !stopped) {
          const e = list[i++];
          inFlight.add(e.id);
          try {
            await attempt(e);
          } finally {
            inFlight.delete(e.id);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(CONCURRENCY, list.length) }, worker));
    } while (again && !stopped);
  })().finally(() => {
    draining = null;
    scheduleNext();
  });
  return draining;
}

function scheduleNext() {
  if (timer) clearTimeout(timer);
  timer = null;
  if (stopped) return;
  const pending = [...entries.values()].filter((e) => e.status === "pending");
  if (!pending.length) return;
  const next = Math.min(...pending.map((e) => Date.parse(e.nextAttemptAt)));
  const delay = Math.max(50, Math.min(next - now().getTime(), MAX_DELAY_MS));
  timer = setTimeout(() => void drainOutbox(), delay);
  timer.unref();
}

/** Starts a background drain soon (after the current request's work). */
export function kick() {
  if (stopped) return;
  setImmediate(() => void drainOutbox());
}

/** Stops the timers (shutdown and tests); pending entries stay on disk. */
export function stopOutbox() {
  stopped = true;
  if (timer) clearTimeout(timer);
  timer = null;
}

/** Makes a failed or pending delivery due now (admin "retry"). */
export async function retryNow(id: string): Promise<OutboxEntry | undefined> {
  ensureLoaded();
  const e = entries.get(id);
  if (!e || e.status === "sent") return e;
  const attempts = e.status === "failed" || e.status === "dropped" ? 0 : e.attempts;
  await update(e, { status: "pending", nextAttemptAt: nowIso(), attempts });
  kick();
  return e;
}

/** The delivery log, newest first (fan-out entries only when asked for by channel). */
export function listDeliveries(filter: { channel?: DeliveryChannel; status?: OutboxEntry["status"]; webhookId?: string; limit?: number } = {}): OutboxEntry[] {
  ensureLoaded();
  return [...entries.values()]
    .filter((e) => (filter.channel ? e.channel === filter.channel : e.channel !== "fanout") && (!filter.status || e.status === filter.status))
    .filter((e) => !filter.webhookId || e.webhookId === filter.webhookId)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id))
    .slice(0, filter.limit ?? 200);
}

export function getDelivery(id: string): OutboxEntry | undefined {
  ensureLoaded();
  return entries.get(id);
}

/** Counts by status (health, admin card). */
export function outboxCounts(): Record<OutboxEntry["status"], number> {
  ensureLoaded();
  const out = { pending: 0, sent: 0, failed: 0, dropped: 0 };
  for (const e of entries.values()) if (e.channel !== "fanout") out[e.status]++;
  return out;
}
