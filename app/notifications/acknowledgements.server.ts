/**
 * Read acknowledgements ("I have read and understood vN"). A requirement asks
 * one person to confirm one document by a due date; an acknowledgement binds a
 * person to one exact version and is written to the audit trail. A requirement
 * for vN is met by acknowledging vN or any later version (acknowledging is
 * only possible for the current version, and only once the person has opened
 * that version: openings are recorded here too). Requirements, acknowledgements,
 * openings and reminders are lines of the "acknowledgements" append log (decision 119:
 * $DATA_DIR/notifications/acknowledgements.jsonl, or PostgreSQL shared by every instance).
 */
import { decideRead } from "~/access/policy.server";
import { getUserById, listUsers } from "~/org/users.server";
import { readDb } from "~/data/db.server";
import { appendAudit } from "~/audit/audit.server";
import type { User } from "~/data/schema";
import { getConfig } from "~/documents/config.server";
import { requireDocument } from "~/documents/documents.server";
import { latestVersion } from "~/documents/version-index.server";
import { nowIso, today } from "~/utils/clock.server";
import { AccessDeniedError, ConflictError, msg } from "~/utils/errors.server";
import { isConnectionFailure } from "~/data/pg-store.server";
import { FileLog, openLog, readyWhenLoaded, type PgLog } from "~/data/append-log.server";
import { listNotifications, markRead } from "./notifications.server";

export type AckReason = "major-change" | "onboarding" | "consolidation";
export type AckStatus = "acknowledged" | "pending" | "overdue";

export interface AckRequirement {
  id: string;
  userId: string;
  number: string;
  /** The version that made the requirement; acknowledging it or any later version meets it. */
  version: number;
  reason: AckReason;
  dueDate: string;
  createdAt: string;
  lastRemindedAt?: string;
  reminders: number;
}

export interface Acknowledgement {
  userId: string;
  number: string;
  version: number;
  at: string;
}

type Line =
  | ({ t: "req" } & Omit<AckRequirement, "reminders" | "lastRemindedAt">)
  /** Requirements made together (one major change): the same document, version, reason and due date for many people. */
  | { t: "reqs"; number: string; version: number; reason: AckReason; dueDate: string; createdAt: string; users: string[] }
  | ({ t: "ack" } & Acknowledgement)
  /** A person opened (was shown the text of) one version of a document. */
  | { t: "open"; userId: string; number: string; version: number; at: string }
  | { t: "remind"; ids: string[]; at: string; by: string; day: string };

interface State {
  requirements: Map<string, AckRequirement>;
  /** userId → number → requirements, oldest first. */
  byUser: Map<string, Map<string, AckRequirement[]>>;
  /** `${userId}|${number}` → acknowledgements, oldest first. */
  acks: Map<string, Acknowledgement[]>;
  /** userId → last day (YYYY-MM-DD) an automatic reminder went out. */
  autoReminded: Map<string, string>;
  /** `${userId}|${number}|${version}` of every version a person has opened. */
  opened: Set<string>;
}

let state: State | null = null;
let log: FileLog<Line> | PgLog<Line> | null = null;

function emptyState(): State {
  return { requirements: new Map(), byUser: new Map(), acks: new Map(), autoReminded: new Map(), opened: new Set() };
}

function theLog(): FileLog<Line> | PgLog<Line> {
  log ??= openLog<Line>("acknowledgements", {
    reset: () => {
      state = emptyState();
    },
    apply: (line) => apply((state ??= emptyState()), line),
  });
  return log;
}

/** Requirement ids are stable: one person, one document, one version. */
function requirementId(userId: string, number: string, version: number): string {
  return `${number}@${version}:${userId}`;
}

function apply(st: State, line: Line) {
  if (line.t === "reqs") {
    const { t: _t, users, ...common } = line;
    for (const userId of users) apply(st, { t: "req", ...common, userId, id: requirementId(userId, common.number, common.version) });
  } else if (line.t === "req") {
    const { t: _t, ...rest } = line;
    const r: AckRequirement = { ...rest, reminders: 0 };
    st.requirements.set(r.id, r);
    const perDoc = st.byUser.get(r.userId) ?? new Map<string, AckRequirement[]>();
    const list = perDoc.get(r.number) ?? [];
    list.push(r);
    perDoc.set(r.number, list);
    st.byUser.set(r.userId, perDoc);
  } else if (line.t === "ack") {
    const { t: _t, ...ack } = line;
    const key = `${ack.userId}|${ack.number}`;
    const list = st.acks.get(key) ?? [];
    list.push(ack);
    st.acks.set(key, list);
  } else if (line.t === "open") {
    st.opened.add(`${line.userId}|${line.number}|${line.version}`);
  } else if (line.t === "remind") {
    for (const id of line.ids) {
      const r = st.requirements.get(id);
      if (!r) continue;
      r.lastRemindedAt = line.at;
      r.reminders++;
      if (line.by === "system") st.autoReminded.set(r.userId, line.day);
    }
  }
}

/** Loads the log before a change when nothing read it yet. */
export const acknowledgementsReady = readyWhenLoaded(theLog, () => state !== null, () => void s());

function s(): State {
  if (state) return state;
  const l = theLog();
  if (!(l instanceof FileLog)) throw new Error("Acknowledgements not loaded: call loadAcknowledgements() at start-up");
  l.loadSync();
  return state!;
}

/** Loads the records (start-up). */
export async function loadAcknowledgements(): Promise<{ requirements: number }> {
  await theLog().load();
  return { requirements: s().requirements.size };
}

/** Applies what other instances stored since this one last looked (PostgreSQL; nothing to do with files). */
export async function syncAcknowledgements(): Promise<void> {
  if (state) await theLog().sync();
}

export function resetAcknowledgementsForTests() {
  state = null;
  log?.close();
  log = null;
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The default due date for a requirement made today. */
export function defaultAckDueDate(): string {
  return addDays(today(), getConfig().acknowledgementDueDays);
}

/** Highest version a person has acknowledged of a document. */
export function lastAcknowledgedVersion(userId: string, number: string): number | undefined {
  const list = s().acks.get(`${userId}|${number}`);
  if (!list?.length) return undefined;
  return Math.max(...list.map((a) => a.version));
}

/** Whether a person acknowledged exactly this version. */
export function hasAcknowledged(userId: string, number: string, version: number): boolean {
  return (s().acks.get(`${userId}|${number}`) ?? []).some((a) => a.version === version);
}

/** When a person acknowledged a version, if they did. */
export function acknowledgedAt(userId: string, number: string, version: number): string | undefined {
  return (s().acks.get(`${userId}|${number}`) ?? []).find((a) => a.version === version)?.at;
}

function firstAckFrom(userId: string, number: string, version: number): Acknowledgement | undefined {
  return (s().acks.get(`${userId}|${number}`) ?? []).find((a) => a.version >= version);
}

/** The people who have acknowledged any version of a document (for asking them to read what replaces it). */
export function acknowledgedBy(number: string): string[] {
  const out: string[] = [];
  for (const [key, list] of s().acks) if (list.length && key.slice(key.indexOf("|") + 1) === number) out.push(key.slice(0, key.indexOf("|")));
  return out;
}

/** The version a person is still asked to acknowledge for a document (undefined when nothing is open). */
export function openRequirementVersion(userId: string, number: string): number | undefined {
  const r = activeRequirement(userId, number);
  return r && !firstAckFrom(userId, number, r.version) ? r.version : undefined;
}

/** The requirement that counts for a person and document: the newest one. */
function activeRequirement(userId: string, number: string): AckRequirement | undefined {
  const list = s().byUser.get(userId)?.get(number);
  return list?.length ? list[list.length - 1] : undefined;
}

function statusOf(r: AckRequirement, day = today()): { status: AckStatus; ack?: Acknowledgement } {
  const ack = firstAckFrom(r.userId, r.number, r.version);
  if (ack) return { status: "acknowledged", ack };
  return { status: day > r.dueDate ? "overdue" : "pending" };
}

/**
 * Asks people to acknowledge a version. People who may not read the document,
 * who already acknowledged this version or a later one, or who already owe
 * this version, are skipped. Returns the requirements created.
 */
export async function requireAcknowledgement(input: {
  userIds: string[];
  number: string;
  version: number;
  dueDate?: string;
  reason: AckReason;
}): Promise<AckRequirement[]> {
  await acknowledgementsReady();
  const current = latestVersion(input.number);
  if (!current || current.meta.retired) return [];
  const dueDate = input.dueDate ?? defaultAckDueDate();
  const createdAt = nowIso();
  let chosen: string[] = [];
  const users = new Map(readDb().users.map((u) => [u.id, u]));
  await theLog().append(() => {
    chosen = [];
    for (const userId of new Set(input.userIds)) {
      const user = users.get(userId);
      if (!user || !user.active) continue;
      if (!decideRead(user, current.meta).allowed) continue;
      if (firstAckFrom(userId, input.number, input.version)) continue;
      const active = activeRequirement(userId, input.number);
      if (active && active.version >= input.version && !firstAckFrom(userId, input.number, active.version)) continue;
      if (s().requirements.has(requirementId(userId, input.number, input.version))) continue;
      chosen.push(userId);
    }
    return chosen.length ? [{ t: "reqs", number: input.number, version: input.version, reason: input.reason, dueDate, createdAt, users: chosen }] : [];
  });
  const st = s();
  return chosen.map((userId) => st.requirements.get(requirementId(userId, input.number, input.version))!);
}

/** Whether a person has opened this version of a document (the text was shown to them). */
export function hasOpened(userId: string, number: string, version: number): boolean {
  return s().opened.has(`${userId}|${number}|${version}`);
}

/**
 * Records that a person was shown the text of a version (the document page, the
 * version page, the print view, the API). Once per person and version; an
 * acknowledgement is only accepted for a version the person has opened.
 */
export async function recordOpened(userId: string, number: string, version: number): Promise<void> {
  try {
    await acknowledgementsReady();
    if (hasOpened(userId, number, version)) return;
    await theLog().append(() => (hasOpened(userId, number, version) ? [] : [{ t: "open", userId, number, version, at: nowIso() }]));
  } catch (error) {
    // The shared database is away (decision 121): the page is still read; the opening is recorded at the next visit.
    if (!isConnectionFailure(error)) throw error;
    console.warn(`[acknowledgements] could not record that ${number} v${version} was opened: ${(error as Error).message}`);
  }
}

/**
 * Records that a person has read and understood the current version of a
 * document, in the audit trail. Only the current version can be acknowledged,
 * and only once the person has opened it; the change notifications about that
 * version (and older ones) are marked read with it.
 */
export async function acknowledge(user: Pick<User, "id" | "username" | "roles" | "departmentId">, number: string, version: number): Promise<Acknowledgement> {
  const current = requireDocument(number);
  if (!decideRead(user, current.meta).allowed) throw new AccessDeniedError(msg("notifications.err.ackAccess", { number }), { number });
  if (version !== current.version) {
    throw new ConflictError(msg("notifications.err.ackNotCurrent", { version, number, current: current.version }), {
      currentVersion: current.version,
    });
  }
  await acknowledgementsReady();
  const find = () => (s().acks.get(`${user.id}|${number}`) ?? []).find((a) => a.version === version);
  const existing = find();
  if (existing) return existing;
  const ack: Acknowledgement = { userId: user.id, number, version, at: nowIso() };
  let met: AckRequirement[] = [];
  let earlier: Acknowledgement | undefined;
  await theLog().append(() => {
    // Decided from every stored line: the same person may be acknowledging on another instance at once.
    earlier = find();
    if (earlier) return [];
    if (!hasOpened(user.id, number, version)) {
      throw new ConflictError(msg("ack.notOpened", { number, version }), {
        number,
        version,
        reason: "not-opened",
      }).saying({ key: "ack.notOpened", vars: { number, version } });
    }
    met = (s().byUser.get(user.id)?.get(number) ?? []).filter((r) => r.version <= version && !firstAckFrom(user.id, number, r.version));
    return [{ t: "ack", ...ack }];
  });
  if (earlier) return earlier;
  await appendAudit({
    actor: user.username,
    action: "document.acknowledge",
    object: number,
    details: { version, statement: `I have read and understood v${version}`, requirements: met.map((r) => ({ id: r.id, reason: r.reason, version: r.version, dueDate: r.dueDate })) },
  });
  await markNoticesRead(user.id, number, version);
  return ack;
}

export interface OwedAcknowledgement {
  number: string;
  title: string;
  /** The version to acknowledge now: the current one. */
  version: number;
  /** The version that made the requirement. */
  requiredVersion: number;
  dueDate: string;
  overdue: boolean;
  reason: AckReason;
  requirementId: string;
}

/** What a person still has to acknowledge (documents they can read and that are not retired), most urgent first. */
export function owedBy(userId: string): OwedAcknowledgement[] {
  const user = getUserById(userId);
  if (!user || !user.active) return [];
  const day = today();
  const out: OwedAcknowledgement[] = [];
  for (const [number] of s().byUser.get(userId) ?? []) {
    const r = activeRequirement(userId, number)!;
    const current = latestVersion(number);
    if (!current || current.meta.retired || !decideRead(user, current.meta).allowed) continue;
    const { status } = statusOf(r, day);
    if (status === "acknowledged") continue;
    out.push({
      number,
      title: current.meta.title,
      version: current.version,
      requiredVersion: r.version,
      dueDate: r.dueDate,
      overdue: status === "overdue",
      reason: r.reason,
      requirementId: r.id,
    });
  }
  return out.sort((a, b) => a.dueDate.localeCompare(b.dueDate) || a.number.localeCompare(b.number, "en", { numeric: true }));
}

export interface AckReportRow {
  requirementId: string;
  userId: string;
  username: string;
  name: string;
  departmentId: string;
  number: string;
  title: string;
  requiredVersion: number;
  currentVersion: number;
  reason: AckReason;
  requiredAt: string;
  dueDate: string;
  status: AckStatus;
  acknowledgedAt?: string;
  acknowledgedVersion?: number;
  lastRemindedAt?: string;
  reminders: number;
}

/**
 * Who has acknowledged what: one row per person and document (their newest
 * requirement), for active people and documents that are not retired.
 * Filter by document and/or by the person's department.
 */
export function acknowledgementReport(filter: { number?: string; departmentId?: string; status?: AckStatus } = {}): AckReportRow[] {
  const day = today();
  const rows: AckReportRow[] = [];
  for (const [userId, perDoc] of s().byUser) {
    const user = getUserById(userId);
    if (!user || !user.active) continue;
    if (filter.departmentId && user.departmentId !== filter.departmentId) continue;
    for (const [number] of perDoc) {
      if (filter.number && number !== filter.number) continue;
      const current = latestVersion(number);
      if (!current || current.meta.retired) continue;
      const r = activeRequirement(userId, number)!;
      const { status, ack } = statusOf(r, day);
      if (filter.status && status !== filter.status) continue;
      rows.push({
        requirementId: r.id,
        userId,
        username: user.username,
        name: user.name,
        departmentId: user.departmentId,
        number,
        title: current.meta.title,
        requiredVersion: r.version,
        currentVersion: current.version,
        reason: r.reason,
        requiredAt: r.createdAt,
        dueDate: r.dueDate,
        status,
        acknowledgedAt: ack?.at,
        acknowledgedVersion: ack?.version,
        lastRemindedAt: r.lastRemindedAt,
        reminders: r.reminders,
      });
    }
  }
  const order: Record<AckStatus, number> = { overdue: 0, pending: 1, acknowledged: 2 };
  return rows.sort(
    (a, b) =>
      a.number.localeCompare(b.number, "en", { numeric: true }) || order[a.status] - order[b.status] || a.username.localeCompare(b.username),
  );
}

/** Acknowledgement rate per department (compliance dashboard). */
export function acknowledgementRates(): { departmentId: string; required: number; acknowledged: number; pending: number; overdue: number; rate: number }[] {
  const byDept = new Map<string, { required: number; acknowledged: number; pending: number; overdue: number }>();
  for (const row of acknowledgementReport()) {
    const d = byDept.get(row.departmentId) ?? { required: 0, acknowledged: 0, pending: 0, overdue: 0 };
    d.required++;
    d[row.status]++;
    byDept.set(row.departmentId, d);
  }
  return [...byDept.entries()]
    .map(([departmentId, d]) => ({ departmentId, ...d, rate: d.required ? d.acknowledged / d.required : 1 }))
    .sort((a, b) => a.departmentId.localeCompare(b.departmentId));
}

/** Records that reminders went out for these requirements. */
export async function recordReminders(requirementIds: string[], by: string): Promise<void> {
  if (!requirementIds.length) return;
  await acknowledgementsReady();
  await theLog().append(() => [{ t: "remind", ids: requirementIds, at: nowIso(), by, day: today() }]);
}

/** People with overdue acknowledgements who have not had an automatic reminder today. */
export function overdueNeedingReminder(): { user: User; rows: AckReportRow[] }[] {
  const day = today();
  const byUser = new Map<string, AckReportRow[]>();
  for (const row of acknowledgementReport({ status: "overdue" })) {
    if (s().autoReminded.get(row.userId) === day) continue;
    const list = byUser.get(row.userId) ?? [];
    list.push(row);
    byUser.set(row.userId, list);
  }
  const users = new Map(listUsers().map((u) => [u.id, u]));
  return [...byUser.entries()].filter(([id]) => users.has(id)).map(([id, rows]) => ({ user: users.get(id)!, rows }));
}

/** The requirement rows with these ids (for manual reminders). */
export function reportRowsByIds(ids: string[]): AckReportRow[] {
  const wanted = new Set(ids);
  return acknowledgementReport().filter((r) => wanted.has(r.requirementId));
}

const ACKNOWLEDGED_KINDS = new Set(["document.published", "document.scheduled", "acknowledgement.reminder"]);

/** Marks read the person's unread notifications about this document up to this version (the change they just confirmed). */
async function markNoticesRead(userId: string, number: string, version: number): Promise<void> {
  const ids = listNotifications(userId, { unreadOnly: true, limit: Number.MAX_SAFE_INTEGER })
    .items.filter((n) => n.number === number && ACKNOWLEDGED_KINDS.has(n.kind) && (n.version === undefined || n.version <= version))
    .map((n) => n.id);
  if (ids.length) await markRead(userId, ids);
}
