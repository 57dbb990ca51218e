/**
 * The background queue that extracts attachment text after publication: one
 * job per file content (SHA-256), worked one step at a time — one PDF page,
 * one image, or one Office file — with the entry saved after every step. The
 * queue is saved with every change, so a restart resumes where it stopped
 * (at the next page of the file in progress). A file already extracted is
 * never read again: publishing the same file in another version or document
 * only re-indexes that document.
 *
 * When a file is finished, every document that carries it is re-indexed
 * (search subscribes to "attachment.text-ready").
 */
import { emit } from "~/documents/events.server";
import { attachmentSource, type AttachmentInfo } from "./source.server";
import { Extraction, isAbort, newEntry, textKind, type TextEntry } from "./extract.server";
import { queueFile, readEntry, readJson, workDir, writeEntry, writeJsonAtomic } from "./store.server";
import type { TextKind } from "./types";
import { EXTRACT_LIMITS } from "./limits";
import { ocrStatus } from "./ocr.server";

export interface JobRef {
  number: string;
  version: number;
  name: string;
}

export interface TextJob {
  sha256: string;
  kind: TextKind;
  size: number;
  refs: JobRef[];
  enqueuedAt: string;
  attempts: number;
}

export interface FinishedJob {
  sha256: string;
  kind: TextKind;
  name: string;
  number: string;
  pages: number | null;
  ocrPages: number;
  ocrSkipped: number;
  failure?: TextEntry["failure"];
  finishedAt: string;
}

export interface QueueTotals {
  files: number;
  pages: number;
  ocrPages: number;
  ocrMs: number;
  failed: number;
}

interface QueueState {
  format: 1;
  jobs: TextJob[];
  recent: FinishedJob[];
  totals: QueueTotals;
}

const RECENT = 20;
const MAX_ATTEMPTS = 3;

let state: QueueState = emptyState();
let loaded = false;
let running: Promise<void> | null = null;
let stopped = false;
/** The file in progress (its entry as last saved). */
let current: { job: TextJob; entry: TextEntry } | null = null;
let persist: Promise<void> = Promise.resolve();

function emptyState(): QueueState {
  return { format: 1, jobs: [], recent: [], totals: { files: 0, pages: 0, ocrPages: 0, ocrMs: 0, failed: 0 } };
}

async function save(): Promise<void> {
  const snapshot = JSON.parse(JSON.stringify(state)) as QueueState;
  persist = persist.then(() => writeJsonAtomic(queueFile(), snapshot));
  await persist;
}

/** Reads the saved queue (at start). */
export async function loadQueue(): Promise<void> {
  const saved = await readJson<QueueState>(queueFile());
  state = saved && saved.format === 1 && Array.isArray(saved.jobs) ? { ...emptyState(), ...saved } : emptyState();
  loaded = true;
  stopped = false;
}

/**
 * Queues the files of a version whose text is not extracted yet; returns the
 * documents whose text is already there (to re-index at once) and whether
 * anything was queued.
 */
export async function enqueueVersion(number: string, version: number, attachments?: AttachmentInfo[]): Promise<{ queued: number; ready: boolean }> {
  if (!loaded) await loadQueue();
  const list = attachments ?? (await attachmentSource().list(number, version));
  let queued = 0;
  let ready = false;
  for (const a of list) {
    const kind = textKind(a.name, a.type);
    if (!kind) continue;
    const entry = await readEntry(a.sha256);
    if (entry?.done) {
      if (!(await readAgain(entry))) {
        ready = true;
        continue;
      }
      // Read before without OCR, which is available now: read again from the start.
      await writeEntry(newEntry(entry.sha256, entry.kind));
    }
    const ref = { number, version, name: a.name };
    const job = state.jobs.find((j) => j.sha256 === a.sha256);
    if (job) {
      if (!job.refs.some((r) => r.number === number && r.version === version && r.name === a.name)) job.refs.push(ref);
    } else {
      state.jobs.push({ sha256: a.sha256, kind, size: a.size, refs: [ref], enqueuedAt: new Date().toISOString(), attempts: 0 });
      queued++;
    }
  }
  if (list.length) await save();
  if (queued) kick();
  return { queued, ready };
}

/** A file finished while OCR was not available, with scanned pages left unread, is read again once it is. */
async function readAgain(entry: TextEntry): Promise<boolean> {
  if (!entry.ocrSkipped || entry.failure || entry.ocrPages >= EXTRACT_LIMITS.maxOcrPages) return false;
  return (await ocrStatus()).available;
}

/** Starts the worker if it is not running (it stops by itself when the queue is empty). */
export function kick() {
  if (running || stopped || !state.jobs.length) return;
  let more = false;
  running = work()
    .then((m) => void (more = m))
    .catch((error) => console.warn(`[attachment-text] the queue stopped: ${(error as Error).message}`))
    .finally(() => {
      running = null;
      if (more && !stopped && state.jobs.length) kick();
    });
}

/** Stops after the step in progress (shutdown); the queue resumes at the next start. */
export async function stopQueue(): Promise<void> {
  stopped = true;
  await running;
}

/** Resolves once the worker has nothing left to do (tests, benchmark). */
export async function queueIdle(): Promise<void> {
  while (running) await running;
}

async function readBytes(job: TextJob): Promise<Buffer> {
  let last: unknown;
  for (const ref of job.refs) {
    try {
      return await attachmentSource().read(ref.number, ref.version, ref.name);
    } catch (error) {
      last = error;
    }
  }
  throw last ?? new Error("the file is no longer in any version");
}

/** Works through the queue; true when it stopped with work it could still do. */
async function work(): Promise<boolean> {
  while (!stopped && state.jobs.length) {
    const job = state.jobs[0];
    const entry = (await readEntry(job.sha256)) ?? newEntry(job.sha256, job.kind);
    if (!entry.done) {
      let bytes: Buffer;
      try {
        bytes = await readBytes(job);
      } catch (error) {
        job.attempts++;
        console.warn(`[attachment-text] cannot read ${job.refs[0]?.name} (${(error as Error).message})`);
        if (job.attempts < MAX_ATTEMPTS) {
          // Try the others first; this one comes back at the end of the queue.
          state.jobs.push(state.jobs.shift()!);
          await save();
          if (state.jobs.length === 1) return false; // nothing else to do: the next publication or start retries it
          continue;
        }
        entry.done = true;
        entry.failure = { code: "error", message: `the file could not be read: ${(error as Error).message}` };
      }
      if (!entry.done) {
        const run = new Extraction(entry, bytes!, workDir());
        current = { job, entry };
        try {
          while (!entry.done && !stopped) {
            let step;
            try {
              step = await run.step();
            } catch (error) {
              if (isAbort(error)) return false; // shutdown: the saved entry resumes at this page
              throw error;
            }
            if (step.kind === "page" || step.kind === "ocr-page" || step.kind === "skipped") state.totals.pages++;
            if (step.kind === "ocr-page") {
              state.totals.ocrPages++;
              state.totals.ocrMs += step.ms;
            }
            await writeEntry(entry);
            await save();
            // Let requests run between pages.
            await new Promise((r) => setImmediate(r));
          }
        } finally {
          await run.close();
          current = null;
        }
        if (!entry.done) return false; // stopped: resumes from the saved entry
      }
      await writeEntry(entry);
    }
    // Every document carrying the file is re-indexed before the job leaves the queue.
    for (const number of new Set(job.refs.map((r) => r.number))) {
      try {
        await emit("attachment.text-ready", { number });
      } catch (error) {
        console.warn(`[attachment-text] re-indexing ${number} failed: ${(error as Error).message}`);
      }
    }
    state.jobs.shift();
    state.totals.files++;
    if (entry.failure) state.totals.failed++;
    state.recent.unshift({
      sha256: job.sha256,
      kind: job.kind,
      name: job.refs[0]?.name ?? "",
      number: job.refs[0]?.number ?? "",
      pages: entry.pages,
      ocrPages: entry.ocrPages,
      ocrSkipped: entry.ocrSkipped,
      ...(entry.failure ? { failure: entry.failure } : {}),
      finishedAt: new Date().toISOString(),
    });
    state.recent = state.recent.slice(0, RECENT);
    await save();
  }
  return false;
}

export interface QueueStatus {
  queued: number;
  /** Pages (or files) known to be left in the queued jobs (PDF pages count once a file is opened). */
  current: { name: string; number: string; kind: TextKind; page: number | null; pages: number | null; ocrPages: number } | null;
  jobs: { name: string; number: string; kind: TextKind; size: number; enqueuedAt: string }[];
  recent: FinishedJob[];
  totals: QueueTotals;
  /** Average OCR time per page, in ms (null before the first page). */
  msPerOcrPage: number | null;
  running: boolean;
}

export function queueStatus(): QueueStatus {
  const c = current;
  return {
    queued: state.jobs.length,
    current: c
      ? { name: c.job.refs[0]?.name ?? "", number: c.job.refs[0]?.number ?? "", kind: c.job.kind, page: c.entry.pages ? Math.min(c.entry.next, c.entry.pages) : null, pages: c.entry.pages, ocrPages: c.entry.ocrPages }
      : null,
    jobs: state.jobs.slice(0, 50).map((j) => ({ name: j.refs[0]?.name ?? "", number: j.refs[0]?.number ?? "", kind: j.kind, size: j.size, enqueuedAt: j.enqueuedAt })),
    recent: state.recent,
    totals: { ...state.totals },
    msPerOcrPage: state.totals.ocrPages ? Math.round(state.totals.ocrMs / state.totals.ocrPages) : null,
    running: !!running,
  };
}

/** Forget everything held in memory (tests start each data folder afresh). */
export function resetQueueForTests() {
  state = emptyState();
  loaded = false;
  stopped = false;
  current = null;
}
