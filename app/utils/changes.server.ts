/**
 * A count of the changes this process has seen to anything a page may show
 * (decision 127). Writers bump it where they already serialise their work
 * (`withLock`), the database store keeps its own generation, and the other
 * sources of change (messages from other instances, scheduled jobs, a moved
 * clock, a finished form post) bump it too. The page cache's early path
 * serves a reader's page again only while the count has not moved since the
 * page's loaders ran.
 */
let count = 0;

/** Something a page may show has changed (or is about to). */
export function noteChange(): void {
  count++;
}

/**
 * Something has changed, and the caller may still be applying it to memory in
 * the code that follows its `await`: counted now and once more after that code ran.
 */
export function noteChangeDone(): void {
  count++;
  setImmediate(() => count++);
}

/** The number of changes noted so far. */
export function changeCount(): number {
  return count;
}
