/**
 * A lock held across every instance of an installation (decision 111): a
 * PostgreSQL advisory lock when DATABASE_URL is set, the in-process lock
 * otherwise. Re-entrant within one chain of calls, so a publication that holds
 * it can call the repository writer that takes it too.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { withLock } from "~/utils/lock.server";
import { clustered, coordinationPool, SharedDatabaseUnavailableError } from "./pg.server";

const held = new AsyncLocalStorage<ReadonlySet<string>>();

/** First key of every advisory lock Regula takes ("RG"), so other users of the database are not disturbed. */
const LOCK_SPACE = 0x5247;
/** How long a writer waits for another instance's lock before answering 503. */
const WAIT = "20s";

function enter<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
  const names = new Set(held.getStore() ?? []);
  names.add(name);
  return held.run(names, async () => fn());
}

/** True when this chain of calls holds the named lock. */
export function holdsClusterLock(name: string): boolean {
  return held.getStore()?.has(name) ?? false;
}

/** Runs `fn` holding the named lock on every instance (one at a time, installation-wide). */
export async function withClusterLock<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
  if (holdsClusterLock(name)) return fn();
  return withLock(`cluster:${name}`, async () => {
    if (!clustered()) return enter(name, fn);
    let client;
    try {
      client = await coordinationPool().connect();
    } catch (error) {
      throw new SharedDatabaseUnavailableError((error as Error).message);
    }
    let broken = false;
    try {
      // One round trip: the wait limit and the lock (the name is quoted as a literal).
      await client.query(`SET lock_timeout = '${WAIT}'; SELECT pg_advisory_lock(${LOCK_SPACE}, hashtext(${client.escapeLiteral(name)}))`);
    } catch (error) {
      client.release(true);
      throw new SharedDatabaseUnavailableError((error as Error).message);
    }
    try {
      return await enter(name, fn);
    } finally {
      try {
        await client.query("SELECT pg_advisory_unlock($1, hashtext($2))", [LOCK_SPACE, name]);
      } catch {
        broken = true; // the connection is gone, and the lock with it
      }
      client.release(broken);
    }
  });
}
