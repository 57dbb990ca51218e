/**
 * Sign-in rate limit: after 5 failures for one (client, username) within 15
 * minutes, further attempts wait until the window passes. Kept in memory: a
 * restart forgets it, which is acceptable for a single-process portal.
 */
const WINDOW_MS = 15 * 60_000;
const MAX_FAILURES = 5;
const failures = new Map<string, number[]>();

function recent(key: string, now: number) {
  const list = (failures.get(key) ?? []).filter((t) => now - t < WINDOW_MS);
  if (list.length) failures.set(key, list);
  else failures.delete(key);
  return list;
}

/** Seconds to wait before another attempt is allowed (0 = allowed now). */
export function checkLoginRate(key: string, now = Date.now()): number {
  const list = recent(key, now);
  if (list.length < MAX_FAILURES) return 0;
  return Math.ceil((list[0] + WINDOW_MS - now) / 1000);
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
