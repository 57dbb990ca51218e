/**
 * Keyed async mutex: every read-modify-write of a shared resource (the git
 * repository, the database) runs inside `withLock(key, fn)`, one at a time per key.
 * Each such section counts as a change for the page cache's early path (decision 127).
 */
import { noteChange, noteChangeDone } from "./changes.server";

const tails = new Map<string, Promise<unknown>>();

export async function withLock<T>(key: string, fn: () => Promise<T> | T): Promise<T> {
  const previous = tails.get(key) ?? Promise.resolve();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const tail = previous.then(() => gate);
  tails.set(key, tail);
  try {
    await previous;
    noteChange();
    return await fn();
  } finally {
    noteChangeDone();
    release();
    if (tails.get(key) === tail) tails.delete(key);
  }
}
