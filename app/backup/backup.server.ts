/**
 * Backups: one verified .tar.gz per run holding the repository as a git
 * bundle, every data file of DATA_DIR (database, audit log, other logs) and a
 * manifest with the SHA-256 of each member. Derived data (version index,
 * search index) is left out: the portal rebuilds it from git at start.
 *
 * The snapshot is taken under the publish, repository and audit locks, so the
 * refs, the database and the logs describe one moment; the slow part (the
 * bundle, compression, verification) runs after the locks are released, on a
 * private repository that borrows the live objects read-only.
 */
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { Writable } from "node:stream";
import { getEnv } from "~/utils/env.server";
import { now } from "~/utils/clock.server";
import { DomainError, msg, NotFoundError } from "~/utils/errors.server";
import { withLock } from "~/utils/lock.server";
import type { AuditAnchor } from "~/audit/audit.server";
import { databasePool, storeStatus } from "~/data/db.server";
import { isConnectionFailure, unavailable } from "~/data/pg-store.server";
import { dumpPostgres } from "~/data/migrate-data.server";
import { readArchive, readFirstMember, writeArchive, type ArchiveMember } from "./archive.server";
import { git, readRefs } from "./git-native.server";

export const MANIFEST = "manifest.json";
export const BUNDLE = "repository.bundle";
export const FORMAT = "regula-backup";
export const FORMAT_VERSION = 1;

/** Top-level entries of DATA_DIR that are not copied: the repository (bundled), derived data, the lock. */
const EXCLUDED_TOP = new Set(["repo", "cache", "search", "backups", ".lock"]);

export type BackupTrigger = "scheduled" | "manual" | "command";

export interface ManifestFile {
  path: string;
  size: number;
  sha256: string;
}

export interface BackupManifest {
  format: typeof FORMAT;
  formatVersion: number;
  createdAt: string;
  trigger: BackupTrigger;
  by: string;
  repository: { head: string | null; refs: Record<string, string>; commits: number; documents: number };
  users: number;
  /** The audit log's newest entry in this backup: an anchor a live log cut short of it disagrees with. */
  audit?: AuditAnchor | null;
  files: ManifestFile[];
}

export interface VerifyResult {
  ok: boolean;
  at: string;
  error?: string;
}

/** What the admin page lists: one entry per archive in BACKUP_DIR. */
export interface BackupRecord {
  file: string;
  size: number;
  sha256: string;
  createdAt: string;
  trigger: BackupTrigger;
  by: string;
  head: string | null;
  commits: number;
  documents: number;
  users: number;
  dataFiles: number;
  tookMs: number;
  verified: VerifyResult;
}

const NAME_RE = /^regula-backup-\d{8}-\d{6}Z(?:-\d+)?\.tar\.gz$/;

export function backupDir(): string {
  return getEnv().backupDir;
}

/** Turns file-system failures into a message an administrator can act on. */
function explain(error: unknown, where: string): DomainError {
  if (error instanceof DomainError) return error;
  // The shared database out of reach: said in the reader's language, without socket details.
  if (isConnectionFailure(error)) return unavailable(error);
  const code = (error as NodeJS.ErrnoException).code;
  const message = (error as Error).message;
  if (code === "ENOSPC" || code === "EDQUOT") {
    return new DomainError("unavailable", msg("backup.err.noSpace", { where }));
  }
  if (code === "EACCES" || code === "EPERM" || code === "EROFS" || code === "ENOTDIR") {
    return new DomainError("unavailable", msg("backup.err.notWritable", { where, code: code ?? "" }));
  }
  return new DomainError("unavailable", msg("backup.err.failed", { problem: message }));
}

function stamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, "").replace("T", "-").replace(/\.\d+Z$/, "Z");
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Relative paths of the data files to back up (regular files only). */
async function listDataFiles(dataDir: string, outDir: string): Promise<string[]> {
  const out: string[] = [];
  const skipAbs = path.resolve(outDir);
  async function walk(dir: string, rel: string) {
    let entries: fs.Dirent[];
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const relPath = rel ? `${rel}/${e.name}` : e.name;
      const abs = path.join(dir, e.name);
      if (!rel && EXCLUDED_TOP.has(e.name)) continue;
      if (abs === skipAbs) continue;
      if (e.name.endsWith(".tmp") || e.name.startsWith(".write-test-") || e.name.startsWith(".staging-")) continue;
      if (e.isDirectory()) await walk(abs, relPath);
      else if (e.isFile()) out.push(relPath);
    }
  }
  await walk(dataDir, "");
  return out.sort();
}

/** Copies a data file into staging; append-only logs are cut at their last complete line. */
async function stageFile(src: string, dest: string) {
  await fsp.mkdir(path.dirname(dest), { recursive: true });
  await fsp.copyFile(src, dest);
  if (/\.(jsonl|log)$/.test(src)) {
    const { size } = await fsp.stat(dest);
    if (size === 0) return;
    const fh = await fsp.open(dest, "r+");
    try {
      const tail = Buffer.alloc(Math.min(size, 1 << 20));
      await fh.read(tail, 0, tail.length, size - tail.length);
      const lastNl = tail.lastIndexOf(0x0a);
      if (lastNl !== tail.length - 1) {
        // A line being appended right now belongs to the next backup.
        await fh.truncate(lastNl < 0 ? Math.max(0, size - tail.length) : size - tail.length + lastNl + 1);
      }
    } finally {
      await fh.close();
    }
  }
}

interface Snapshot {
  refs: Record<string, string>;
  head: string | null;
  dataFiles: string[];
  audit: AuditAnchor | null;
}

/** The newest entry of a (staged) audit log: its last complete line. */
async function lastAuditEntry(file: string): Promise<AuditAnchor | null> {
  let text: string;
  try {
    text = await fsp.readFile(file, "utf8");
  } catch {
    return null;
  }
  const lines = text.split("\n").filter((l) => l.trim());
  try {
    const last = JSON.parse(lines[lines.length - 1] ?? "null") as { seq?: unknown; hash?: unknown } | null;
    return last && typeof last.seq === "number" && typeof last.hash === "string" ? { seq: last.seq, hash: last.hash } : null;
  } catch {
    return null;
  }
}

/** The moment of the backup: refs and data files copied while writers are held back. */
async function takeSnapshot(staging: string, outDir: string): Promise<Snapshot> {
  const env = getEnv();
  return withLock("publish", () =>
    withLock("repo", () =>
      withLock("audit", async () => {
        const hasRepo = fs.existsSync(path.join(env.repoDir, "HEAD"));
        const refs = hasRepo ? await readRefs(env.repoDir) : {};
        const dataFiles = await listDataFiles(env.dataDir, outDir);
        for (const rel of dataFiles) {
          try {
            await stageFile(path.join(env.dataDir, rel), path.join(staging, "data", rel));
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code === "ENOENT") continue; // removed meanwhile
            throw error;
          }
        }
        // With PostgreSQL the database is the record: its dump (one snapshot) replaces the local db.json and audit copy,
        // and holds the notification logs (decision 119).
        const pool = databasePool();
        if (pool) {
          const dump = await dumpPostgres(pool);
          const put = async (rel: string, text: string | null) => {
            const dest = path.join(staging, "data", rel);
            if (text === null) return fsp.rm(dest, { force: true });
            await fsp.mkdir(path.dirname(dest), { recursive: true });
            await fsp.writeFile(dest, text);
            if (!dataFiles.includes(rel)) dataFiles.push(rel);
          };
          await put("db.json", dump.db);
          await put("audit/audit.log", dump.audit);
          await put("audit/audit.head", dump.head);
          for (const [rel, text] of Object.entries(dump.logs)) await put(rel, text);
          dataFiles.sort();
        }
        const present = dataFiles.filter((rel) => fs.existsSync(path.join(staging, "data", rel)));
        const audit = await lastAuditEntry(path.join(staging, "data", "audit", "audit.log"));
        return { refs, head: refs["refs/heads/main"] ?? null, dataFiles: present, audit };
      }),
    ),
  );
}

/**
 * Writes the bundle from a private repository whose refs are the snapshot's
 * and whose objects are borrowed (read-only) from the live repository.
 */
async function writeBundle(staging: string, refs: Record<string, string>): Promise<string | null> {
  if (Object.keys(refs).length === 0) return null;
  const snap = path.join(staging, "snapshot.git");
  await git(["init", "--quiet", "--bare", snap]);
  await fsp.writeFile(path.join(snap, "objects", "info", "alternates"), path.join(getEnv().repoDir, "objects") + "\n");
  const lines = Object.entries(refs).map(([ref, oid]) => `create ${ref} ${oid}\n`).join("");
  await git(["--git-dir", snap, "update-ref", "--stdin"], { input: lines });
  if (refs["refs/heads/main"]) await git(["--git-dir", snap, "symbolic-ref", "HEAD", "refs/heads/main"]);
  const bundle = path.join(staging, BUNDLE);
  await git(["--git-dir", snap, "bundle", "create", "--quiet", bundle, "--all"]);
  await fsp.rm(snap, { recursive: true, force: true });
  return bundle;
}

async function repoCounts(head: string | null): Promise<{ commits: number; documents: number }> {
  if (!head) return { commits: 0, documents: 0 };
  const repo = getEnv().repoDir;
  const [count, files] = await Promise.all([
    git(["--git-dir", repo, "rev-list", "--count", head]),
    git(["--git-dir", repo, "ls-tree", "-r", "--name-only", head, "documents/"]),
  ]);
  return { commits: Number(count.trim()), documents: files.split("\n").filter((l) => l.endsWith(".md")).length };
}

function countUsers(dbFile: string): number {
  try {
    const data = JSON.parse(fs.readFileSync(dbFile, "utf8")) as { users?: unknown[] };
    return Array.isArray(data.users) ? data.users.length : 0;
  } catch {
    return 0;
  }
}

async function uniqueName(dir: string, date: Date): Promise<string> {
  const base = `regula-backup-${stamp(date)}`;
  for (let i = 1; ; i++) {
    const name = i === 1 ? `${base}.tar.gz` : `${base}-${i}.tar.gz`;
    if (!fs.existsSync(path.join(dir, name)) && !fs.existsSync(path.join(dir, `${name}.partial`))) return name;
  }
}

/** Removes what an interrupted run left behind (staging folders, partial archives) once it is old. */
async function cleanLeftovers(dir: string) {
  let entries: string[] = [];
  try {
    entries = await fsp.readdir(dir);
  } catch {
    return;
  }
  const cutoff = Date.now() - 6 * 3600_000;
  for (const name of entries) {
    if (!name.startsWith(".staging-") && !name.endsWith(".partial") && !name.startsWith(".verify-")) continue;
    try {
      const stat = await fsp.stat(path.join(dir, name));
      if (stat.mtimeMs < cutoff) await fsp.rm(path.join(dir, name), { recursive: true, force: true });
    } catch {
      /* gone already */
    }
  }
}

/** The last failed attempt; `database` when the shared database could not be reached (retried as soon as it answers). */
type Failure = { at: string; error: string; database?: boolean };
let lastFailure: Failure | null = null;

export interface CreateBackupOptions {
  trigger: BackupTrigger;
  by: string;
  /** Where to write (defaults to BACKUP_DIR). */
  outDir?: string;
  /** Apply BACKUP_RETENTION afterwards (default true). */
  prune?: boolean;
}

/**
 * Makes a backup, verifies it by reading it back, records the result next to
 * it, and prunes old ones. Only BACKUP_DIR is written to; a failure leaves no
 * partial archive and throws a DomainError with an actionable message.
 */
export async function createBackup(options: CreateBackupOptions): Promise<BackupRecord> {
  return withLock("backup", async () => {
    const outDir = path.resolve(options.outDir ?? backupDir());
    const started = Date.now();
    const createdAt = now();
    let staging: string | null = null;
    let partial: string | null = null;
    try {
      try {
        await fsp.mkdir(outDir, { recursive: true });
      } catch (error) {
        throw explain(error, outDir);
      }
      await cleanLeftovers(outDir);
      staging = path.join(outDir, `.staging-${stamp(createdAt)}-${randomBytes(3).toString("hex")}`);
      await fsp.mkdir(staging, { recursive: true });
      const snapshot = await takeSnapshot(staging, outDir);
      const bundle = await writeBundle(staging, snapshot.refs);
      const counts = await repoCounts(snapshot.head);
      const members: ArchiveMember[] = [];
      const files: ManifestFile[] = [];
      const addFile = async (name: string, file: string) => {
        const stat = await fsp.stat(file);
        files.push({ path: name, size: stat.size, sha256: await sha256File(file) });
        members.push({ name, file, mtime: createdAt });
      };
      if (bundle) await addFile(BUNDLE, bundle);
      for (const rel of snapshot.dataFiles) await addFile(`data/${rel}`, path.join(staging, "data", rel));
      const manifest: BackupManifest = {
        format: FORMAT,
        formatVersion: FORMAT_VERSION,
        createdAt: createdAt.toISOString(),
        trigger: options.trigger,
        by: options.by,
        repository: { head: snapshot.head, refs: snapshot.refs, ...counts },
        users: countUsers(path.join(staging, "data", "db.json")),
        audit: snapshot.audit,
        files,
      };
      members.unshift({ name: MANIFEST, data: Buffer.from(JSON.stringify(manifest, null, 2) + "\n"), mtime: createdAt });
      const name = await uniqueName(outDir, createdAt);
      partial = path.join(outDir, `${name}.partial`);
      await writeArchive(partial, members);
      await fsp.rm(staging, { recursive: true, force: true });
      staging = null;
      const verified = await verifyArchive(partial);
      if (!verified.ok) throw new DomainError("unavailable", msg("backup.err.unverified", { problem: verified.error ?? "" }));
      const finalPath = path.join(outDir, name);
      await fsp.rename(partial, finalPath);
      partial = null;
      const stat = await fsp.stat(finalPath);
      const record: BackupRecord = {
        file: name,
        size: stat.size,
        sha256: await sha256File(finalPath),
        createdAt: manifest.createdAt,
        trigger: options.trigger,
        by: options.by,
        head: snapshot.head,
        commits: counts.commits,
        documents: counts.documents,
        users: manifest.users,
        dataFiles: snapshot.dataFiles.length,
        tookMs: Date.now() - started,
        verified,
      };
      await writeRecord(outDir, record);
      if (options.prune !== false) await pruneBackups(outDir);
      if (outDir === path.resolve(backupDir())) lastFailure = null;
      await fsp.rm(path.join(outDir, "last-failure.json"), { force: true }).catch(() => {});
      return record;
    } catch (error) {
      const e = explain(error, outDir);
      const store = storeStatus();
      const database = store.backend === "postgres" && (isConnectionFailure(error) || !store.ok);
      lastFailure = { at: now().toISOString(), error: e.message, ...(database ? { database: true } : {}) };
      await fsp.writeFile(path.join(outDir, "last-failure.json"), JSON.stringify(lastFailure) + "\n").catch(() => {});
      throw e;
    } finally {
      if (staging) await fsp.rm(staging, { recursive: true, force: true }).catch(() => {});
      if (partial) await fsp.rm(partial, { force: true }).catch(() => {});
    }
  });
}

async function writeRecord(dir: string, record: BackupRecord) {
  const file = path.join(dir, `${record.file}.json`);
  const tmp = `${file}.${process.pid}.tmp`;
  await fsp.writeFile(tmp, JSON.stringify(record, null, 2) + "\n");
  await fsp.rename(tmp, file);
}

/** Reads the manifest (the archive's first member). */
export async function readManifest(file: string): Promise<BackupManifest> {
  const first = await readFirstMember(file);
  if (!first || first.name !== MANIFEST) throw new DomainError("bad_request", `${path.basename(file)} is not a Regula backup (no manifest)`);
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(first.text) as BackupManifest;
  } catch {
    throw new DomainError("bad_request", `${path.basename(file)} has an unreadable manifest`);
  }
  if (manifest.format !== FORMAT || !Array.isArray(manifest.files)) {
    throw new DomainError("bad_request", `${path.basename(file)} is not a Regula backup`);
  }
  if (manifest.formatVersion > FORMAT_VERSION) {
    throw new DomainError("bad_request", `${path.basename(file)} was written by a newer Regula (format ${manifest.formatVersion}); upgrade first`);
  }
  return manifest;
}

/** A member sink that writes selected members under a folder. */
function extractTo(dir: string, wanted: (name: string) => boolean) {
  return {
    async open(name: string): Promise<Writable | null> {
      if (!wanted(name)) return null;
      const target = safeJoin(dir, name);
      await fsp.mkdir(path.dirname(target), { recursive: true });
      return fs.createWriteStream(target, { flags: "wx", mode: 0o600 });
    },
  };
}

/** Joins an archive member name under a folder, refusing absolute paths and `..`. */
export function safeJoin(dir: string, name: string): string {
  const parts = name.split("/");
  if (!name || name.startsWith("/") || parts.some((p) => p === "" || p === "." || p === "..") || name.includes("\\") || name.includes("\0")) {
    throw new DomainError("bad_request", `The backup contains an unsafe path: ${JSON.stringify(name.slice(0, 80))}`);
  }
  return path.join(dir, ...parts);
}

/** Compares what was read with the manifest; returns a problem or null. */
export function compareWithManifest(manifest: BackupManifest, members: { name: string; size: number; sha256: string }[]): string | null {
  const byName = new Map(members.map((m) => [m.name, m]));
  for (const f of manifest.files) {
    const m = byName.get(f.path);
    if (!m) return `${f.path} is missing`;
    if (m.size !== f.size || m.sha256 !== f.sha256) return `${f.path} does not match its checksum`;
  }
  const listed = new Set([MANIFEST, ...manifest.files.map((f) => f.path)]);
  const extra = members.find((m) => !listed.has(m.name));
  if (extra) return `${extra.name} is not in the manifest`;
  return null;
}

/** Checks that a bundle holds complete, intact history for exactly the manifest's refs. */
export async function checkBundle(bundleFile: string, refs: Record<string, string>, scratch: string): Promise<string | null> {
  const repo = path.join(scratch, "check.git");
  await git(["init", "--quiet", "--bare", repo]);
  try {
    await git(["--git-dir", repo, "bundle", "verify", "--quiet", bundleFile]);
    // Fetching indexes every object (hashes checked) and checks connectivity.
    await git(["--git-dir", repo, "fetch", "--quiet", "--no-write-fetch-head", bundleFile, "refs/*:refs/*"]);
    const got = await readRefs(repo);
    for (const [ref, oid] of Object.entries(refs)) {
      if (got[ref] !== oid) return `the bundle has ${ref} at ${got[ref] ?? "nothing"}, the manifest says ${oid}`;
    }
    return null;
  } catch (error) {
    return `the repository bundle is damaged (${(error as Error).message})`;
  } finally {
    await fsp.rm(repo, { recursive: true, force: true });
  }
}

/**
 * Reads a backup back in full: manifest, every member's size and SHA-256, the
 * git bundle (all objects indexed, refs as recorded) and the database JSON.
 */
export async function verifyArchive(file: string): Promise<VerifyResult> {
  const at = now().toISOString();
  const scratch = path.join(path.dirname(file), `.verify-${randomBytes(4).toString("hex")}`);
  try {
    const manifest = await readManifest(file);
    await fsp.mkdir(scratch, { recursive: true });
    const members = await readArchive(file, extractTo(scratch, (n) => n === BUNDLE || n === "data/db.json"));
    const problem = compareWithManifest(manifest, members);
    if (problem) return { ok: false, at, error: problem };
    if (Object.keys(manifest.repository.refs).length) {
      const bundleProblem = await checkBundle(path.join(scratch, BUNDLE), manifest.repository.refs, scratch);
      if (bundleProblem) return { ok: false, at, error: bundleProblem };
    }
    if (fs.existsSync(path.join(scratch, "data", "db.json"))) {
      try {
        JSON.parse(await fsp.readFile(path.join(scratch, "data", "db.json"), "utf8"));
      } catch {
        return { ok: false, at, error: "the database copy is not valid JSON" };
      }
    }
    return { ok: true, at };
  } catch (error) {
    return { ok: false, at, error: (error as Error).message };
  } finally {
    await fsp.rm(scratch, { recursive: true, force: true }).catch(() => {});
  }
}

/** Path of a listed backup; NotFoundError for anything that is not one. */
export function backupPath(name: string, dir = backupDir()): string {
  if (!NAME_RE.test(name)) throw new NotFoundError(msg("backup.err.noBackup"));
  const file = path.join(dir, name);
  if (!fs.existsSync(file)) throw new NotFoundError(msg("backup.err.noBackup"));
  return file;
}

/** Re-reads a backup and records the new verification result. */
export async function reverifyBackup(name: string): Promise<BackupRecord> {
  return withLock("backup", async () => {
    const file = backupPath(name);
    const verified = await verifyArchive(file);
    const existing = await readRecord(backupDir(), name);
    const record = existing ?? (await recordFromArchive(file, verified));
    record.verified = verified;
    await writeRecord(backupDir(), record);
    return record;
  });
}

async function readRecord(dir: string, name: string): Promise<BackupRecord | null> {
  try {
    const record = JSON.parse(await fsp.readFile(path.join(dir, `${name}.json`), "utf8")) as BackupRecord;
    return record.file === name ? record : null;
  } catch {
    return null;
  }
}

/** A record for an archive without one (copied in by hand): read from its manifest. */
async function recordFromArchive(file: string, verified?: VerifyResult): Promise<BackupRecord> {
  const stat = await fsp.stat(file);
  let manifest: BackupManifest | null = null;
  try {
    manifest = await readManifest(file);
  } catch {
    /* listed as unverified */
  }
  return {
    file: path.basename(file),
    size: stat.size,
    sha256: "",
    createdAt: manifest?.createdAt ?? stat.mtime.toISOString(),
    trigger: manifest?.trigger ?? "command",
    by: manifest?.by ?? "",
    head: manifest?.repository.head ?? null,
    commits: manifest?.repository.commits ?? 0,
    documents: manifest?.repository.documents ?? 0,
    users: manifest?.users ?? 0,
    dataFiles: manifest ? manifest.files.filter((f) => f.path.startsWith("data/")).length : 0,
    tookMs: 0,
    verified: verified ?? { ok: false, at: "", error: manifest ? "not verified yet" : "not a readable Regula backup" },
  };
}

/** Every backup in BACKUP_DIR, newest first. */
export async function listBackups(dir = backupDir()): Promise<BackupRecord[]> {
  let names: string[] = [];
  try {
    names = (await fsp.readdir(dir)).filter((n) => NAME_RE.test(n));
  } catch {
    return [];
  }
  const out: BackupRecord[] = [];
  for (const name of names) {
    const record = (await readRecord(dir, name)) ?? (await recordFromArchive(path.join(dir, name)));
    try {
      record.size = (await fsp.stat(path.join(dir, name))).size;
    } catch {
      continue;
    }
    out.push(record);
  }
  return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.file.localeCompare(a.file));
}

/** Keeps the newest BACKUP_RETENTION verified backups; removes older ones and failed leftovers. */
export async function pruneBackups(dir = backupDir()): Promise<string[]> {
  const keep = getEnv().BACKUP_RETENTION;
  const all = await listBackups(dir);
  const good = all.filter((b) => b.verified.ok);
  const removed: string[] = [];
  for (const b of good.slice(keep)) {
    await fsp.rm(path.join(dir, b.file), { force: true });
    await fsp.rm(path.join(dir, `${b.file}.json`), { force: true });
    removed.push(b.file);
  }
  return removed;
}

export interface BackupStatus {
  /** Scheduled backups are on (BACKUP_INTERVAL_HOURS > 0). */
  scheduled: boolean;
  intervalHours: number;
  retention: number;
  dir: string;
  lastGood: BackupRecord | null;
  /** When the next scheduled backup is due (ISO), null when off. */
  nextDue: string | null;
  due: boolean;
  overdue: boolean;
  lastFailure: Failure | null;
  backups: BackupRecord[];
}

const bootedAt = Date.now();

/** How overdue a backup may get before the portal warns: a quarter of the interval on top. */
export const OVERDUE_FACTOR = 1.25;
/** After a failed attempt the scheduler waits this long before trying again. */
const RETRY_AFTER_MS = 15 * 60_000;

async function readLastFailure(dir: string): Promise<Failure | null> {
  if (lastFailure) return lastFailure;
  try {
    const value = JSON.parse(await fsp.readFile(path.join(dir, "last-failure.json"), "utf8"));
    return typeof value?.at === "string" && typeof value?.error === "string" ? value : null;
  } catch {
    return null;
  }
}

/** Status for the admin page, health check and scheduler. */
export async function backupStatus(): Promise<BackupStatus> {
  const env = getEnv();
  const dir = backupDir();
  const backups = await listBackups(dir);
  const lastGood = backups.find((b) => b.verified.ok) ?? null;
  const failure = await readLastFailure(dir);
  const relevantFailure = failure && (!lastGood || failure.at > lastGood.createdAt) ? failure : null;
  const intervalMs = env.BACKUP_INTERVAL_HOURS * 3600_000;
  const t = now().getTime();
  const scheduled = intervalMs > 0;
  // Without any backup, the clock starts when this process started.
  const reference = lastGood ? Date.parse(lastGood.createdAt) : bootedAt;
  const nextDue = scheduled ? new Date(lastGood ? reference + intervalMs : t) : null;
  // A backup that failed because the shared database was out of reach is tried again as soon as it answers.
  const databaseBack = !!relevantFailure?.database && storeStatus().ok;
  const retryBlocked = relevantFailure && !databaseBack ? t - Date.parse(relevantFailure.at) < RETRY_AFTER_MS : false;
  return {
    scheduled,
    intervalHours: env.BACKUP_INTERVAL_HOURS,
    retention: env.BACKUP_RETENTION,
    dir,
    lastGood,
    nextDue: nextDue ? nextDue.toISOString() : null,
    // (A failed attempt is the last word on the backups until one succeeds: once the database is back, that is at once.)
    due: scheduled && !retryBlocked && (!lastGood || t >= reference + intervalMs || databaseBack),
    overdue: scheduled && t - reference > intervalMs * OVERDUE_FACTOR,
    lastFailure: relevantFailure,
    backups,
  };
}

/** The scheduled job: makes a backup when one is due (idempotent catch-up). */
export async function runScheduledBackup(): Promise<BackupRecord | null> {
  const status = await backupStatus();
  if (!status.due) return null;
  return createBackup({ trigger: "scheduled", by: "system" });
}
