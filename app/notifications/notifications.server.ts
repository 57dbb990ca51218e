/**
 * The in-app notification store: one record per person per event, kept in
 * the "notifications" append log (decision 119: $DATA_DIR/notifications/notifications.jsonl,
 * or PostgreSQL shared by every instance) with a per-user index in memory.
 * Records hold references (document number, version, change), never document
 * text: titles, summaries and links are produced when a message is shown or
 * sent, after the reader's access is checked again (messages.server.ts).
 */
import { FileLog, openLog, readyWhenLoaded, type PgLog } from "~/data/append-log.server";
import type { ChangeKind } from "~/documents/version-index.server";
import { nowIso } from "~/utils/clock.server";

/** What the notification is about. */
export type NotificationKind =
  | "document.published"
  | "document.scheduled"
  | "approval.waiting"
  | "approval.overdue"
  | "proposal.decided"
  | "access.decided"
  | "suggestion.created"
  | "suggestion.decided"
  /** A document cited by documents the person owns was retired or changed in a major way (decision 089). */
  | "citation.affected"
  | "acknowledgement.reminder"
  | "review.due"
  | "review.overdue";

import type { NotificationGroup } from "./groups";

export { NOTIFICATION_GROUPS, type NotificationGroup } from "./groups";

export interface NotificationRecord {
  seq: number;
  id: string;
  userId: string;
  kind: NotificationKind;
  group: NotificationGroup;
  createdAt: string;
  /** Held for the daily digest on outside channels (minor changes by default). */
  digest: boolean;
  /** Storm guard: one record per person per key (e.g. one per publication). */
  key: string;
  number?: string;
  version?: number;
  fromVersion?: number;
  change?: ChangeKind;
  /** Kind-specific details supplied by the emitting domain (decision, reason, link, due date…). */
  data?: Record<string, string | number>;
  readAt?: string;
  digestedAt?: string;
}

export type NotificationDraft = Omit<NotificationRecord, "seq" | "id" | "createdAt" | "readAt" | "digestedAt">;

/** What the records of one batch line share (one publication's notifications differ only in person and digest flag). */
type Common = Omit<NotificationRecord, "seq" | "id" | "userId" | "digest" | "data" | "readAt" | "digestedAt">;

type Line =
  | ({ t: "n" } & NotificationRecord)
  /** A batch: records seq, seq+1, … for the people listed ([userId, digest 0/1, data?]). */
  | { t: "nb"; seq: number; c: Common; p: [string, 0 | 1, Record<string, string | number>?][] }
  | { t: "read"; u: string; seqs?: number[]; upTo?: number; at: string }
  | { t: "dig"; seqs: number[]; at: string };

interface State {
  bySeq: Map<number, NotificationRecord>;
  byUser: Map<string, NotificationRecord[]>;
  unread: Map<string, number>;
  keys: Set<string>;
  maxSeq: number;
}

const KEEP_PER_USER = 500;
const KEEP_READ_DAYS = 365;

let state: State | null = null;
let log: FileLog<Line> | PgLog<Line> | null = null;
type Listener = (records: NotificationRecord[]) => void;
const createdListeners: Listener[] = [];
const readListeners: ((userId: string) => void)[] = [];

function theLog(): FileLog<Line> | PgLog<Line> {
  log ??= openLog<Line>("notifications", {
    reset: () => {
      state = emptyState();
    },
    apply: (line) => apply((state ??= emptyState()), line),
  });
  return log;
}

function emptyState(): State {
  return { bySeq: new Map(), byUser: new Map(), unread: new Map(), keys: new Set(), maxSeq: 0 };
}

/** Loads the log before a change when nothing read it yet. */
export const notificationsReady = readyWhenLoaded(theLog, () => state !== null, () => void s());

function s(): State {
  if (!state) {
    const l = theLog();
    if (!(l instanceof FileLog)) throw new Error("Notifications not loaded: call loadNotifications() at start-up");
    l.loadSync();
  }
  return state!;
}

function add(st: State, r: NotificationRecord) {
  st.bySeq.set(r.seq, r);
  const list = st.byUser.get(r.userId) ?? [];
  list.push(r);
  st.byUser.set(r.userId, list);
  st.keys.add(`${r.userId}|${r.key}`);
  if (!r.readAt) st.unread.set(r.userId, (st.unread.get(r.userId) ?? 0) + 1);
  st.maxSeq = Math.max(st.maxSeq, r.seq);
}

function markRecordRead(st: State, r: NotificationRecord, at: string) {
  if (r.readAt) return false;
  r.readAt = at;
  st.unread.set(r.userId, Math.max(0, (st.unread.get(r.userId) ?? 1) - 1));
  return true;
}

function apply(st: State, line: Line) {
  if (line.t === "n") {
    const { t: _t, ...record } = line;
    add(st, record);
  } else if (line.t === "nb") {
    line.p.forEach(([userId, digest, data], i) => {
      const seq = line.seq + i;
      add(st, { ...line.c, seq, id: `n${seq}`, userId, digest: digest === 1, ...(data ? { data } : {}) });
    });
  } else if (line.t === "read") {
    const list = st.byUser.get(line.u) ?? [];
    if (line.seqs) for (const seq of line.seqs) {
      const r = st.bySeq.get(seq);
      if (r && r.userId === line.u) markRecordRead(st, r, line.at);
    }
    if (line.upTo !== undefined) for (const r of list) if (r.seq <= line.upTo) markRecordRead(st, r, line.at);
  } else if (line.t === "dig") {
    for (const seq of line.seqs) {
      const r = st.bySeq.get(seq);
      if (r && !r.digestedAt) r.digestedAt = line.at;
    }
  }
}

/**
 * Loads the store and compacts its file: read marks are folded into records,
 * and each person keeps their newest 500 notifications (read ones for a year).
 */
export async function loadNotifications(): Promise<{ records: number; compacted: boolean }> {
  const l = theLog();
  const { lines, torn } = await l.load();
  let st = s();
  let kept = keptRecords(st);
  const compacted = torn > 0 || lines > kept.length * 1.5 + 100;
  if (compacted) {
    await l.rewrite(() => {
      // Built under the log's lock from the state that holds every stored line.
      st = s();
      kept = keptRecords(st);
      return kept.map((r) => ({ t: "n" as const, ...r }));
    });
  }
  const fresh = emptyState();
  for (const r of kept) add(fresh, r);
  fresh.maxSeq = Math.max(fresh.maxSeq, st.maxSeq);
  // Keys of dropped records stay known so an old event replayed cannot notify again.
  for (const k of st.keys) fresh.keys.add(k);
  state = fresh;
  return { records: kept.length, compacted };
}

/** What compaction keeps: each person's newest 500 records, read ones for a year. */
function keptRecords(st: State): NotificationRecord[] {
  const cutoff = new Date(Date.now() - KEEP_READ_DAYS * 86400_000).toISOString();
  const kept: NotificationRecord[] = [];
  for (const list of st.byUser.values()) {
    const recent = list.slice(-KEEP_PER_USER).filter((r) => !r.readAt || r.createdAt >= cutoff);
    kept.push(...recent);
  }
  return kept.sort((a, b) => a.seq - b.seq);
}

/** Applies what other instances stored since this one last looked (PostgreSQL; nothing to do with files). */
export async function syncNotifications(): Promise<void> {
  if (state) await theLog().sync();
}

/** Forget the in-memory store (tests that switch DATA_DIR). */
export function resetNotificationsForTests() {
  state = null;
  log?.close();
  log = null;
}

/** Called with the records created by each batch (live push, outside channels). */
export function onNotificationsCreated(fn: Listener) {
  createdListeners.push(fn);
}

/** Called when a person's unread count changes because something was marked read. */
export function onNotificationsRead(fn: (userId: string) => void) {
  readListeners.push(fn);
}

/**
 * Creates notifications in one append. A draft whose (person, key) was seen
 * before is skipped, so one publication is one notification per person even
 * when the event is delivered twice.
 */
export async function createNotifications(drafts: NotificationDraft[]): Promise<NotificationRecord[]> {
  await notificationsReady();
  let seqs: number[] = [];
  await theLog().append(() => {
    const built = buildNotificationLines(s(), drafts);
    seqs = built.seqs;
    return built.lines;
  });
  if (!seqs.length) return [];
  const st = s();
  const created = seqs.map((seq) => st.bySeq.get(seq)!).filter(Boolean);
  for (const fn of createdListeners) {
    try {
      fn(created);
    } catch (error) {
      console.warn(`[notifications] listener failed: ${(error as Error).message}`);
    }
  }
  return created;
}

/** The lines that create the drafts not seen before, numbered after the newest stored record. */
function buildNotificationLines(st: State, drafts: NotificationDraft[]): { lines: Line[]; seqs: number[] } {
  const at = nowIso();
  const seqs: number[] = [];
  const lines: Line[] = [];
  const seen = new Set<string>();
  let batch: Extract<Line, { t: "nb" }> | null = null;
  let batchKey = "";
  let seq = st.maxSeq;
  // Built by hand rather than with spreads and JSON keys: one publication can reach thousands of people.
  for (const d of drafts) {
    const k = d.userId + "|" + d.key;
    if (st.keys.has(k) || seen.has(k)) continue;
    seen.add(k);
    seq++;
    seqs.push(seq);
    // Consecutive records that share everything but the person become one compact line.
    const common = `${d.kind}|${d.group}|${d.key}|${d.number ?? ""}|${d.version ?? ""}|${d.fromVersion ?? ""}|${d.change ?? ""}`;
    const person: [string, 0 | 1, Record<string, string | number>?] = d.data ? [d.userId, d.digest ? 1 : 0, d.data] : [d.userId, d.digest ? 1 : 0];
    if (batch && common === batchKey) batch.p.push(person);
    else {
      batch = {
        t: "nb",
        seq,
        c: { kind: d.kind, group: d.group, createdAt: at, key: d.key, number: d.number, version: d.version, fromVersion: d.fromVersion, change: d.change },
        p: [person],
      };
      batchKey = common;
      lines.push(batch);
    }
  }
  return { lines, seqs };
}

/** Whether a person already has a notification with this key. */
export function hasNotificationKey(userId: string, key: string): boolean {
  return s().keys.has(`${userId}|${key}`);
}

export function unreadCount(userId: string): number {
  return s().unread.get(userId) ?? 0;
}

/** A person's notifications, newest first. */
export function listNotifications(
  userId: string,
  options: { unreadOnly?: boolean; limit?: number; offset?: number } = {},
): { items: NotificationRecord[]; total: number; unread: number } {
  const all = [...(s().byUser.get(userId) ?? [])].reverse();
  const filtered = options.unreadOnly ? all.filter((r) => !r.readAt) : all;
  const offset = options.offset ?? 0;
  return {
    items: filtered.slice(offset, offset + (options.limit ?? 50)),
    total: filtered.length,
    unread: unreadCount(userId),
  };
}

/** One of a person's notifications (undefined for someone else's). */
export function getNotification(userId: string, id: string): NotificationRecord | undefined {
  const m = /^n(\d{1,12})$/.exec(id);
  if (!m) return undefined;
  const r = s().bySeq.get(Number(m[1]));
  return r && r.userId === userId ? r : undefined;
}

/** Notifications created for a person after a sequence number (live stream resume). */
export function notificationsAfter(userId: string, seq: number, limit = 20): NotificationRecord[] {
  const list = s().byUser.get(userId) ?? [];
  return list.filter((r) => r.seq > seq).slice(-limit);
}

export function latestSeq(userId: string): number {
  const list = s().byUser.get(userId) ?? [];
  return list.length ? list[list.length - 1].seq : 0;
}

/** Marks some (or all) of a person's notifications read; returns how many changed. */
export async function markRead(userId: string, ids: string[] | "all"): Promise<number> {
  await notificationsReady();
  let changed = 0;
  await theLog().append(() => {
    const st = s();
    const at = nowIso();
    if (ids === "all") {
      changed = (st.byUser.get(userId) ?? []).filter((r) => !r.readAt).length;
      return changed ? [{ t: "read", u: userId, upTo: latestSeq(userId), at }] : [];
    }
    const seqs = new Set<number>();
    for (const id of ids) {
      const r = getNotification(userId, id);
      if (r && !r.readAt) seqs.add(r.seq);
    }
    changed = seqs.size;
    return changed ? [{ t: "read", u: userId, seqs: [...seqs], at }] : [];
  });
  if (changed) for (const fn of readListeners) fn(userId);
  return changed;
}

/** Minor-change notifications waiting for the daily digest, per person. */
export function pendingDigest(): Map<string, NotificationRecord[]> {
  const out = new Map<string, NotificationRecord[]>();
  for (const [userId, list] of s().byUser) {
    const waiting = list.filter((r) => r.digest && !r.digestedAt && !r.readAt);
    if (waiting.length) out.set(userId, waiting);
  }
  return out;
}

/** Marks records as included in a digest (or no longer waiting for one). */
export async function markDigested(records: NotificationRecord[]): Promise<void> {
  await notificationsReady();
  await theLog().append(() => {
    const seqs = records.map((r) => r.seq).filter((seq) => !s().bySeq.get(seq)?.digestedAt);
    return seqs.length ? [{ t: "dig", seqs, at: nowIso() }] : [];
  });
  // The caller's copies (records from another instance's message) show it too.
  for (const r of records) r.digestedAt ??= s().bySeq.get(r.seq)?.digestedAt;
}

/** Looks records up by id for delivery (any person). */
export function notificationsById(ids: string[]): NotificationRecord[] {
  const out: NotificationRecord[] = [];
  for (const id of ids) {
    const m = /^n(\d+)$/.exec(id);
    const r = m ? s().bySeq.get(Number(m[1])) : undefined;
    if (r) out.push(r);
  }
  return out;
}

/** Counts for health and the admin page. */
export function notificationTotals(): { records: number; people: number } {
  return { records: s().bySeq.size, people: s().byUser.size };
}
