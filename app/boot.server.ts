/**
 * Start-up: validate settings, open the database, open (or create and seed)
 * the repository, bring derived indexes level with git, then start each
 * domain's background work. Runs once per process, before the first request.
 */
import fs from "node:fs";
import path from "node:path";
import { getEnv } from "~/utils/env.server";
import { auditKey } from "~/audit/audit.server";
import { loadDb, readDb } from "~/data/db.server";
import { seedDocuments, seedPeople } from "~/data/seed.server";
import { ensureRepo, resolveRef } from "~/documents/repo.server";
import { loadVersionIndex } from "~/documents/version-index.server";
import { getConfig } from "~/documents/config.server";
import { runAllJobs, settleJobs, startScheduler, stopScheduler } from "~/utils/scheduler.server";
import { acquireDataDirLock } from "~/utils/process-lock.server";

/** Domain start-up steps run after the store is ready (search index, notifications, …). */
const steps: { name: string; run: () => Promise<void> }[] = [];

/** Registers a start-up step (domains call this from their own boot modules). */
export function onBoot(name: string, run: () => Promise<void>) {
  if (!steps.some((s) => s.name === name)) steps.push({ name, run });
}

type Step = { name: string; run: () => Promise<void> | void };

/** Steps run as soon as the server is asked to stop (end what would keep requests open, such as live streams). */
const onSignal: Step[] = [];
/** Steps run after the last answer (flush what is held in memory, stop background work). */
const stops: Step[] = [];

/**
 * Registers a step to run when the server stops: `"signal"` steps run as soon as
 * it is asked to, the others after its last answer, in reverse order of registration.
 */
export function onShutdown(name: string, run: () => Promise<void> | void, when: "signal" | "after-last-answer" = "after-last-answer") {
  const list = when === "signal" ? onSignal : stops;
  if (!list.some((s) => s.name === name)) list.push({ name, run });
}

let signalled: Promise<void> | null = null;
let stopping: Promise<void> | null = null;

async function runSteps(steps: Step[]) {
  for (const step of [...steps].reverse()) {
    try {
      await step.run();
    } catch (error) {
      console.warn(`[regula] shutdown step ${step.name} failed: ${(error as Error).message}`);
    }
  }
}

/** The server has been asked to stop: ends what would hold requests open. scripts/serve.mjs calls it at SIGTERM. */
export function stopRequested(): Promise<void> {
  signalled ??= runSteps(onSignal);
  return signalled;
}

/**
 * Stops background work and writes out what is held in memory. The HTTP server
 * calls this after its last answer (scripts/serve.mjs), then exits.
 */
export function shutdown(): Promise<void> {
  stopping ??= (async () => {
    await stopRequested();
    stopScheduler();
    await settleJobs(5_000);
    await runSteps(stops);
  })();
  return stopping;
}

let booted: Promise<void> | null = null;

function assertWritable(dir: string) {
  try {
    fs.mkdirSync(dir, { recursive: true });
    const probe = path.join(dir, `.write-test-${process.pid}`);
    fs.writeFileSync(probe, "ok");
    fs.rmSync(probe);
  } catch (error) {
    throw new Error(
      `DATA_DIR ${dir} is not writable (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}). ` +
        `Point DATA_DIR at a writable folder with free space.`,
    );
  }
}

async function doBoot() {
  const started = Date.now();
  const env = getEnv();
  getConfig();
  assertWritable(env.dataDir);
  // The audit key is settled before anything is recorded: a key that cannot be had stops the start with a clear message.
  const key = auditKey();
  if (key.fallback) {
    console.warn(`[audit] AUDIT_KEY and AUDIT_KEY_FILE are not set: the audit head is signed with the key in ${key.source} (decision 074)`);
  }
  acquireDataDirLock(process.env.REGULA_PROCESS_NAME ?? "the Regula server");
  await loadDb();
  await ensureRepo();
  const people = await seedPeople();
  const index = await loadVersionIndex();
  let seeded = 0;
  if (!(await resolveRef())) seeded = await seedDocuments();
  await registerDomains();
  for (const step of steps) await step.run();
  if (process.env.REGULA_NO_SCHEDULER !== "1") {
    startScheduler();
    void runAllJobs();
  }
  const parts = [
    `data ${env.dataDir}`,
    index.rebuilt ? "version index rebuilt" : index.caughtUp ? `version index caught up ${index.caughtUp} commit(s)` : "",
    seeded ? `seeded ${seeded} sample versions` : "",
    people.users ? `created ${people.users} demo accounts (password demo1234)` : "",
    `ready in ${Date.now() - started} ms`,
  ].filter(Boolean);
  console.log(`[regula] ${parts.join("; ")}`);
  if (!readDb().users.some((u) => u.roles.includes("admin"))) {
    console.log("[regula] No admin account yet. Create one with: npm run create-admin -- <username> <password> <department-id>");
  }
}

/** Domain modules that hook into boot register here (one import each). */
async function registerDomains() {
  await Promise.all([
    // domain boot modules are imported here, e.g. import("~/search/boot.server")
    import("~/search/boot.server"),
    import("~/revisions/boot.server"),
    import("~/access/boot.server"),
    import("~/import/boot.server"),
    import("~/onboarding/boot.server"),
    import("~/backup/boot.server"),
    import("~/downloads/boot.server"),
    import("~/notifications/boot.server"),
  ]);
}

/** Boots once; later calls await the same promise. */
export function boot(): Promise<void> {
  booted ??= doBoot();
  return booted;
}
