/**
 * Following the shared remote (decision 111): brings the local clone level
 * with GIT_REMOTE, adds the versions published by other instances to the
 * version index, and emits `document.arrived` for each so this instance's own
 * derived data (search index, citations, duplicates) follows. What a
 * publication does to the shared database (notifications, audit, proposals)
 * was done once, by the instance that published it.
 */
import { withLock } from "~/utils/lock.server";
import { emit } from "./events.server";
import { sharedRemote, syncFromRemote } from "./repo.server";
import { catchUpVersionIndex, versionsOf, type VersionRecord } from "./version-index.server";

/** Fetches and applies what other instances published; returns the versions that arrived. */
export async function followRemote(options: { fetched?: boolean } = {}): Promise<VersionRecord[]> {
  if (!sharedRemote()) return [];
  return withLock("follow", () => followLocked(options));
}

/** The same, for a caller that already holds the "follow" lock (a publication). */
export async function followLocked(options: { fetched?: boolean } = {}): Promise<VersionRecord[]> {
  if (!sharedRemote()) return [];
  if (!options.fetched) await syncFromRemote();
  const { added, rebuilt } = await catchUpVersionIndex();
  if (rebuilt) await emit("index.rebuilt", { head: null });
  for (const record of added) {
    const previous = versionsOf(record.number).find((r) => r.version === record.version - 1);
    await emit("document.arrived", { record, previous });
  }
  return added;
}
