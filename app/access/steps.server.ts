/**
 * All-or-nothing steps for access records (decision 070): one database write
 * with its audit entries. Everything is worked out by the caller before the
 * write; events and notifications go out only after this returns.
 */
import { mutableCollection } from "~/data/db.server";
import type { Data } from "~/data/schema";
import { updateWithAudit, type AuditInput } from "~/audit/audit.server";

type Keyed = { id: string };

/**
 * Applies `change` (it returns null to change nothing) and writes `audits(result)`
 * as one step (decision 129): with PostgreSQL in one transaction; with lowdb, when
 * the audit entries cannot be written, every record of `collections` that the
 * change added or altered is put back as it was. Either way the error goes to the
 * caller and nothing of the step remains. Records other writers changed in between
 * are left alone.
 */
export async function auditedChange<T>(
  collections: readonly string[],
  change: (data: Data) => T | null,
  audits: (result: T) => AuditInput[]
): Promise<T | null> {
  const added = new Map<string, Set<string>>();
  const altered = new Map<string, Map<string, string>>();
  return updateWithAudit(
    (data) => {
      const before = new Map(collections.map((c) => [c, new Map(mutableCollection<Keyed>(data, c).map((r) => [r.id, JSON.stringify(r)]))]));
      const out = change(data);
      for (const c of collections) {
        const was = before.get(c)!;
        const newIds = new Set<string>();
        const changed = new Map<string, string>();
        for (const r of mutableCollection<Keyed>(data, c)) {
          const old = was.get(r.id);
          if (old === undefined) newIds.add(r.id);
          else if (old !== JSON.stringify(r)) changed.set(r.id, old);
        }
        added.set(c, newIds);
        altered.set(c, changed);
      }
      return out;
    },
    (result) => (result === null ? [] : audits(result)),
    (data) => {
      for (const c of collections) {
        const list = mutableCollection<Keyed>(data, c);
        const remove = added.get(c)!;
        const restore = altered.get(c)!;
        for (let i = list.length - 1; i >= 0; i--) {
          const id = list[i].id;
          if (remove.has(id)) list.splice(i, 1);
          else if (restore.has(id)) list[i] = JSON.parse(restore.get(id)!) as Keyed;
        }
      }
    },
    // A job that found nothing due (most runs) adds and alters nothing: no file is written.
    (result) => result === null && collections.every((c) => !added.get(c)!.size && !altered.get(c)!.size)
  );
}
