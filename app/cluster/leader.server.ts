/**
 * The scheduler's leader lease (decision 112). With DATABASE_URL set, one
 * instance at a time runs the scheduled jobs: the one holding a session-level
 * advisory lock on its own connection. Each interval every instance checks:
 * the leader that its connection is still alive (else it stops leading), the
 * others whether the lock is free. When the leader dies its connection closes,
 * PostgreSQL drops the lock, and another instance takes it at its next check.
 * Without DATABASE_URL the one process always leads.
 */
import pg from "pg";
import { clustered, connectionConfig } from "./pg.server";

const LOCK_SPACE = 0x5247;
const LEADER_KEY = 1;

let client: pg.Client | null = null;
let leading = false;
let timer: NodeJS.Timeout | null = null;
let checking: Promise<void> | null = null;
let stopped = false;
const changeHandlers: ((leader: boolean) => void)[] = [];

function setLeading(value: boolean) {
  if (leading === value) return;
  leading = value;
  console.log(value ? "[cluster] this instance now runs the scheduled jobs (leader)" : "[cluster] this instance no longer runs the scheduled jobs");
  for (const h of changeHandlers) h(value);
}

function drop(c: pg.Client) {
  if (client === c) client = null;
  setLeading(false);
  void c.end().catch(() => undefined);
}

async function check(): Promise<void> {
  if (stopped) return;
  try {
    if (!client) {
      const c = new pg.Client({ ...connectionConfig(), application_name: "regula-leader" });
      c.on("error", () => drop(c));
      c.on("end", () => drop(c));
      await c.connect();
      client = c;
    }
    const c = client;
    if (leading) {
      // Still connected means still holding the lock.
      await c.query("SELECT 1");
    } else {
      const { rows } = await c.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1, $2) AS ok", [LOCK_SPACE, LEADER_KEY]);
      if (rows[0]?.ok && !stopped) setLeading(true);
    }
  } catch (error) {
    if (client) drop(client);
    else setLeading(false);
    if (!stopped) console.warn(`[cluster] leader check failed: ${(error as Error).message}`);
  }
}

/** Checks the lease now (once at a time). */
export function checkLease(): Promise<void> {
  checking ??= check().finally(() => (checking = null));
  return checking;
}

/** True when this instance runs the scheduled jobs. */
export function isLeader(): boolean {
  return clustered() ? leading : true;
}

/** Runs `fn` when this instance becomes or stops being the leader. */
export function onLeadershipChange(fn: (leader: boolean) => void) {
  changeHandlers.push(fn);
}

/** Takes part in the election, checking every `intervalSeconds` (once per process). */
export async function startLeaderLease(intervalSeconds: number): Promise<void> {
  if (!clustered() || timer) return;
  stopped = false;
  await checkLease();
  timer = setInterval(() => void checkLease(), Math.max(250, intervalSeconds * 1000));
  timer.unref();
}

/** Gives up the lease (shutdown): closing the connection frees the lock for the others at once. */
export async function stopLeaderLease(): Promise<void> {
  stopped = true;
  if (timer) clearInterval(timer);
  timer = null;
  await checking?.catch(() => undefined);
  const c = client;
  client = null;
  leading = false;
  await c?.end().catch(() => undefined);
}
