/**
 * Append-only, hash-chained audit log at $DATA_DIR/audit/audit.log (JSON lines).
 * Each entry carries the SHA-256 of the previous entry's line, so editing or
 * deleting any line breaks the chain from there on. Nothing here edits or
 * deletes entries.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { nowIso } from "~/utils/clock.server";
import { getEnv } from "~/utils/env.server";
import { withLock } from "~/utils/lock.server";

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

export function auditFile() {
  return path.join(getEnv().dataDir, "audit", "audit.log");
}

/**
 * The last entry's sequence number and hash, rewritten after every append.
 * Deleting entries from the end of the log leaves the chain intact, but no
 * longer reaches this head, so verification reports the truncation.
 */
export function auditHeadFile() {
  return path.join(getEnv().dataDir, "audit", "audit.head");
}

/** The recorded head (sequence number and hash of the newest entry), if any. */
export function readAuditHead(): { seq: number; hash: string } | null {
  try {
    const head = JSON.parse(fs.readFileSync(auditHeadFile(), "utf8")) as { seq?: unknown; hash?: unknown };
    return typeof head.seq === "number" && typeof head.hash === "string" ? { seq: head.seq, hash: head.hash } : null;
  } catch {
    return null;
  }
}

async function writeHead(head: { seq: number; hash: string }) {
  const tmp = `${auditHeadFile()}.${process.pid}.tmp`;
  await fsp.writeFile(tmp, JSON.stringify(head) + "\n");
  await fsp.rename(tmp, auditHeadFile());
}

/** The hash of an entry: SHA-256 over its fields in a fixed order. */
export function hashEntry(e: Omit<AuditEntry, "hash">): string {
  const canonical = JSON.stringify([e.seq, e.time, e.actor, e.action, e.object, e.outcome, e.details ?? null, e.prev]);
  return createHash("sha256").update(canonical).digest("hex");
}

async function loadTail(): Promise<{ seq: number; hash: string }> {
  if (tail) return tail;
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
      const last = JSON.parse(lines[lines.length - 1]) as AuditEntry;
      tail = { seq: last.seq, hash: last.hash };
      return tail;
    } catch {
      lines.pop();
      await fsp.writeFile(auditFile(), lines.length ? lines.join("\n") + "\n" : "");
    }
  }
  tail = { seq: 0, hash: GENESIS };
  return tail;
}

/** Appends one entry (time from the server clock, clock.server.ts). */
export async function appendAudit(input: AuditInput): Promise<AuditEntry> {
  return withLock("audit", async () => {
    const t = await loadTail();
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
    const entry: AuditEntry = { ...base, hash: hashEntry(base) };
    await fsp.mkdir(path.dirname(auditFile()), { recursive: true });
    await fsp.appendFile(auditFile(), JSON.stringify(entry) + "\n");
    tail = { seq: entry.seq, hash: entry.hash };
    await writeHead(tail);
    return entry;
  });
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

/** Checks the chain; returns the first broken entry's line number (1-based) or null when intact. */
export function verifyAuditChain(): { ok: true; count: number; head: string } | { ok: false; line: number; reason: string } {
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
  if (head) {
    if (entries.length < head.seq) {
      return { ok: false, line: entries.length + 1, reason: `entries ${entries.length + 1} to ${head.seq} are missing (the log ends before its recorded head)` };
    }
    if (entries[head.seq - 1] && entries[head.seq - 1].hash !== head.hash) {
      return { ok: false, line: head.seq, reason: "entry does not match the recorded head hash" };
    }
  }
  return { ok: true, count: entries.length, head: prev };
}

export function resetAuditForTests() {
  tail = null;
}
