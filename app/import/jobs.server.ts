/**
 * Import jobs started from the admin upload page. The uploaded files are kept
 * under $DATA_DIR/imports/<job>/ until the job has run; the job record (in
 * the "importJobs" collection) carries the options, the progress and the
 * report, so the report page can poll it (or refresh itself without
 * JavaScript) while a long import runs in the background.
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import type { AuthUser } from "~/access/session.server";
import { appendAudit } from "~/audit/audit.server";
import { collection, mutableCollection, updateDb } from "~/data/db.server";
import { nowIso } from "~/utils/clock.server";
import { getEnv } from "~/utils/env.server";
import { ConflictError, msg, NotFoundError, ValidationError } from "~/utils/errors.server";
import { withLock } from "~/utils/lock.server";
import {
  mappingAmong,
  parseMapping,
  planImport,
  runImport,
  summarizeReports,
  type DuplicateChoice,
  type DuplicateGroup,
  type FileReport,
  type ImportFile,
  type ImportMapping,
  type ImportOptions,
} from "./import.server";

export interface ImportJob {
  id: string;
  createdAt: string;
  by: string;
  status: "planned" | "running" | "done" | "failed" | "interrupted" | "discarded";
  options: Omit<ImportOptions, "actor" | "mapping">;
  mapping?: ImportMapping;
  mappingName?: string;
  files: { name: string; stored: string; bytes: number }[];
  total: number;
  done: number;
  current?: string;
  /** The dry run's answer (status planned) or the import's report. */
  reports: FileReport[];
  /** Groups of duplicates and near-duplicates among the files (absent in jobs from before they were looked for). */
  duplicates?: DuplicateGroup[];
  startedAt?: string;
  finishedAt?: string;
  error?: string;
}

const COLLECTION = "importJobs";
/** Largest upload accepted by the admin page (all files together). */
export const MAX_UPLOAD_BYTES = 100 * 1024 * 1024;
/** Most files in one upload. */
export const MAX_UPLOAD_FILES = 2000;

function jobDir(id: string) {
  return path.join(getEnv().dataDir, "imports", id);
}

export function listImportJobs(limit = 20): ImportJob[] {
  return [...collection<ImportJob>(COLLECTION)].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, limit);
}

export function getImportJob(id: string): ImportJob {
  const job = collection<ImportJob>(COLLECTION).find((j) => j.id === id);
  if (!job) throw new NotFoundError(msg("import.err.noJob"));
  return job;
}

async function patchJob(id: string, patch: Partial<ImportJob> | ((job: ImportJob) => void)): Promise<void> {
  await updateDb((data) => {
    const job = mutableCollection<ImportJob>(data, COLLECTION).find((j) => j.id === id);
    if (!job) return;
    if (typeof patch === "function") patch(job);
    else Object.assign(job, patch);
  });
}

/** Cleans an uploaded file name (browsers send the name, folder uploads a relative path). */
export function cleanUploadName(name: string): string {
  const parts = name
    .replace(/\\/g, "/")
    .split("/")
    .filter((p) => p && p !== "." && p !== "..");
  return parts.join("/").slice(0, 300) || "unnamed";
}

export interface UploadInput {
  files: ImportFile[];
  options: Omit<ImportOptions, "actor" | "mapping">;
  mappingFile?: ImportFile;
}

/** Stores an upload as a job and checks every file (a dry run). */
export async function createImportJob(user: AuthUser, input: UploadInput): Promise<ImportJob> {
  if (!input.files.length) throw new ValidationError(msg("import.err.noFiles"), { files: "required" });
  if (input.files.length > MAX_UPLOAD_FILES) throw new ValidationError(msg("import.err.tooManyFiles", { n: MAX_UPLOAD_FILES }), { files: "too many" });
  const mapping = input.mappingFile ? parseMapping(input.mappingFile.data.toString("utf8"), input.mappingFile.name) : mappingAmong(input.files);
  const id = randomUUID();
  const dir = jobDir(id);
  await fsp.mkdir(dir, { recursive: true });
  const files: ImportJob["files"] = [];
  for (const [i, f] of input.files.entries()) {
    const stored = `${String(i).padStart(5, "0")}.bin`;
    await fsp.writeFile(path.join(dir, stored), f.data);
    files.push({ name: f.name, stored, bytes: f.data.length });
  }
  const plan = await planImport(input.files, { ...input.options, mapping, actor: actorOf(user) });
  const job: ImportJob = {
    id,
    createdAt: nowIso(),
    by: user.username,
    status: "planned",
    options: input.options,
    mapping,
    mappingName: input.mappingFile?.name,
    files,
    total: files.length,
    done: 0,
    reports: plan.files,
    duplicates: plan.duplicates,
  };
  await updateDb((data) => {
    mutableCollection<ImportJob>(data, COLLECTION).push(job);
  });
  return job;
}

function actorOf(user: AuthUser): ImportOptions["actor"] {
  return { username: user.username, name: user.name, email: user.email, departmentId: user.departmentId };
}

async function loadFiles(job: ImportJob): Promise<ImportFile[]> {
  const dir = jobDir(job.id);
  return Promise.all(job.files.map(async (f) => ({ name: f.name, data: await fsp.readFile(path.join(dir, f.stored)) })));
}

const running = new Map<string, Promise<void>>();

/**
 * The decisions taken on the dry run's page, one per duplicate group:
 * "import", "skip" or "keep:<n>" (merge, importing the group's n-th file).
 */
export function duplicateChoicesFrom(job: ImportJob, decisions: Record<number, string>): DuplicateChoice[] {
  const choices: DuplicateChoice[] = [];
  for (const group of job.duplicates ?? []) {
    const decision = decisions[group.id];
    if (decision === undefined) continue;
    if (decision === "import" || decision === "skip") choices.push({ files: group.files, action: decision });
    else {
      const keep = /^keep:(\d+)$/.exec(decision);
      const file = keep ? group.files[Number(keep[1])] : undefined;
      if (!file) throw new ValidationError(msg("import.err.duplicateChoice", { group: group.id }), { [`group.${group.id}`]: "unknown choice" });
      choices.push({ files: group.files, action: "merge", keep: file });
    }
  }
  return choices;
}

/**
 * Starts a planned job in the background (the checks run again, since the
 * documents may have changed since the dry run). Returns at once.
 * `decisions` are the choices made for the dry run's duplicate groups.
 */
export async function startImportJob(user: AuthUser, id: string, decisions: Record<number, string> = {}): Promise<void> {
  await withLock(`import-job:${id}`, async () => {
    const job = getImportJob(id);
    if (job.status !== "planned") throw new ConflictError(msg("import.err.alreadyRun"));
    const duplicateChoices = duplicateChoicesFrom(job, decisions);
    await patchJob(id, (j) => {
      Object.assign(j, { status: "running", startedAt: nowIso(), done: 0, reports: [] });
      if (duplicateChoices.length) j.options = { ...j.options, duplicateChoices };
    });
  });
  const job = getImportJob(id);
  const work = (async () => {
    try {
      const files = await loadFiles(job);
      const started = getImportJob(id);
      const result = await runImport(files, { ...started.options, mapping: job.mapping, actor: actorOf(user) }, async (p, report) => {
        await patchJob(id, (j) => {
          j.done = p.done;
          j.total = p.total;
          j.current = p.file;
          if (report) j.reports.push(report);
        });
      });
      const reports = result.files;
      const s = summarizeReports(reports);
      await patchJob(id, { status: "done", finishedAt: nowIso(), current: undefined, duplicates: result.duplicates });
      await appendAudit({
        actor: user.username,
        action: "import.run",
        object: `import:${id}`,
        outcome: s.failed ? "failed" : "ok",
        details: { via: "upload", imported: s.imported, skipped: s.skipped, failed: s.failed, linksOutside: s.linksOutside, numbers: reports.filter((r) => r.outcome === "imported").map((r) => r.number) },
      });
    } catch (error) {
      await patchJob(id, { status: "failed", finishedAt: nowIso(), error: (error as Error).message });
    } finally {
      await fsp.rm(jobDir(id), { recursive: true, force: true }).catch(() => undefined);
      running.delete(id);
    }
  })();
  running.set(id, work);
}

/** Waits for a running job of this process (tests and the CLI-less path). */
export async function waitForImportJob(id: string): Promise<void> {
  await running.get(id);
}

/** Drops a planned job and its stored files. */
export async function discardImportJob(id: string): Promise<void> {
  const job = getImportJob(id);
  if (job.status !== "planned") throw new ConflictError(msg("import.err.discardRun"));
  await patchJob(id, { status: "discarded", finishedAt: nowIso() });
  await fsp.rm(jobDir(id), { recursive: true, force: true });
}

/** At start-up: jobs that were running when the process stopped are marked interrupted. */
export async function markInterruptedJobs(): Promise<number> {
  const stale = collection<ImportJob>(COLLECTION).filter((j) => j.status === "running" && !running.has(j.id));
  if (!stale.length) return 0;
  await updateDb((data) => {
    for (const j of mutableCollection<ImportJob>(data, COLLECTION)) {
      if (j.status === "running" && !running.has(j.id)) {
        j.status = "interrupted";
        j.finishedAt = nowIso();
      }
    }
  });
  for (const j of stale) fs.rmSync(jobDir(j.id), { recursive: true, force: true });
  return stale.length;
}
