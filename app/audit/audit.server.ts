/**
 * Append-only, hash-chained audit log at $DATA_DIR/audit/audit.log (JSON lines).
 * Each entry carries the SHA-256 of the previous entry's line, so editing or
 * deleting any line breaks the chain from there on. Nothing here edits or
 * deletes entries.
 *
 * Cutting entries off the end leaves a valid chain, so the newest entry is
 * anchored where DATA_DIR alone cannot rewrite it (decision 074): the head
 * record is signed with an HMAC whose key lives outside DATA_DIR (AUDIT_KEY
 * or AUDIT_KEY_FILE), and every publication's commit and every backup's
 * manifest records the head of its moment (checked by audit-anchors).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { databasePool, onDataChanged, updateDb, updateDbWithin } from "~/data/db.server";
import type { Data } from "~/data/schema";
import { unavailable } from "~/data/pg-store.server";
import { nowIso } from "~/utils/clock.server";
import { ConfigError, getEnv } from "~/utils/env.server";
import { withLock } from "~/utils/lock.server";
import { appendChained, appendChainedIn, entriesAfter, hashAt as storedHashAt, type StoredEntry } from "./audit-pg.server";

export interface AuditInput {
  actor: string; // username, or "system" / "anonymous"
  action: string; // e.g. "auth.login", "document.view", "access.grant"
  object?: string; // e.g. "EXE-003", "user:editor"
  outcome?: "ok" | "denied" | "failed";
  details?: Record<string, unknown>;
}

export interface AuditEntry extends Required<Omit<AuditInput, "details">> {
  seq: number;
  time: string;
  details?: Record<string, unknown>;
  prev: string;
  hash: string;
}

const GENESIS = "0".repeat(64);
let tail: { seq: number; hash: string } | null = null;

/** The recorded newest entry: sequence number and hash, signed (mac) with the audit key (key = its id). */
export interface AuditHead {
  seq: number;
  hash: string;
  key?: string;
  mac?: string;
}

export function auditFile() {
  return path.join(getEnv().dataDir, "audit", "audit.log");
}

/**
 * The last entry's sequence number and hash, signed, rewritten after every
 * append. Deleting entries from the end of the log leaves the chain intact,
 * but no longer reaches this head, and without the key the head cannot be
 * rewritten to match.
 */
export function auditHeadFile() {
  return path.join(getEnv().dataDir, "audit", "audit.head");
}

// ---- the key --------------------------------------------------------------

export interface AuditKey {
  key: Buffer;
  /** A short public id of the key (first 12 hex digits of its SHA-256), shown and stored with the head. */
  id: string;
  /** Where it came from, for messages: "AUDIT_KEY", or the key file's path. */
  source: string;
  /** True when neither AUDIT_KEY nor AUDIT_KEY_FILE is set and the default key file is used. */
  fallback: boolean;
}

let cachedKey: AuditKey | null = null;

/** The key file used when neither AUDIT_KEY nor AUDIT_KEY_FILE is set: in the user's configuration folder, not in DATA_DIR. */
export function defaultAuditKeyFile(): string {
  const base = process.env.XDG_CONFIG_HOME || path.join(os.homedir(), ".config");
  return path.join(base, "regula", "audit-key");
}

function inside(dir: string, file: string) {
  const rel = path.relative(dir, file);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

function readOrCreateKeyFile(file: string, create: boolean): Buffer {
  try {
    const text = fs.readFileSync(file, "utf8").trim();
    if (text.length < 32) throw new ConfigError(`The audit key in ${file} is shorter than 32 characters; put a longer secret there (e.g. openssl rand -hex 32).`);
    return Buffer.from(text);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new ConfigError(`The audit key file ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`);
    }
    if (!create) {
      throw new ConfigError(`The audit key file ${file} does not exist, so the audit head's signature cannot be checked. Set AUDIT_KEY or AUDIT_KEY_FILE as the portal has them.`);
    }
  }
  // Created once, atomically: several processes starting together agree on one key.
  const secret = randomBytes(32).toString("hex");
  const tmp = `${file}.${process.pid}.${randomBytes(3).toString("hex")}.tmp`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(tmp, secret + "\n", { mode: 0o600 });
    try {
      fs.linkSync(tmp, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  } catch (error) {
    throw new ConfigError(
      `The audit key file ${file} cannot be created (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}). ` +
        `Set AUDIT_KEY, or AUDIT_KEY_FILE to a writable place outside DATA_DIR.`,
    );
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  console.warn(`[audit] created the audit key ${file}: keep it (and a copy) outside DATA_DIR; without it the audit head cannot be checked`);
  return Buffer.from(fs.readFileSync(file, "utf8").trim());
}

/**
 * The key that signs the audit head: AUDIT_KEY, else the file AUDIT_KEY_FILE
 * names, else a key file in the user's configuration folder (created at first
 * use, with a warning; `create: false` for read-only checks). The key may never be inside DATA_DIR.
 */
export function auditKey(options: { create?: boolean } = {}): AuditKey {
  if (cachedKey) return cachedKey;
  const env = getEnv();
  let key: Buffer;
  let source: string;
  let fallback = false;
  if (env.AUDIT_KEY) {
    key = Buffer.from(env.AUDIT_KEY);
    source = "AUDIT_KEY";
  } else {
    const file = path.resolve(env.AUDIT_KEY_FILE ?? defaultAuditKeyFile());
    if (inside(env.dataDir, file)) {
      throw new ConfigError(`The audit key file ${file} is inside DATA_DIR: whoever can rewrite the log could rewrite its key. Point AUDIT_KEY_FILE outside ${env.dataDir}.`);
    }
    fallback = !env.AUDIT_KEY_FILE;
    key = readOrCreateKeyFile(file, options.create !== false);
    source = file;
  }
  cachedKey = { key, id: createHash("sha256").update(key).digest("hex").slice(0, 12), source, fallback };
  return cachedKey;
}

/** The signature of a head: HMAC-SHA256 over its sequence number and hash. */
export function signHead(seq: number, hash: string, key: AuditKey = auditKey()): AuditHead {
  const mac = createHmac("sha256", key.key).update(`regula-audit-head\n${seq}\n${hash}`).digest("hex");
  return { seq, hash, key: key.id, mac };
}

function signatureMatches(head: AuditHead, key: AuditKey): boolean {
  if (!head.mac || !/^[0-9a-f]{64}$/.test(head.mac)) return false;
  const expected = Buffer.from(signHead(head.seq, head.hash, key).mac!, "hex");
  return timingSafeEqual(expected, Buffer.from(head.mac, "hex"));
}

// ---- the head -------------------------------------------------------------

/** The recorded head (sequence number and hash of the newest entry, with its signature), if any. */
export function readAuditHead(): AuditHead | null {
  try {
    const head = JSON.parse(fs.readFileSync(auditHeadFile(), "utf8")) as Partial<AuditHead>;
    if (typeof head.seq !== "number" || typeof head.hash !== "string") return null;
    return {
      seq: head.seq,
      hash: head.hash,
      ...(typeof head.key === "string" ? { key: head.key } : {}),
      ...(typeof head.mac === "string" ? { mac: head.mac } : {}),
    };
  } catch {
    return null;
  }
}

async function writeHead(head: { seq: number; hash: string }) {
  const tmp = `${auditHeadFile()}.${process.pid}.tmp`;
  await fsp.writeFile(tmp, JSON.stringify(signHead(head.seq, head.hash)) + "\n");
  await fsp.rename(tmp, auditHeadFile());
}

/**
 * What is wrong with the head for a log of these entries, or null when the
 * signed head matches the log. The head may be one entry behind the log: the
 * portal may have stopped between appending an entry and signing its head.
 */
export function checkAuditHead(log: LogView, head: AuditHead | null, key: AuditKey = auditKey()): string | null {
  const n = log.length;
  if (!head) return n ? `audit.head is missing, but the log holds ${n} entries (it was deleted, or the log was not written by the portal)` : null;
  if (!head.mac) return "audit.head is not signed (it was written by hand, or by a version of Regula before heads were signed)";
  if (!signatureMatches(head, key)) {
    return head.key && head.key !== key.id
      ? `audit.head was signed with another key (${head.key}; this portal's key is ${key.id} from ${key.source})`
      : "audit.head's signature does not match its content: it was not written by the portal";
  }
  if (head.seq > n) return `entries ${n + 1} to ${head.seq} are missing (the log ends before its signed head)`;
  if (head.seq > 0 && log.hashAt(head.seq) !== head.hash) return `entry ${head.seq} does not match the signed head (the log was rewritten)`;
  if (head.seq < n - 1) return `entries ${head.seq + 2} to ${n} come after the signed head (they were not written by the portal)`;
  return null;
}

/** What the head check needs of a log: its length and the hash of entry `seq` (1-based). */
export interface LogView {
  length: number;
  hashAt(seq: number): string | undefined;
}

/** A LogView over parsed entries. */
export function viewOf(entries: { hash: string }[]): LogView {
  return { length: entries.length, hashAt: (seq) => entries[seq - 1]?.hash };
}

/** The line of the log a head problem points at (1-based). */
function lineOf(entries: unknown[], head: AuditHead | null) {
  if (!head) return entries.length;
  return Math.min(head.seq, entries.length + 1) || 1;
}

/** An anchor of the head held elsewhere (a commit trailer, a backup manifest): which entry, and its hash. */
export interface AuditAnchor {
  seq: number;
  hash: string;
}

/** Formats an anchor for a commit trailer: `<seq> <hash>`. */
export function formatAnchor(a: AuditAnchor): string {
  return `${a.seq} ${a.hash}`;
}

/** Parses a trailer value written by formatAnchor. */
export function parseAnchor(value: string | undefined): AuditAnchor | null {
  const m = /^(\d+) ([0-9a-f]{64})$/.exec((value ?? "").trim());
  return m ? { seq: Number(m[1]), hash: m[2] } : null;
}

/** What an anchor says about a log of these entries: null when the log holds that entry with that hash. */
export function checkAnchor(entries: { hash: string }[], anchor: AuditAnchor): string | null {
  if (anchor.seq === 0) return null;
  if (anchor.seq > entries.length) return `it records entry ${anchor.seq}, but the log ends at entry ${entries.length}`;
  if (entries[anchor.seq - 1].hash !== anchor.hash) return `entry ${anchor.seq} in the log is not the one it records (the log was rewritten)`;
  return null;
}

/** The newest entry as it stands now (for anchoring it in a commit or a backup). */
export async function currentAuditAnchor(): Promise<AuditAnchor> {
  return withLock("audit", async () => {
    await catchUpLocked();
    const t = await loadTail();
    return { seq: t.seq, hash: t.hash };
  });
}

/** The hash of an entry: SHA-256 over its fields in a fixed order. */
export function hashEntry(e: Omit<AuditEntry, "hash">): string {
  const canonical = JSON.stringify([e.seq, e.time, e.actor, e.action, e.object, e.outcome, e.details ?? null, e.prev]);
  return createHash("sha256").update(canonical).digest("hex");
}

async function loadTail(): Promise<{ seq: number; hash: string }> {
  if (tail) return tail;
  const pool = databasePool();
  if (pool) return (tail = await mirrorFromDatabase(pool));
  let text = "";
  try {
    text = await fsp.readFile(auditFile(), "utf8");
  } catch {
    /* empty log */
  }
  const lines = text.split("\n").filter((l) => l.trim());
  // A torn last line (crash mid-append) is dropped from the file before continuing.
  while (lines.length) {
    try {
      JSON.parse(lines[lines.length - 1]);
      break;
    } catch {
      lines.pop();
      await fsp.writeFile(auditFile(), lines.length ? lines.join("\n") + "\n" : "");
    }
  }
  // Only the lines the head check needs are parsed (the log can be large).
  const hashAt = (seq: number) => {
    try {
      return (JSON.parse(lines[seq - 1] ?? "null") as AuditEntry | null)?.hash;
    } catch {
      return undefined;
    }
  };
  const last = lines.length ? (JSON.parse(lines[lines.length - 1]) as AuditEntry) : null;
  tail = last ? { seq: last.seq, hash: last.hash } : { seq: 0, hash: GENESIS };
  await inspectHeadAtStart({ length: lines.length, hashAt });
  return tail;
}

/**
 * Before the first append of a process the head is checked against the log.
 * The next append signs a new head, so a head that does not match is kept
 * aside (audit.head.rejected-<time>) and the finding is recorded as the next
 * entry: `npm run audit:verify` reports it from then on. A head that is only
 * unsigned (an installation from before signed heads) and matches the log is
 * signed, and that too is recorded.
 */
async function inspectHeadAtStart(log: LogView) {
  const head = readAuditHead();
  const problem = checkAuditHead(log, head);
  if (!problem) return;
  const unsignedButMatching = !!head && !head.mac && checkAuditHead(log, signHead(head.seq, head.hash)) === null;
  if (unsignedButMatching) {
    await appendLocked({ actor: "system", action: "audit.head-signed", outcome: "ok", details: { seq: head.seq, key: auditKey().id } });
    return;
  }
  const kept = `${auditHeadFile()}.rejected-${nowIso().replace(/[:.]/g, "")}`;
  if (head) await fsp.copyFile(auditHeadFile(), kept).catch(() => {});
  console.warn(`[audit] ${problem}; recorded in the audit log${head ? ` (the head is kept in ${kept})` : ""}`);
  await appendLocked({
    actor: "system",
    action: "audit.head-rejected",
    outcome: "failed",
    details: { problem, recordedHead: head ? { seq: head.seq, hash: head.hash, key: head.key ?? null } : null, logEntries: log.length },
  });
}

// ---- PostgreSQL: the database holds the chain, audit.log is this instance's copy ----

let following = false;

/**
 * Makes the local audit.log a copy of the database's chain: the entries it
 * lacks are appended when its newest entry is the database's entry of that
 * number, otherwise it is written anew from the database. The head is signed
 * for the copy. Afterwards the copy follows the database (on other
 * instances' changes and on a timer).
 */
async function mirrorFromDatabase(pool: import("pg").Pool): Promise<{ seq: number; hash: string }> {
  const file = auditFile();
  let text = "";
  try {
    text = await fsp.readFile(file, "utf8");
  } catch {
    /* no copy yet */
  }
  const lines = text.split("\n").filter((l) => l.trim());
  let last: { seq: number; hash: string } | null = null;
  try {
    last = lines.length ? (JSON.parse(lines[lines.length - 1]) as AuditEntry) : null;
  } catch {
    last = null;
  }
  const matches = !lines.length || (!!last && last.seq === lines.length && (await storedHashAt(pool, last.seq)) === last.hash);
  const missing = await entriesAfter(pool, matches ? lines.length : 0);
  await fsp.mkdir(path.dirname(file), { recursive: true });
  if (matches) {
    if (missing.length) await fsp.appendFile(file, missing.map((e) => e.text + "\n").join(""));
  } else {
    const tmp = `${file}.${process.pid}.tmp`;
    await fsp.writeFile(tmp, missing.map((e) => e.text + "\n").join(""));
    await fsp.rename(tmp, file);
    console.warn(`[audit] ${file} did not match the database's audit log; it was written anew from the database`);
  }
  const end = missing.length ? missing[missing.length - 1] : matches ? last : null;
  const t = end ? { seq: end.seq, hash: end.hash } : { seq: 0, hash: GENESIS };
  if (t.seq > 0) await writeHead(t);
  if (!following) {
    following = true;
    onDataChanged(() => void syncAuditCopy().catch(() => undefined));
    setInterval(() => void syncAuditCopy().catch(() => undefined), getEnv().DATABASE_POLL_MS).unref();
  }
  return t;
}

/** Appends to the local copy what the database holds after it (call under the audit lock). */
async function catchUpLocked() {
  const pool = databasePool();
  if (!pool || !tail) return;
  const others = await entriesAfter(pool, tail.seq);
  await copyLocally(others);
}

/** Appends stored entries to the local copy and signs its head; a failure leaves the copy to be repaired at the next start. */
async function copyLocally(entries: StoredEntry[]) {
  if (!entries.length) return;
  const end = entries[entries.length - 1];
  try {
    await fsp.mkdir(path.dirname(auditFile()), { recursive: true });
    await fsp.appendFile(auditFile(), entries.map((e) => e.text + "\n").join(""));
    tail = { seq: end.seq, hash: end.hash };
    await writeHead(tail);
  } catch (error) {
    tail = null;
    console.warn(`[audit] the local copy of the audit log could not be written (${(error as Error).message}); it is repaired from the database`);
  }
}

/** Brings this instance's copy of the audit log up to the database (PostgreSQL only; nothing to do otherwise). */
export async function syncAuditCopy(): Promise<void> {
  if (!databasePool()) return;
  await withLock("audit", async () => {
    await loadTail();
    await catchUpLocked();
  });
}

/** Appends under the database's audit lock, after the entries other instances added (PostgreSQL). */
async function appendToDatabase(pool: import("pg").Pool, inputs: AuditInput[]): Promise<AuditEntry[]> {
  const start = await loadTail();
  let appended: Awaited<ReturnType<typeof appendChained<AuditEntry>>>;
  try {
    appended = await appendChained(pool, start.seq, (others) => {
    let t = others.length ? { seq: others[others.length - 1].seq, hash: others[others.length - 1].hash } : start;
    return inputs.map((input) => {
      const entry = nextEntry(t, input);
      t = { seq: entry.seq, hash: entry.hash };
      return entry;
    });
    });
  } catch (error) {
    // An unreachable database is a 503 that changed nothing (the transaction never committed), not a 500.
    throw unavailable(error);
  }
  const { others, entries } = appended;
  await copyLocally([...others, ...entries.map((e) => ({ seq: e.seq, hash: e.hash, text: JSON.stringify(e) }))]);
  return entries;
}

/**
 * Applies a change to the records and appends its audit entries (built from the change's result) as
 * one step (decision 129). With PostgreSQL both go in one transaction: stored together or not at all,
 * whatever fails in between. With lowdb the records are written first and put back as `undo` says when
 * the entries cannot be appended (one process: nothing else writes in between). `unchanged` says from
 * the result that the change found nothing to do: lowdb then writes nothing.
 */
export async function updateWithAudit<T>(
  mutate: (data: Data) => T,
  audits: (result: T) => AuditInput[],
  undo: (data: Data, result: T) => void,
  unchanged?: (result: T) => boolean
): Promise<T> {
  const pool = databasePool();
  if (pool) {
    return withLock("audit", async () => {
      const start = await loadTail();
      let stored: StoredEntry[] = [];
      const result = await updateDbWithin(mutate, async (client, result) => {
        const inputs = audits(result);
        if (!inputs.length) return;
        const { others, entries } = await appendChainedIn(client, start.seq, (others) => {
          let t = others.length ? { seq: others[others.length - 1].seq, hash: others[others.length - 1].hash } : start;
          return inputs.map((input) => {
            const entry = nextEntry(t, input);
            t = { seq: entry.seq, hash: entry.hash };
            return entry;
          });
        });
        stored = [...others, ...entries.map((e) => ({ seq: e.seq, hash: e.hash, text: JSON.stringify(e) }))];
      });
      await copyLocally(stored);
      return result;
    });
  }
  const result = await updateDb(mutate, { unchanged });
  try {
    await appendAudits(audits(result));
  } catch (error) {
    await updateDb((data) => undo(data, result));
    throw error;
  }
  return result;
}

/** Appends one entry (time from the server clock, clock.server.ts). */
export async function appendAudit(input: AuditInput): Promise<AuditEntry> {
  const pool = databasePool();
  if (pool) return withLock("audit", async () => (await appendToDatabase(pool, [input]))[0]);
  return withLock("audit", async () => {
    await loadTail();
    return appendLocked(input);
  });
}

/**
 * Appends several entries as one step: all of them are written (and the head
 * signed for the last) or none is. When the write or the head fails part way,
 * the log is cut back to where this group began (those lines were never
 * acknowledged to anyone) and the error goes to the caller, who puts its own
 * records back. Entries that were acknowledged are never touched.
 */
export async function appendAudits(inputs: AuditInput[]): Promise<AuditEntry[]> {
  if (!inputs.length) return [];
  const pool = databasePool();
  if (pool) return withLock("audit", () => appendToDatabase(pool, inputs));
  return withLock("audit", async () => {
    const start = await loadTail();
    const file = auditFile();
    let size = 0;
    try {
      size = (await fsp.stat(file)).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    let t = start;
    const entries: AuditEntry[] = [];
    for (const input of inputs) {
      const entry = nextEntry(t, input);
      entries.push(entry);
      t = { seq: entry.seq, hash: entry.hash };
    }
    try {
      await fsp.mkdir(path.dirname(file), { recursive: true });
      await fsp.appendFile(file, entries.map((e) => JSON.stringify(e) + "\n").join(""));
      await writeHead(t);
    } catch (error) {
      await fsp.truncate(file, size).catch(() => {});
      tail = start;
      throw error;
    }
    tail = t;
    return entries;
  });
}

/** The entry that follows `t` in the chain. */
function nextEntry(t: { seq: number; hash: string }, input: AuditInput): AuditEntry {
  const base = {
    seq: t.seq + 1,
    time: nowIso(),
    actor: input.actor,
    action: input.action,
    object: input.object ?? "",
    outcome: input.outcome ?? "ok",
    ...(input.details ? { details: input.details } : {}),
    prev: t.hash,
  };
  return { ...base, hash: hashEntry(base) };
}

async function appendLocked(input: AuditInput): Promise<AuditEntry> {
  const t = tail!;
  const entry = nextEntry(t, input);
  await fsp.mkdir(path.dirname(auditFile()), { recursive: true });
  await fsp.appendFile(auditFile(), JSON.stringify(entry) + "\n");
  tail = { seq: entry.seq, hash: entry.hash };
  await writeHead(tail);
  return entry;
}

/** Reads every entry (for reports and verification). */
export function readAuditEntries(): AuditEntry[] {
  let text = "";
  try {
    text = fs.readFileSync(auditFile(), "utf8");
  } catch {
    return [];
  }
  const out: AuditEntry[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      out.push({ seq: -1, time: "", actor: "", action: "corrupt", object: line.slice(0, 80), outcome: "failed", prev: "", hash: "" });
    }
  }
  return out;
}

/**
 * Checks the chain and the signed head; returns the first problem's line
 * number (1-based) or null when intact. Findings the portal recorded earlier
 * (audit.head-rejected entries: a head that did not match at some start) are
 * reported too: they stay in the log.
 */
export function verifyAuditChain():
  | { ok: true; count: number; head: string; signedBy: string }
  | { ok: false; line: number; reason: string } {
  const entries = readAuditEntries();
  let prev = GENESIS;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (e.action === "corrupt" && e.seq === -1) return { ok: false, line: i + 1, reason: "line is not valid JSON" };
    if (e.prev !== prev) return { ok: false, line: i + 1, reason: "previous-hash link does not match" };
    const { hash, ...rest } = e;
    if (hashEntry(rest) !== hash) return { ok: false, line: i + 1, reason: "entry hash does not match its content" };
    if (e.seq !== i + 1) return { ok: false, line: i + 1, reason: "sequence number out of order" };
    prev = hash;
  }
  const head = readAuditHead();
  const key = auditKey();
  const problem = checkAuditHead(viewOf(entries), head, key);
  if (problem) return { ok: false, line: lineOf(entries, head), reason: problem };
  const rejected = entries.find((e) => e.action === "audit.head-rejected");
  if (rejected) {
    const found = String((rejected.details as { problem?: unknown } | undefined)?.problem ?? "the head did not match the log");
    return { ok: false, line: rejected.seq, reason: `at ${rejected.time} the portal found that ${found}; entries may have been removed before that start` };
  }
  return { ok: true, count: entries.length, head: prev, signedBy: `${key.id} (${key.source})` };
}

export function resetAuditForTests() {
  tail = null;
  cachedKey = null;
}
