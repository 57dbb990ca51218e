/**
 * Sign-in rate limits, two of them:
 * - per (client address, username): after 5 failures within 15 minutes,
 *   further attempts for that name from that address wait until the window
 *   passes;
 * - per client address, across usernames: after 20 failures within 15
 *   minutes, every sign-in from that address waits. Trying one password
 *   against many names (password spraying) is slowed as much as trying many
 *   passwords against one name.
 * Kept in memory: a restart forgets them, which is acceptable for a
 * single-process portal.
 */
const WINDOW_MS = 15 * 60_000;
/** Failures for one name from one address before that pair waits. */
export const MAX_FAILURES_PER_NAME = 5;
/** Failures from one address, whatever the names, before the address waits. */
export const MAX_FAILURES_PER_ADDRESS = 20;
const failures = new Map<string, number[]>();

function recent(key: string, now: number) {
  const list = (failures.get(key) ?? []).filter((t) => now - t < WINDOW_MS);
  if (list.length) failures.set(key, list);
  else failures.delete(key);
  return list;
}

/** Seconds to wait before another attempt is allowed (0 = allowed now). */
export function checkLoginRate(key: string, now = Date.now(), max = MAX_FAILURES_PER_NAME): number {
  const list = recent(key, now);
  if (list.length < max) return 0;
  return Math.ceil((list[list.length - max] + WINDOW_MS - now) / 1000);
}

export function recordLoginFailure(key: string, now = Date.now()) {
  const list = recent(key, now);
  list.push(now);
  failures.set(key, list);
  if (failures.size > 10_000) failures.delete(failures.keys().next().value as string);
}

export function clearLoginFailures(key: string) {
  failures.delete(key);
}

function nameKey(address: string, username: string) {
  return `name|${address}|${username.trim().toLowerCase()}`;
}

function addressKey(address: string) {
  return `addr|${address}`;
}

/** Seconds a sign-in as `username` from `address` must wait (0 = allowed now), by either limit. */
export function signInWait(address: string, username: string, now = Date.now()): { wait: number; limit: "name" | "address" | null } {
  const byAddress = checkLoginRate(addressKey(address), now, MAX_FAILURES_PER_ADDRESS);
  const byName = checkLoginRate(nameKey(address, username), now, MAX_FAILURES_PER_NAME);
  if (!byAddress && !byName) return { wait: 0, limit: null };
  return byAddress >= byName ? { wait: byAddress, limit: "address" } : { wait: byName, limit: "name" };
}

/** Counts a failed sign-in against both limits. */
export function recordSignInFailure(address: string, username: string, now = Date.now()) {
  recordLoginFailure(nameKey(address, username), now);
  recordLoginFailure(addressKey(address), now);
}

/** A successful sign-in clears that name's count from that address (the address's count stays). */
export function recordSignInSuccess(address: string, username: string) {
  clearLoginFailures(nameKey(address, username));
}
