/**
 * The delivery queue for outside channels (email, browser push, webhooks).
 * Every delivery is written to the "outbox" append log (decision 119:
 * $DATA_DIR/notifications/outbox.jsonl, or PostgreSQL shared by every
 * instance) before it is attempted, and every attempt is written after it, so
 * a restart resumes what was pending. With PostgreSQL an instance first claims
 * the deliveries it is about to attempt, under the log's lock, so each is sent
 * by one instance only; a claim lapses after two minutes (an instance that
 * died while sending), after which another may try again. Failures are retried with exponential back-off (30 s,
 * 1 min, 2 min … capped at 1 h, 10 attempts); the log is what admins read on
 * the delivery page. Event handlers only enqueue; sending happens here, off
 * the publishing path.
 */
import { randomBytes } from "node:crypto";
import { now, nowIso } from "~/utils/clock.server";
import { INSTANCE_ID } from "~/cluster/pg.server";
import { FileLog, openLog, readyWhenLoaded, type PgLog } from "~/data/append-log.server";

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
  /** The instance attempting it now, and until when that claim holds (PostgreSQL only). */
  claimedBy?: string;
  claimedUntil?: string;
}

export type DeliveryResult =
  | { ok: true; status?: number; detail?: string }
  | { ok: false; retry: boolean; error: string; status?: number }
  | { ok: false; drop: true; error: string; status?: number };

type Sender = (entry: OutboxEntry) => Promise<DeliveryResult>;

type Line =
  | { t: "add"; e: OutboxEntry }
  | ({ t: "upd"; id: string } & Partial<OutboxEntry>)
  /** Deliveries one instance is about to attempt (PostgreSQL only). */
  | { t: "claim"; ids: string[]; by: string; until: string };

export const MAX_ATTEMPTS = 10;
const BASE_DELAY_MS = 30_000;
const MAX_DELAY_MS = 3600_000;
const CONCURRENCY = 4;
const KEEP_DONE_DAYS = 30;
/** How long a claim keeps other instances from attempting a delivery (longer than any attempt takes). */
const CLAIM_MS = 120_000;

const entries = new Map<string, OutboxEntry>();
const senders = new Map<DeliveryChannel, Sender>();
const inFlight = new Set<string>();
let loaded = false;
let log: FileLog<Line> | PgLog<Line> | null = null;
let timer: NodeJS.Timeout | null = null;
let draining: Promise<void> | null = null;
let again = false;
let stopped = false;

function applyLine(line: Line) {
  if (line.t === "add") entries.set(line.e.id, { ...line.e });
  else if (line.t === "upd") {
    const e = entries.get(line.id);
    if (e) {
      const { t: _t, id: _id, ...patch } = line;
      Object.assign(e, patch);
    }
  } else if (line.t === "claim") {
    for (const id of line.ids) {
      const e = entries.get(id);
      if (e) Object.assign(e, { claimedBy: line.by, claimedUntil: line.until });
    }
  }
}

function theLog(): FileLog<Line> | PgLog<Line> {
  log ??= openLog<Line>("outbox", { reset: () => entries.clear(), apply: applyLine });
  return log;
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

/** Loads the log before a change when nothing read it yet. */
export const outboxReady = readyWhenLoaded(theLog, () => loaded, ensureLoaded, () => {
  loaded = true;
});

function ensureLoaded() {
  if (loaded) return;
  const l = theLog();
  if (!(l instanceof FileLog)) throw new Error("Delivery queue not loaded: call loadOutbox() at start-up");
  loaded = true;
  l.loadSync();
}

/**
 * Loads the queue after a start: compacts the file, and makes every pending
 * delivery due now (a restart is a natural moment to try again).
 */
export async function loadOutbox(): Promise<{ pending: number }> {
  const l = theLog();
  await l.load();
  loaded = true;
  await l.rewrite(() => {
    // Under the log's lock, from every stored line (other instances' too).
    const cutoff = new Date(now().getTime() - KEEP_DONE_DAYS * 86400_000).toISOString();
    for (const [id, e] of entries) if (e.status !== "pending" && (e.sentAt ?? e.lastAttemptAt ?? e.createdAt) < cutoff) entries.delete(id);
    const at = nowIso();
    for (const e of entries.values()) if (e.status === "pending" && e.nextAttemptAt > at) e.nextAttemptAt = at;
    return [...entries.values()].map((e) => ({ t: "add" as const, e }));
  });
  stopped = false;
  return { pending: [...entries.values()].filter((e) => e.status === "pending").length };
}

export function resetOutboxForTests() {
  stopOutbox();
  entries.clear();
  loaded = false;
  log?.close();
  log = null;
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
  await outboxReady();
  const lines = await theLog().append(() => {
    const fresh = drafts.filter((d) => !d.id || !entries.has(d.id));
    const at = nowIso();
    return fresh.map((d) => ({ t: "add" as const, e: { ...d, id: d.id ?? newId(), createdAt: at, status: "pending" as const, attempts: 0, nextAttemptAt: at } }));
  });
  if (!lines.length) return [];
  kick();
  return lines.map((line) => entries.get((line as Extract<Line, { t: "add" }>).e.id)!);
}

async function update(e: OutboxEntry, patch: Partial<OutboxEntry>) {
  await theLog().append(() => [{ t: "upd", id: e.id, ...patch }]);
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
  const base = {
    attempts,
    lastAttemptAt: at,
    lastMs: Date.now() - started,
    lastStatus: result.status,
    // The attempt is over: the claim ends with it (PostgreSQL; the file back end has no claims).
    ...(e.claimedBy ? { claimedUntil: at } : {}),
  };
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

/**
 * The due deliveries this instance may attempt now. With PostgreSQL they are
 * claimed first, in one append under the log's lock, from a state that holds
 * every other instance's claims and results: a delivery claimed by another
 * instance, until its claim lapses, is left to it.
 */
async function claimDue(): Promise<OutboxEntry[]> {
  const l = theLog();
  if (l instanceof FileLog) return due();
  let ids: string[] = [];
  await l.append(() => {
    const at = nowIso();
    ids = due()
      .filter((e) => !e.claimedBy || e.claimedBy === INSTANCE_ID || !e.claimedUntil || e.claimedUntil <= at)
      .map((e) => e.id);
    return ids.length ? [{ t: "claim", ids, by: INSTANCE_ID, until: new Date(now().getTime() + CLAIM_MS).toISOString() }] : [];
  });
  return ids.flatMap((id) => entries.get(id) ?? []);
}

function due(): OutboxEntry[] {
  const at = nowIso();
  return [...entries.values()]
    .filter((e) => e.status === "pending" && e.nextAttemptAt <= at && !inFlight.has(e.id))
    .sort((a, b) => a.nextAttemptAt.localeCompare(b.nextAttemptAt));
}

/** Sends everything that is due now; resolves when this round is done. */
export function drainOutbox(): Promise<void> {
  if (!loaded && theLog().backend === "postgres") return outboxReady().then(() => drainOutbox());
  ensureLoaded();
  if (draining) {
    again = true;
    return draining;
  }
  draining = (async () => {
    do {
      again = false;
      let list: OutboxEntry[];
      try {
        list = await claimDue();
      } catch (error) {
        console.warn(`[outbox] could not claim deliveries: ${(error as Error).message}`);
        break;
      }
      let i = 0;
      const worker = async () => {
        while (i < list.length && !stopped) {
          const e = list[i++];
          inFlight.add(e.id);
          try {
            await attempt(e);
          } catch (error) {
            // The result could not be stored: the delivery stays pending and is tried again.
            console.warn(`[outbox] delivery ${e.id} could not be recorded: ${(error as Error).message}`);
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
  await outboxReady();
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
