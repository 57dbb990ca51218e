/**
 * Moving an installation's data between the two stores (decision 110):
 * lowdb (DATA_DIR/db.json, DATA_DIR/audit/audit.log and the append logs
 * DATA_DIR/notifications/*.jsonl, decision 119) and PostgreSQL (DATABASE_URL). The copy is verified by counts and hashes read back from the
 * target; a target that already holds data is refused unless forced. Writing
 * to PostgreSQL is one transaction; writing to DATA_DIR replaces each file
 * atomically (temp file + rename) only after everything was read.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { signHead } from "~/audit/audit.server";
import { entriesAfter, importEntries, type StoredEntry } from "~/audit/audit-pg.server";
import { DomainError } from "~/utils/errors.server";
import { LOG_NAMES, logFileIn, readLines, replaceStoredLines, storedLines } from "./append-log.server";
import { migrate } from "./pg-schema.server";
import { dataOf, readSnapshot, replaceAllRecords } from "./pg-store.server";
import type { Data } from "./schema";
import { emptyData } from "./schema";

export interface CopyReport {
  /** Records per collection (arrays), and 1 for each other value. */
  counts: Record<string, number>;
  auditEntries: number;
  /** SHA-256 over the data with object keys in a fixed order: equal on both sides when the copy is whole. */
  dataHash: string;
  /** SHA-256 over the audit entries' exact text. */
  auditHash: string;
  /** Lines per append log (notifications, outbox, acknowledgements). */
  logLines: Record<string, number>;
  /** SHA-256 over every log's lines with object keys in a fixed order. */
  logsHash: string;
}

type Logs = Record<string, unknown[]>;

interface Contents {
  data: Data;
  audit: StoredEntry[];
  logs: Logs;
}

/** JSON with object keys sorted, so that the same data gives the same text whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function report({ data, audit, logs }: Contents): CopyReport {
  const counts: Record<string, number> = {};
  for (const [k, v] of Object.entries(data)) counts[k] = Array.isArray(v) ? v.length : 1;
  const logLines: Record<string, number> = {};
  for (const name of LOG_NAMES) logLines[name] = logs[name]?.length ?? 0;
  return {
    counts,
    auditEntries: audit.length,
    dataHash: createHash("sha256").update(canonicalJson(data)).digest("hex"),
    auditHash: createHash("sha256").update(audit.map((e) => e.text).join("\n")).digest("hex"),
    logLines,
    logsHash: createHash("sha256").update(canonicalJson(LOG_NAMES.map((name) => logs[name] ?? []))).digest("hex"),
  };
}

function lowdbFiles(dataDir: string) {
  return { db: path.join(dataDir, "db.json"), audit: path.join(dataDir, "audit", "audit.log") };
}

function readLowdb(dataDir: string): Contents {
  const files = lowdbFiles(dataDir);
  let data = emptyData();
  if (fs.existsSync(files.db)) {
    try {
      data = { ...emptyData(), ...(JSON.parse(fs.readFileSync(files.db, "utf8")) as Data) };
    } catch (error) {
      throw new DomainError("bad_request", `${files.db} cannot be read as JSON (${(error as Error).message}); nothing was copied.`);
    }
  }
  const audit: StoredEntry[] = [];
  if (fs.existsSync(files.audit)) {
    const lines = fs.readFileSync(files.audit, "utf8").split("\n").filter((l) => l.trim());
    lines.forEach((text, i) => {
      let entry: { seq?: unknown; hash?: unknown };
      try {
        entry = JSON.parse(text);
      } catch {
        throw new DomainError("bad_request", `${files.audit} line ${i + 1} is not valid JSON; run npm run audit:verify. Nothing was copied.`);
      }
      if (entry.seq !== i + 1 || typeof entry.hash !== "string") {
        throw new DomainError("bad_request", `${files.audit} line ${i + 1} is out of sequence; run npm run audit:verify. Nothing was copied.`);
      }
      audit.push({ seq: i + 1, hash: entry.hash, text });
    });
  }
  // A torn last line (a crash mid-append) is skipped, as the portal does when it loads the log.
  const logs: Logs = {};
  for (const name of LOG_NAMES) logs[name] = readLines(logFileIn(dataDir, name)).lines;
  return { data, audit, logs };
}

function hasData({ data, audit, logs }: Contents): boolean {
  if (audit.length || Object.values(logs).some((lines) => lines.length)) return true;
  return Object.values(data).some((v) => (Array.isArray(v) ? v.length > 0 : v && typeof v === "object" ? Object.keys(v).length > 0 : false));
}

/** Reads the records, the audit log and the append logs in the caller's transaction. */
async function readPostgres(client: pg.ClientBase): Promise<Contents> {
  const { snapshot } = await readSnapshot(client, { inTransaction: true });
  const logs: Logs = {};
  for (const name of LOG_NAMES) logs[name] = await storedLines(client, name);
  return { data: dataOf(snapshot), audit: await entriesAfter(client, 0), logs };
}

function mismatch(source: CopyReport, target: CopyReport): string | null {
  if (source.dataHash !== target.dataHash) {
    const differing = Object.keys({ ...source.counts, ...target.counts }).filter((k) => source.counts[k] !== target.counts[k]);
    return `the data read back differs from the source${differing.length ? ` (counts differ in ${differing.join(", ")})` : ""}`;
  }
  if (source.auditEntries !== target.auditEntries || source.auditHash !== target.auditHash) return "the audit log read back differs from the source";
  const logs = LOG_NAMES.filter((name) => source.logLines[name] !== target.logLines[name]);
  if (logs.length || source.logsHash !== target.logsHash) return `the notification logs read back differ from the source${logs.length ? ` (line counts differ in ${logs.join(", ")})` : ""}`;
  return null;
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new DomainError("unavailable", `Cannot connect to DATABASE_URL (${(error as Error).message}).`);
  }
  return client;
}

/** Copies DATA_DIR's db.json and audit log into the PostgreSQL database at `url` (one transaction). */
export async function copyLowdbToPostgres(options: { dataDir: string; url: string; force?: boolean }): Promise<{ source: CopyReport; target: CopyReport }> {
  const source = readLowdb(options.dataDir);
  const client = await connect(options.url);
  try {
    await migrate(client);
    await client.query("BEGIN");
    try {
      const existing = await readPostgres(client);
      if (hasData(existing) && !options.force) {
        throw new DomainError(
          "conflict",
          `The database already holds data (${existing.data.users.length} users, ${existing.audit.length} audit entries). Nothing was copied; add --force to replace it.`,
        );
      }
      await replaceAllRecords(client, source.data);
      await client.query("DELETE FROM regula_audit");
      await importEntries(client, source.audit);
      for (const name of LOG_NAMES) await replaceStoredLines(client, name, source.logs[name]);
      const back = await readPostgres(client);
      const sourceReport = report(source);
      const targetReport = report(back);
      const problem = mismatch(sourceReport, targetReport);
      if (problem) throw new DomainError("unavailable", `Verification failed: ${problem}. Nothing was copied.`);
      await client.query("COMMIT");
      return { source: sourceReport, target: targetReport };
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The database's records and audit log as of one moment (one REPEATABLE READ
 * transaction), as the texts of db.json, audit.log and its signed head: a
 * backup holds them exactly as a lowdb installation would.
 */
export async function dumpPostgres(
  pool: pg.Pool,
): Promise<{ db: string; audit: string; head: string | null; users: number; auditEntries: number; logs: Record<string, string> }> {
  const client = await pool.connect();
  let dump: Contents;
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    dump = await readPostgres(client);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  const last = dump.audit[dump.audit.length - 1];
  return {
    db: JSON.stringify(dump.data, null, 2),
    audit: dump.audit.map((e) => e.text + "\n").join(""),
    head: last ? JSON.stringify(signHead(last.seq, last.hash)) + "\n" : null,
    users: dump.data.users.length,
    auditEntries: dump.audit.length,
    logs: Object.fromEntries(LOG_NAMES.map((name) => [`notifications/${name}.jsonl`, linesText(dump.logs[name])])),
  };
}

/** A log's lines as the file back end writes them. */
function linesText(lines: unknown[]): string {
  return lines.map((line) => JSON.stringify(line) + "\n").join("");
}

function writeAtomically(file: string, text: string) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/** Copies the PostgreSQL database at `url` into DATA_DIR's db.json and audit log (with a signed audit head). */
export async function copyPostgresToLowdb(options: { dataDir: string; url: string; force?: boolean }): Promise<{ source: CopyReport; target: CopyReport }> {
  const existing = readLowdb(options.dataDir);
  if (hasData(existing) && !options.force) {
    throw new DomainError(
      "conflict",
      `${options.dataDir} already holds data (${existing.data.users.length} users, ${existing.audit.length} audit entries). Nothing was copied; add --force to replace it.`,
    );
  }
  const client = await connect(options.url);
  let source: Contents;
  try {
    const { rows } = await client.query<{ t: string | null }>("SELECT to_regclass('regula_records') AS t");
    if (!rows[0].t) throw new DomainError("not_found", "The database holds no Regula data (no regula_records table). Nothing was copied.");
    // Records and audit log as of one moment.
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    source = await readPostgres(client);
    await client.query("COMMIT");
  } finally {
    await client.end().catch(() => undefined);
  }
  const files = lowdbFiles(options.dataDir);
  writeAtomically(files.db, JSON.stringify(source.data, null, 2));
  writeAtomically(files.audit, source.audit.map((e) => e.text + "\n").join(""));
  for (const name of LOG_NAMES) writeAtomically(logFileIn(options.dataDir, name), linesText(source.logs[name]));
  const last = source.audit[source.audit.length - 1];
  const headFile = path.join(options.dataDir, "audit", "audit.head");
  if (last) writeAtomically(headFile, JSON.stringify(signHead(last.seq, last.hash)) + "\n");
  else fs.rmSync(headFile, { force: true });
  const back = readLowdb(options.dataDir);
  const sourceReport = report(source);
  const targetReport = report(back);
  const problem = mismatch(sourceReport, targetReport);
  if (problem) throw new DomainError("unavailable", `Verification failed: ${problem}. Restore ${options.dataDir} from a backup before using it.`);
  return { source: sourceReport, target: targetReport };
}
