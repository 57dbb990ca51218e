/**
 * Start-up: validate settings, open the database, open (or create and seed)
 * the repository, bring derived indexes level with git, then start each
 * domain's background work. Runs once per process, before the first request.
 */
import fs from "node:fs";
import path from "node:path";
import { getEnv } from "~/utils/env.server";
import { oidcProviders } from "~/access/oidc-config.server";
import { auditKey } from "~/audit/audit.server";
import { loadDb, readDb } from "~/data/db.server";
import { readNotificationLogs } from "~/notifications/service.server";
import { seedDocuments, seedGuides, seedPeople } from "~/demo/seed.server";
import { ensureRepo, resolveRef } from "~/documents/repo.server";
import { loadVersionIndex } from "~/documents/version-index.server";
import { startCitationIndex } from "~/documents/citation-index.server";
import { getConfig } from "~/documents/config.server";
import { jobsRunHere, runAllJobs, startScheduler } from "~/utils/scheduler.server";
import { withClusterLock } from "~/cluster/lock.server";
import { followRemote } from "~/documents/follow.server";
import { runBootSteps } from "~/utils/lifecycle.server";
import { acquireDataDirLock } from "~/utils/process-lock.server";
import { disableDemoAccounts } from "~/access/demo-accounts.server";
import { describeReasons } from "~/utils/installation.server";
import { allStartupWorkListed, startIdleRelease, startupWork } from "~/utils/memory.server";

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
  oidcProviders();
  assertWritable(env.dataDir);
  // The audit key is settled before anything is recorded: a key that cannot be had stops the start with a clear message.
  const key = auditKey();
  if (key.fallback) {
    console.warn(`[audit] AUDIT_KEY and AUDIT_KEY_FILE are not set: the audit head is signed with the key in ${key.source} (decision 074)`);
  }
  acquireDataDirLock(process.env.REGULA_PROCESS_NAME ?? "the Regula server");
  await loadDb();
  // With PostgreSQL the notification logs are read before seeding can ask them (decision 119).
  await readNotificationLogs();
  await ensureRepo();
  const people = await seedPeople();
  const demo = await disableDemoAccounts();
  const index = await loadVersionIndex();
  let seeded = 0;
  // Two instances starting on an empty shared repository: one seeds it, the other follows.
  if (!(await resolveRef())) seeded = await withClusterLock("seed", async () => (await followRemote(), (await resolveRef()) ? 0 : seedDocuments()));
  // Built in the background, like the search index; pages that need it wait for it (decision 089).
  void startCitationIndex().finally(startupWork());
  await registerDomains();
  const guides = await seedGuides();
  if (guides) console.log(`[onboarding] created ${guides} demo onboarding guide(s)`);
  await runBootSteps();
  // Memory a busy spell grew is given back once the portal falls idle (decision 130).
  startIdleRelease();
  if (process.env.REGULA_NO_SCHEDULER !== "1") {
    startScheduler();
    // With several instances only the leader runs the jobs (decision 112).
    if (jobsRunHere()) void runAllJobs().finally(startupWork());
  }
  // The start-up work above (indexes built in the background, catch-ups, the first round of jobs)
  // leaves garbage: it is collected once, when the last of it ends (decision 130).
  allStartupWorkListed();
  const parts = [
    `data ${env.dataDir}`,
    index.rebuilt ? "version index rebuilt" : index.caughtUp ? `version index caught up ${index.caughtUp} commit(s)` : "",
    seeded ? `seeded ${seeded} sample versions` : "",
    people.users ? `created ${people.users} demo accounts (password demo1234)` : "",
    `ready in ${Date.now() - started} ms`,
  ].filter(Boolean);
  console.log(`[regula] ${parts.join("; ")}`);
  if (demo.reasons.length) {
    // Decision 091: a real installation never keeps accounts with the published demo password.
    const why = describeReasons(demo.reasons);
    if (demo.disabled.length) {
      console.warn(`[regula] configured for real use (${why}): disabled demo accounts with the published demo password: ${demo.disabled.join(", ")}; the demo password is refused at sign-in`);
    } else {
      console.log(`[regula] configured for real use (${why}): no demo accounts are created and the demo password is refused at sign-in`);
    }
  }
  if (!readDb().users.some((u) => u.roles.includes("admin") && u.active)) {
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
    import("~/consolidation/boot.server"),
    import("~/directory/boot.server"),
    import("~/attachments/text/boot.server"),
    import("~/cluster/boot.server"),
  ]);
}

/** Boots once; later calls await the same promise. */
export function boot(): Promise<void> {
  booted ??= doBoot();
  return booted;
}
