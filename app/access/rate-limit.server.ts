/**
 * Sign-in rate limits, two of them:
 * - per (client address, username): after 5 failures within 15 minutes,
 *   further attempts for that name from that address wait until the window
 *   passes;
 * - per client address, across usernames: after 20 failures within 15
 *   minutes, every sign-in from that address waits. Trying one password
 *   against many names (password spraying) is slowed as much as trying many
 *   passwords against one name.
 * The failures are counted by app/data/counters.server.ts: in memory for a
 * single process (a restart forgets them), in PostgreSQL when DATABASE_URL is
 * set, so that the limits hold across every instance.
 */
import { eventCounters } from "~/data/counters.server";

const WINDOW_MS = 15 * 60_000;
/** Failures for one name from one address before that pair waits. */
export const MAX_FAILURES_PER_NAME = 5;
/** Failures from one address, whatever the names, before the address waits. */
export const MAX_FAILURES_PER_ADDRESS = 20;

function waitFor(list: number[], now: number, max: number): number {
  if (list.length < max) return 0;
  return Math.ceil((list[list.length - max] + WINDOW_MS - now) / 1000);
}

/** Seconds to wait before another attempt is allowed (0 = allowed now). */
export async function checkLoginRate(key: string, now = Date.now(), max = MAX_FAILURES_PER_NAME): Promise<number> {
  return waitFor(await eventCounters().recent(key, now - WINDOW_MS), now, max);
}

/** The wait before another attempt (0 = allowed now) and how many failures the window holds (none: nothing to clear after a success). */
export async function loginRate(key: string, now = Date.now(), max = MAX_FAILURES_PER_NAME): Promise<{ wait: number; failures: number }> {
  const list = await eventCounters().recent(key, now - WINDOW_MS);
  return { wait: waitFor(list, now, max), failures: list.length };
}

export async function recordLoginFailure(key: string, now = Date.now()): Promise<void> {
  await eventCounters().add([key], now, now - WINDOW_MS);
}

export async function clearLoginFailures(key: string): Promise<void> {
  await eventCounters().clear(key);
}

function nameKey(address: string, username: string) {
  return `name|${address}|${username.trim().toLowerCase()}`;
}

function addressKey(address: string) {
  return `addr|${address}`;
}

/** Seconds a sign-in as `username` from `address` must wait (0 = allowed now), by either limit. */
export async function signInWait(
  address: string,
  username: string,
  now = Date.now(),
): Promise<{ wait: number; limit: "name" | "address" | null; nameFailures: number }> {
  const counters = eventCounters();
  const [addressList, nameList] = await Promise.all([
    counters.recent(addressKey(address), now - WINDOW_MS),
    counters.recent(nameKey(address, username), now - WINDOW_MS),
  ]);
  const byAddress = waitFor(addressList, now, MAX_FAILURES_PER_ADDRESS);
  const byName = waitFor(nameList, now, MAX_FAILURES_PER_NAME);
  const nameFailures = nameList.length;
  if (!byAddress && !byName) return { wait: 0, limit: null, nameFailures };
  return byAddress >= byName ? { wait: byAddress, limit: "address", nameFailures } : { wait: byName, limit: "name", nameFailures };
}

/** Counts a failed sign-in against both limits. */
export async function recordSignInFailure(address: string, username: string, now = Date.now()): Promise<void> {
  await eventCounters().add([nameKey(address, username), addressKey(address)], now, now - WINDOW_MS);
}

/**
 * A successful sign-in clears that name's count from that address (the address's count stays).
 * `knownFailures` is what signInWait counted: with none there is nothing to clear (no database round trip).
 */
export async function recordSignInSuccess(address: string, username: string, knownFailures?: number): Promise<void> {
  if (knownFailures === 0) return;
  await eventCounters().clear(nameKey(address, username));
}
