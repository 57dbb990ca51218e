/**
 * Who follows which guide. New employees (started within NEW_HIRE_DAYS) get
 * every automatic guide matching their role and department; administrators
 * assign and remove guides by hand. Each assignment asks the person to
 * acknowledge the current version of every document in the guide by its due
 * date (reason "onboarding"), so the owed-acknowledgement lists, reminders
 * and the document pages' "I have read this version" button all apply.
 */
import { randomUUID } from "node:crypto";
import type { AuthUser } from "~/access/session.server";
import { getUserById, isAdmin, listUsers } from "~/org/users.server";
import { collection, mutableCollection, updateDb } from "~/data/db.server";
import type { User } from "~/data/schema";
import { latestVersion } from "~/documents/version-index.server";
import { defaultAckDueDate, requireAcknowledgement } from "~/notifications/acknowledgements.server";
import { nowIso, today } from "~/utils/clock.server";
import { AccessDeniedError, ConflictError, msg, NotFoundError, ValidationError } from "~/utils/errors.server";
import { withLock } from "~/utils/lock.server";
import { getGuide, guideMatches, guideNumbers, listGuides, type Guide } from "./guides.server";

export interface GuideAssignment {
  id: string;
  guideId: string;
  userId: string;
  assignedAt: string;
  /** YYYY-MM-DD by which the guide should be finished. */
  dueDate: string;
  /** "auto" or the username of the administrator who assigned it. */
  assignedBy: string;
  removedAt?: string;
  removedBy?: string;
}

const ASSIGNMENTS = "onboardingAssignments";
/** People whose start date is at most this many days ago count as new employees. */
export const NEW_HIRE_DAYS = 90;

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Whether a person started recently enough to be onboarded automatically. */
export function isNewHire(user: Pick<User, "startDate" | "active">, day = today()): boolean {
  if (!user.active || !user.startDate) return false;
  return user.startDate >= addDays(day, -NEW_HIRE_DAYS) && user.startDate <= addDays(day, 31);
}

/** Active (not removed) assignments, optionally of one person or guide. */
export function listAssignments(filter: { userId?: string; guideId?: string } = {}): GuideAssignment[] {
  return collection<GuideAssignment>(ASSIGNMENTS).filter(
    (a) => !a.removedAt && (!filter.userId || a.userId === filter.userId) && (!filter.guideId || a.guideId === filter.guideId),
  );
}

/** A person's guides with their assignments (archived guides left out), earliest due first. */
export function guidesOf(userId: string): { guide: Guide; assignment: GuideAssignment }[] {
  const guides = new Map(listGuides().map((g) => [g.id, g]));
  return listAssignments({ userId })
    .filter((a) => guides.has(a.guideId))
    .map((a) => ({ guide: guides.get(a.guideId)!, assignment: a }))
    .sort((a, b) => a.assignment.dueDate.localeCompare(b.assignment.dueDate));
}

/** Asks the person to acknowledge the current version of every document in the guide, by the due date. */
export async function requireGuideReading(guide: Guide, assignment: GuideAssignment): Promise<number> {
  let created = 0;
  for (const number of guideNumbers(guide)) {
    const current = latestVersion(number);
    if (!current || current.meta.retired) continue;
    // A guide past its due date (or finished, and reopened by a major revision) gets the usual acknowledgement period.
    const dueDate = assignment.dueDate > today() ? assignment.dueDate : defaultAckDueDate();
    created += (await requireAcknowledgement({ userIds: [assignment.userId], number, version: current.version, dueDate, reason: "onboarding" })).length;
  }
  return created;
}

async function createAssignment(guide: Guide, user: User, assignedBy: string): Promise<GuideAssignment | null> {
  const assignment = await withLock(`onboarding-assign:${user.id}`, () =>
    updateDb((data) => {
      const all = mutableCollection<GuideAssignment>(data, ASSIGNMENTS);
      const existing = all.find((a) => a.guideId === guide.id && a.userId === user.id);
      const start = user.startDate && user.startDate > today() ? user.startDate : today();
      if (existing) {
        // A guide an administrator removed is not given back automatically.
        if (!existing.removedAt || assignedBy === "auto") return null;
        Object.assign(existing, { removedAt: undefined, removedBy: undefined, assignedAt: nowIso(), assignedBy, dueDate: addDays(start, guide.dueDays) });
        return { ...existing };
      }
      const created: GuideAssignment = { id: randomUUID(), guideId: guide.id, userId: user.id, assignedAt: nowIso(), dueDate: addDays(start, guide.dueDays), assignedBy };
      all.push(created);
      return created;
    }),
  );
  if (assignment) await requireGuideReading(guide, assignment);
  return assignment;
}

/** Gives every new employee the automatic guides that match them (idempotent). Returns how many were assigned. */
export async function autoAssign(users: User[] = listUsers()): Promise<number> {
  const guides = listGuides().filter((g) => g.autoAssign);
  if (!guides.length) return 0;
  const day = today();
  let n = 0;
  for (const user of users) {
    if (!isNewHire(user, day)) continue;
    for (const guide of guides) {
      if (!guideMatches(guide, user)) continue;
      if (collection<GuideAssignment>(ASSIGNMENTS).some((a) => a.guideId === guide.id && a.userId === user.id)) continue;
      if (await createAssignment(guide, user, "auto")) n++;
    }
  }
  return n;
}

/** Assigns a guide to a person by hand (administrators). */
export async function assignGuide(actor: AuthUser, guideId: string, userId: string): Promise<GuideAssignment> {
  if (!isAdmin(actor)) throw new AccessDeniedError(msg("onboarding.err.assignWho"));
  const guide = getGuide(guideId);
  if (guide.archivedAt) throw new ConflictError(msg("onboarding.err.archived"));
  const user = getUserById(userId);
  if (!user || !user.active) throw new ValidationError(msg("onboarding.err.choosePerson"), { userId: "unknown person" });
  if (listAssignments({ userId, guideId }).length) throw new ConflictError(msg("onboarding.err.alreadyFollows", { name: user.name }), { fieldErrors: { userId: "already assigned" } });
  const created = await createAssignment(guide, user, actor.username);
  if (!created) throw new ConflictError(msg("onboarding.err.alreadyFollows", { name: user.name }));
  return created;
}

/** Removes a person's assignment (administrators). */
export async function removeAssignment(actor: AuthUser, assignmentId: string): Promise<void> {
  if (!isAdmin(actor)) throw new AccessDeniedError(msg("onboarding.err.unassignWho"));
  await updateDb((data) => {
    const a = mutableCollection<GuideAssignment>(data, ASSIGNMENTS).find((x) => x.id === assignmentId && !x.removedAt);
    if (!a) throw new NotFoundError(msg("onboarding.err.noAssignment"));
    a.removedAt = nowIso();
    a.removedBy = actor.username;
  });
}

/** After a guide changed: everyone following it is asked to read the documents it now contains. */
export async function syncGuideReading(guide: Guide): Promise<number> {
  let n = 0;
  for (const a of listAssignments({ guideId: guide.id })) n += await requireGuideReading(guide, a);
  return n;
}

/** Assignments whose guide contains this document (for major revisions). */
export function assignmentsWithDocument(number: string): { guide: Guide; assignment: GuideAssignment }[] {
  const guides = listGuides().filter((g) => guideNumbers(g).includes(number));
  return guides.flatMap((guide) => listAssignments({ guideId: guide.id }).map((assignment) => ({ guide, assignment })));
}
