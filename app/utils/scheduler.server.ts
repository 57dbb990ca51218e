/**
 * Periodic jobs (effective dates, grant expiry, digests, reminders, backups).
 * Jobs are idempotent catch-up functions: each run looks at persisted state
 * and does whatever is due, so a restart after downtime simply catches up.
 */
import { getEnv } from "./env.server";
import { noteChangeDone } from "./changes.server";

interface Job {
  name: string;
  everySeconds: number;
  run: () => Promise<void>;
  lastRun?: number;
  running?: Promise<void>;
}

const jobs = new Map<string, Job>();
let timer: NodeJS.Timeout | null = null;
/** Whether this process runs the scheduled jobs now (with several instances, only the leader does: decision 112). */
let gate: () => boolean = () => true;

/** Sets the check the ticking loop asks before running due jobs. */
export function setJobGate(check: () => boolean) {
  gate = check;
}

/** True when this process runs the scheduled jobs now. */
export function jobsRunHere(): boolean {
  return gate();
}

/** Registers (or replaces) a job. `everySeconds` defaults to the scheduler interval. */
export function registerJob(name: string, run: () => Promise<void>, everySeconds?: number) {
  jobs.set(name, { name, run, everySeconds: everySeconds ?? getEnv().SCHEDULER_INTERVAL_SECONDS });
}

async function runJob(job: Job): Promise<void> {
  if (job.running) return job.running;
  job.running = (async () => {
    try {
      await job.run();
    } catch (error) {
      console.warn(`[scheduler] ${job.name} failed: ${(error as Error).message}`);
    } finally {
      noteChangeDone();
      job.lastRun = Date.now();
      job.running = undefined;
    }
  })();
  return job.running;
}

/** Runs every job once now (start-up catch-up, and the test hook). */
export async function runAllJobs(): Promise<void> {
  for (const job of jobs.values()) await runJob(job);
}

/** Runs one job by name now. */
export async function runJobNow(name: string): Promise<boolean> {
  const job = jobs.get(name);
  if (!job) return false;
  await runJob(job);
  return true;
}

export function listJobs() {
  return [...jobs.values()].map((j) => ({ name: j.name, everySeconds: j.everySeconds, lastRun: j.lastRun }));
}

/** Starts the ticking loop (once per process). */
export function startScheduler() {
  if (timer) return;
  timer = setInterval(() => {
    if (!gate()) return;
    const t = Date.now();
    for (const job of jobs.values()) {
      if (!job.running && (!job.lastRun || t - job.lastRun >= job.everySeconds * 1000)) void runJob(job);
    }
  }, 1000);
  timer.unref();
}

export function stopScheduler() {
  if (timer) clearInterval(timer);
  timer = null;
}

/** Waits (at most `ms`) for the jobs that are running now to finish. */
export async function settleJobs(ms: number): Promise<void> {
  const running = [...jobs.values()].map((j) => j.running).filter((p): p is Promise<void> => Boolean(p));
  if (!running.length) return;
  let timeout: NodeJS.Timeout | undefined;
  await Promise.race([Promise.allSettled(running), new Promise<void>((r) => (timeout = setTimeout(r, ms)))]);
  clearTimeout(timeout);
}
