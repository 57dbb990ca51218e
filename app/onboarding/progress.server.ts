/**
 * A person's progress through a guide, derived at every view from the
 * acknowledgements: a document counts as read when its current version (or a
 * version with only minor changes since) was acknowledged. A major revision
 * after the person read it reopens the step, with what changed since.
 * Documents the person may not read show number and title only, with a way
 * to request access.
 */
import { decideRead } from "~/access/policy.server";
import { getUserById, listUsers } from "~/org/users.server";
import type { User } from "~/data/schema";
import { latestVersion, versionsOf } from "~/documents/version-index.server";
import { acknowledgedAt, lastAcknowledgedVersion } from "~/notifications/acknowledgements.server";
import { today } from "~/utils/clock.server";
import { guidesOf, listAssignments, type GuideAssignment } from "./assignment.server";
import { getGuide, listGuides, type Guide } from "./guides.server";

export type ItemState = "done" | "todo" | "reopened" | "no-access" | "retired";

export interface GuideItem {
  number: string;
  title: string;
  /** The current version: the one to read and acknowledge. */
  version: number;
  state: ItemState;
  lastAcknowledged?: number;
  /** Major revisions since the person last read it (state "reopened"). */
  changedSince?: { from: number; to: number; summaries: string[]; canDiff: boolean };
  restricted?: "department" | "restricted" | "history";
}

export interface StepProgress {
  id: string;
  title: string;
  note?: string;
  items: GuideItem[];
  state: "done" | "todo" | "reopened";
  done: number;
  total: number;
}

export interface GuideProgress {
  guideId: string;
  assignmentId: string;
  title: string;
  description?: string;
  dueDate: string;
  overdue: boolean;
  steps: StepProgress[];
  done: number;
  total: number;
  percent: number;
  complete: boolean;
  reopened: boolean;
  /** When the last needed acknowledgement was given, if the guide is complete. */
  completedAt?: string;
  next?: { number: string; title: string; version: number; stepTitle: string; state: ItemState };
}

function itemFor(user: Pick<User, "id" | "roles" | "departmentId">, number: string): GuideItem & { ackAt?: string } {
  const current = latestVersion(number);
  if (!current) return { number, title: number, version: 0, state: "retired" };
  const base = { number, title: current.meta.title, version: current.version };
  if (current.meta.retired) return { ...base, state: "retired" };
  const decision = decideRead(user, current.meta);
  if (!decision.allowed) return { ...base, state: "no-access", restricted: decision.reason };
  const last = lastAcknowledgedVersion(user.id, number);
  if (last === undefined) return { ...base, state: "todo" };
  if (last >= current.version) return { ...base, state: "done", lastAcknowledged: last, ackAt: acknowledgedAt(user.id, number, last) };
  const since = versionsOf(number).filter((v) => v.version > last && v.version <= current.version);
  const major = since.filter((v) => v.change === "major");
  if (!major.length) return { ...base, state: "done", lastAcknowledged: last, ackAt: acknowledgedAt(user.id, number, last) };
  return {
    ...base,
    state: "reopened",
    lastAcknowledged: last,
    changedSince: {
      from: last,
      to: current.version,
      summaries: since.map((v) => `v${v.version}: ${v.summary}`),
      canDiff: decideRead(user, current.meta, { history: true }).allowed,
    },
  };
}

/** Progress of one person through one guide. */
export function guideProgress(user: Pick<User, "id" | "roles" | "departmentId">, guide: Guide, assignment: GuideAssignment): GuideProgress {
  let latestAck = "";
  const steps: StepProgress[] = guide.steps.map((step) => {
    const items = step.numbers.map((n) => {
      const { ackAt, ...item } = itemFor(user, n);
      if (ackAt && ackAt > latestAck) latestAck = ackAt;
      return item;
    });
    const counted = items.filter((i) => i.state !== "retired");
    const done = counted.filter((i) => i.state === "done").length;
    return {
      id: step.id,
      title: step.title,
      note: step.note,
      items,
      done,
      total: counted.length,
      state: items.some((i) => i.state === "reopened") ? "reopened" : done === counted.length ? "done" : "todo",
    };
  });
  const total = steps.reduce((n, s) => n + s.total, 0);
  const done = steps.reduce((n, s) => n + s.done, 0);
  const complete = total > 0 && done === total;
  let next: GuideProgress["next"];
  for (const step of steps) {
    const item = step.items.find((i) => i.state === "reopened" || i.state === "todo" || i.state === "no-access");
    if (item) {
      next = { number: item.number, title: item.title, version: item.version, stepTitle: step.title, state: item.state };
      break;
    }
  }
  return {
    guideId: guide.id,
    assignmentId: assignment.id,
    title: guide.title,
    description: guide.description,
    dueDate: assignment.dueDate,
    overdue: !complete && today() > assignment.dueDate,
    steps,
    done,
    total,
    percent: total ? Math.round((done / total) * 100) : 100,
    complete,
    reopened: steps.some((s) => s.state === "reopened"),
    completedAt: complete ? latestAck || undefined : undefined,
    next,
  };
}

/** Every guide a person follows, with progress. */
export function myGuides(user: Pick<User, "id" | "roles" | "departmentId">): GuideProgress[] {
  return guidesOf(user.id).map(({ guide, assignment }) => guideProgress(user, guide, assignment));
}

export interface CompletionRow {
  assignmentId: string;
  userId: string;
  username: string;
  name: string;
  departmentId: string;
  assignedBy: string;
  dueDate: string;
  done: number;
  total: number;
  percent: number;
  status: "complete" | "reopened" | "in-progress" | "not-started";
  overdue: boolean;
  completedAt?: string;
}

export interface GuideCompletion {
  guideId: string;
  title: string;
  people: number;
  complete: number;
  overdue: number;
  percent: number;
  rows: CompletionRow[];
  departments: { departmentId: string; people: number; complete: number; overdue: number; percent: number }[];
}

/**
 * Completion of each guide per person and per department. Administrators see
 * everyone; department heads and approvers see the people of their department.
 */
export function completionReport(viewer: Pick<User, "roles" | "departmentId">, filter: { guideId?: string } = {}): GuideCompletion[] {
  const admin = viewer.roles.includes("admin");
  const users = new Map(listUsers().map((u) => [u.id, u]));
  const guides = filter.guideId ? [getGuide(filter.guideId)] : listGuides();
  return guides.map((guide) => {
    const rows: CompletionRow[] = [];
    for (const a of listAssignments({ guideId: guide.id })) {
      const user = users.get(a.userId) ?? getUserById(a.userId);
      if (!user || !user.active) continue;
      if (!admin && user.departmentId !== viewer.departmentId) continue;
      const p = guideProgress(user, guide, a);
      rows.push({
        assignmentId: a.id,
        userId: user.id,
        username: user.username,
        name: user.name,
        departmentId: user.departmentId,
        assignedBy: a.assignedBy,
        dueDate: a.dueDate,
        done: p.done,
        total: p.total,
        percent: p.percent,
        status: p.complete ? "complete" : p.reopened ? "reopened" : p.done === 0 ? "not-started" : "in-progress",
        overdue: p.overdue,
        completedAt: p.completedAt,
      });
    }
    rows.sort((a, b) => Number(b.overdue) - Number(a.overdue) || a.departmentId.localeCompare(b.departmentId) || a.username.localeCompare(b.username));
    const byDept = new Map<string, CompletionRow[]>();
    for (const r of rows) byDept.set(r.departmentId, [...(byDept.get(r.departmentId) ?? []), r]);
    const pct = (list: CompletionRow[]) => (list.length ? Math.round(list.reduce((n, r) => n + r.percent, 0) / list.length) : 0);
    return {
      guideId: guide.id,
      title: guide.title,
      people: rows.length,
      complete: rows.filter((r) => r.status === "complete").length,
      overdue: rows.filter((r) => r.overdue).length,
      percent: pct(rows),
      rows,
      departments: [...byDept.entries()]
        .map(([departmentId, list]) => ({
          departmentId,
          people: list.length,
          complete: list.filter((r) => r.status === "complete").length,
          overdue: list.filter((r) => r.overdue).length,
          percent: pct(list),
        }))
        .sort((a, b) => a.departmentId.localeCompare(b.departmentId)),
    };
  });
}

/** The onboarding panel on the home page (the home extra that onboarding/boot.server.ts registers). */
export interface OnboardingHomePanel {
  guides: {
    guideId: string;
    title: string;
    done: number;
    total: number;
    percent: number;
    dueDate: string;
    overdue: boolean;
    complete: boolean;
    reopened: boolean;
    next?: { number: string; title: string; version: number; stepTitle: string; state: string };
    steps: { title: string; done: number; total: number; state: string }[];
  }[];
  manager: boolean;
}
