/**
 * Several instances (decisions 111, 112): with DATABASE_URL set, this
 * instance listens on the bus, takes part in the scheduler's leader election,
 * and follows the shared git remote (on every "repo.moved" message, after the
 * bus reconnects, and on a timer as a safety net). Without DATABASE_URL and
 * GIT_REMOTE nothing here runs: one process, as before.
 */
import { getEnv } from "~/utils/env.server";
import { onBoot, onShutdown } from "~/utils/lifecycle.server";
import { setJobGate } from "~/utils/scheduler.server";
import { addHealthCheck } from "~/health.server";
import { followRemote } from "~/documents/follow.server";
import { sharedRemote } from "~/documents/repo.server";
import { busConnected, onReconnect, startBus, stopBus, subscribe } from "./bus.server";
import { isLeader, startLeaderLease, stopLeaderLease } from "./leader.server";
import { closeCoordinationPool, clustered, INSTANCE_ID } from "./pg.server";

let following: Promise<void> | null = null;
let again = false;
let lastFollow: { at: string; ok: boolean; error?: string } | null = null;

/** Follows the remote now; a request while one runs makes it run once more after (messages coalesce). */
function followSoon(): Promise<void> {
  if (following) {
    again = true;
    return following;
  }
  following = (async () => {
    do {
      again = false;
      try {
        const arrived = await followRemote();
        lastFollow = { at: new Date().toISOString(), ok: true };
        if (arrived.length) console.log(`[cluster] ${arrived.length} version(s) arrived from the shared repository`);
      } catch (error) {
        lastFollow = { at: new Date().toISOString(), ok: false, error: (error as Error).message };
        console.warn(`[cluster] could not follow the shared repository: ${(error as Error).message}`);
      }
    } while (again);
  })().finally(() => (following = null));
  return following;
}

let timer: NodeJS.Timeout | null = null;

if (clustered()) setJobGate(isLeader);

onBoot("cluster", async () => {
  const env = getEnv();
  if (sharedRemote()) {
    subscribe("repo.moved", () => followSoon());
    onReconnect(() => followSoon());
    timer = setInterval(() => void followSoon(), env.GIT_SYNC_SECONDS * 1000);
    timer.unref();
  }
  if (!clustered()) return;
  await startBus();
  await startLeaderLease(env.SCHEDULER_INTERVAL_SECONDS);
  console.log(`[cluster] instance ${INSTANCE_ID}: ${isLeader() ? "leader (runs the scheduled jobs)" : "follower"}${sharedRemote() ? ", following GIT_REMOTE" : ""}`);
});

onShutdown("cluster", async () => {
  if (timer) clearInterval(timer);
  timer = null;
  await following?.catch(() => undefined);
  // Giving up the lease at once lets another instance run the jobs without waiting for a timeout.
  await stopLeaderLease();
  await stopBus();
  await closeCoordinationPool();
});

addHealthCheck("cluster", () => {
  if (!clustered() && !sharedRemote()) return { ok: true, mode: "single" };
  return {
    ok: clustered() ? busConnected() : true,
    instance: INSTANCE_ID,
    leader: isLeader(),
    bus: clustered() ? (busConnected() ? "connected" : "reconnecting") : "none",
    remote: sharedRemote() ? (lastFollow ?? { ok: true, at: null }) : "none",
  };
});
