/**
 * The document tabs this domain adds: "Notifications" (who is told, watch /
 * unwatch) and the acknowledgement page behind the "I have read and
 * understood vN" button.
 */
import { decideRead } from "~/access/policy.server";
import type { User } from "~/data/schema";
import { requireDocument } from "~/documents/documents.server";
import { acknowledgedAt, lastAcknowledgedVersion, owedBy } from "./acknowledgements.server";
import { isWatching } from "./watches.server";

/** Why a person hears about a document, and whether they watch it. */
export function watchState(user: User, number: string) {
  const current = requireDocument(number);
  const meta = current.meta;
  const viaDepartment = user.departmentId === meta.ownerDepartment || meta.audienceDepartments.includes(user.departmentId);
  return {
    number,
    category: meta.category,
    viaDepartment,
    watchingDocument: isWatching(user.id, "document", number),
    watchingCategory: isWatching(user.id, "category", meta.category),
    canRead: decideRead(user, meta).allowed,
  };
}

/** What the acknowledgement page shows for a person. */
export function acknowledgementState(user: User, number: string) {
  const current = requireDocument(number);
  const decision = decideRead(user, current.meta);
  const canRead = decision.allowed;
  const owed = owedBy(user.id).find((o) => o.number === number);
  const last = lastAcknowledgedVersion(user.id, number);
  return {
    number,
    version: current.version,
    canRead,
    deniedReason: decision.allowed ? null : decision.reason,
    retired: current.meta.retired,
    owed: owed ? { dueDate: owed.dueDate, overdue: owed.overdue, requiredVersion: owed.requiredVersion, reason: owed.reason } : null,
    lastAcknowledged: last ?? null,
    acknowledgedCurrentAt: acknowledgedAt(user.id, number, current.version) ?? null,
    canReadHistory: decideRead(user, current.meta, { history: true }).allowed,
  };
}
