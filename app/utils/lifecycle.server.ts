/**
 * The start and stop registry: domains register their start-up steps and
 * shutdown steps here (from their boot modules); the wiring module
 * (app/boot.server.ts) runs them. It imports no domain.
 */
import { settleJobs, stopScheduler } from "./scheduler.server";

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

/** Runs the registered start-up steps in order of registration (the wiring module calls it once). */
export async function runBootSteps(): Promise<void> {
  for (const step of steps) await step.run();
}
