/**
 * Onboarding guides: an ordered reading path of documents, grouped in steps,
 * for a role and/or department. A guide stores document numbers only, never
 * versions: every view resolves a number to its current version, so a guide
 * can never send a new employee to an outdated manual.
 */
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { visibleName } from "~/utils/visible-text";
import type { AuthUser } from "~/access/session.server";
import { getDepartment, hasRole, isAdmin } from "~/org/users.server";
import { collection, mutableCollection, updateDb } from "~/data/db.server";
import { ROLES, type Role, type User } from "~/data/schema";
import { normaliseNumberQuery, parseNumber } from "~/documents/numbering.server";
import { latestVersion } from "~/documents/version-index.server";
import { nowIso } from "~/utils/clock.server";
import { AccessDeniedError, msg, NotFoundError, ValidationError } from "~/utils/errors.server";

export interface GuideStep {
  id: string;
  title: string;
  note?: string;
  /** Document numbers in reading order. */
  numbers: string[];
}

export interface Guide {
  id: string;
  title: string;
  description?: string;
  /** Roles the guide is for (empty = every role). */
  roles: Role[];
  /** Departments the guide is for (empty = every department). */
  departmentIds: string[];
  /** Days a new employee has to finish, counted from the assignment. */
  dueDays: number;
  /** New employees matching roles and departments get the guide automatically. */
  autoAssign: boolean;
  steps: GuideStep[];
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  archivedAt?: string;
}

const GUIDES = "onboardingGuides";
export const MAX_STEPS = 40;
export const MAX_DOCS_PER_STEP = 30;

/** Every guide (archived ones only when asked), newest first. */
export function listGuides(options: { includeArchived?: boolean } = {}): Guide[] {
  return collection<Guide>(GUIDES)
    .filter((g) => options.includeArchived || !g.archivedAt)
    .sort((a, b) => a.title.localeCompare(b.title, "zh-CN"));
}

export function getGuide(id: string): Guide {
  const guide = collection<Guide>(GUIDES).find((g) => g.id === id);
  if (!guide) throw new NotFoundError(msg("onboarding.err.noGuide"));
  return guide;
}

/** Every document number a guide points at, in reading order. */
export function guideNumbers(guide: Guide): string[] {
  return guide.steps.flatMap((s) => s.numbers);
}

/** Whether a guide is meant for this person (role and department). */
export function guideMatches(guide: Guide, user: Pick<User, "roles" | "departmentId">): boolean {
  const roleOk = guide.roles.length === 0 || guide.roles.some((r) => user.roles.includes(r));
  const deptOk = guide.departmentIds.length === 0 || guide.departmentIds.includes(user.departmentId);
  return roleOk && deptOk;
}

/** Admins may compose any guide; editors may compose guides for their own department only. */
export function canComposeGuides(user: Pick<User, "roles">): boolean {
  return hasRole(user, "editor");
}

export function canEditGuide(user: Pick<User, "roles" | "departmentId">, guide: Guide): boolean {
  if (isAdmin(user)) return true;
  return hasRole(user, "editor") && guide.departmentIds.length === 1 && guide.departmentIds[0] === user.departmentId;
}

function requireEditable(user: AuthUser, id: string): Guide {
  const guide = getGuide(id);
  if (!canEditGuide(user, guide)) throw new AccessDeniedError(msg("onboarding.err.editWho"));
  return guide;
}

const checkbox = z.preprocess((v) => v === "on" || v === "1" || v === "true" || v === true, z.boolean());
const list = <T extends z.ZodTypeAny>(item: T) => z.preprocess((v) => (v === undefined || v === "" ? [] : Array.isArray(v) ? v : [v]), z.array(item));

export const GuideDetailsSchema = z.object({
  title: visibleName(120, { required: "title is required" }),
  description: z.string().trim().max(2000, "at most 2000 characters").optional(),
  roles: list(z.enum(ROLES as [Role, ...Role[]])),
  departmentIds: list(z.string().min(1)),
  dueDays: z.coerce.number({ invalid_type_error: "a number of days" }).int("whole days").min(1, "at least 1 day").max(365, "at most 365 days"),
  autoAssign: checkbox,
});

export const StepSchema = z.object({
  title: visibleName(120, { required: "title is required" }),
  note: z.string().trim().max(2000, "at most 2000 characters").optional(),
  numbers: z.string().max(2000).default(""),
});

/** Turns "EXE-001, exe 4、MON-002" into current, unretired document numbers; field errors name the bad ones. */
export function parseStepNumbers(text: string): string[] {
  const parts = text
    .split(/[\s,，、;；]+/)
    .map((p) => p.trim())
    .filter(Boolean);
  const out: string[] = [];
  const bad: string[] = [];
  // "EXE 4" arrives as two parts: join a category code with the number that follows it.
  for (let i = 0; i < parts.length; i++) {
    let candidate = parts[i];
    if (/^[A-Za-z]{2,8}$/.test(candidate) && /^\d{1,6}$/.test(parts[i + 1] ?? "")) candidate = `${candidate} ${parts[++i]}`;
    const number = parseNumber(candidate) ? candidate : normaliseNumberQuery(candidate);
    const current = number ? latestVersion(number) : undefined;
    if (!number || !current) bad.push(candidate);
    else if (current.meta.retired) bad.push(`${number} (retired)`);
    else if (!out.includes(number)) out.push(number);
  }
  if (bad.length) throw new ValidationError(msg("onboarding.err.notCurrent", { numbers: bad.join(", ") }), { numbers: "not current documents" });
  if (out.length > MAX_DOCS_PER_STEP) throw new ValidationError(msg("onboarding.err.tooManyDocs", { n: MAX_DOCS_PER_STEP }), { numbers: "too many" });
  return out;
}

function cleanDetails(user: AuthUser, input: z.infer<typeof GuideDetailsSchema>) {
  const unknown = input.departmentIds.filter((d) => !getDepartment(d));
  if (unknown.length) throw new ValidationError(msg("onboarding.err.unknownDepartments", { ids: unknown.join(", ") }), { departmentIds: "unknown department" });
  // Editors compose for their own department only.
  const departmentIds = isAdmin(user) ? [...new Set(input.departmentIds)].sort() : [user.departmentId];
  return {
    title: input.title,
    description: input.description || undefined,
    roles: [...new Set(input.roles)],
    departmentIds,
    dueDays: input.dueDays,
    autoAssign: input.autoAssign,
  };
}

/** Creates a guide (admins, or editors for their own department). */
export async function createGuide(user: AuthUser, input: z.infer<typeof GuideDetailsSchema>): Promise<Guide> {
  if (!canComposeGuides(user)) throw new AccessDeniedError(msg("onboarding.err.composeWho"));
  const now = nowIso();
  const guide: Guide = { id: randomUUID(), ...cleanDetails(user, input), steps: [], createdBy: user.username, createdAt: now, updatedAt: now };
  await updateDb((data) => {
    mutableCollection<Guide>(data, GUIDES).push(guide);
  });
  return guide;
}

async function mutateGuide(user: AuthUser, id: string, fn: (g: Guide) => void): Promise<Guide> {
  requireEditable(user, id);
  return updateDb((data) => {
    const guide = mutableCollection<Guide>(data, GUIDES).find((g) => g.id === id);
    if (!guide) throw new NotFoundError(msg("onboarding.err.noGuide"));
    fn(guide);
    guide.updatedAt = nowIso();
    return guide;
  });
}

/** Changes a guide's title, audience, due days and automatic assignment. */
export async function updateGuideDetails(user: AuthUser, id: string, input: z.infer<typeof GuideDetailsSchema>): Promise<Guide> {
  const details = cleanDetails(user, input);
  return mutateGuide(user, id, (g) => Object.assign(g, details, { description: details.description }));
}

/** Adds a step at the end. */
export async function addStep(user: AuthUser, id: string, input: z.infer<typeof StepSchema>): Promise<Guide> {
  const numbers = parseStepNumbers(input.numbers);
  return mutateGuide(user, id, (g) => {
    if (g.steps.length >= MAX_STEPS) throw new ValidationError(msg("onboarding.err.tooManySteps", { n: MAX_STEPS }), { title: "too many steps" });
    g.steps.push({ id: randomUUID(), title: input.title, note: input.note || undefined, numbers });
  });
}

/** Replaces a step's title, note and documents. */
export async function updateStep(user: AuthUser, id: string, stepId: string, input: z.infer<typeof StepSchema>): Promise<Guide> {
  const numbers = parseStepNumbers(input.numbers);
  return mutateGuide(user, id, (g) => {
    const step = g.steps.find((s) => s.id === stepId);
    if (!step) throw new NotFoundError(msg("onboarding.err.noStep"));
    Object.assign(step, { title: input.title, note: input.note || undefined, numbers });
  });
}

/** Moves a step one place up or down. */
export async function moveStep(user: AuthUser, id: string, stepId: string, direction: "up" | "down"): Promise<Guide> {
  return mutateGuide(user, id, (g) => {
    const i = g.steps.findIndex((s) => s.id === stepId);
    if (i < 0) throw new NotFoundError(msg("onboarding.err.noStep"));
    const j = direction === "up" ? i - 1 : i + 1;
    if (j < 0 || j >= g.steps.length) return;
    [g.steps[i], g.steps[j]] = [g.steps[j], g.steps[i]];
  });
}

export async function removeStep(user: AuthUser, id: string, stepId: string): Promise<Guide> {
  return mutateGuide(user, id, (g) => {
    const before = g.steps.length;
    g.steps = g.steps.filter((s) => s.id !== stepId);
    if (g.steps.length === before) throw new NotFoundError(msg("onboarding.err.noStep"));
  });
}

/** Archives a guide: it disappears from new hires' pages and is no longer assigned. */
export async function archiveGuide(user: AuthUser, id: string): Promise<Guide> {
  return mutateGuide(user, id, (g) => {
    g.archivedAt = nowIso();
  });
}

export async function restoreGuide(user: AuthUser, id: string): Promise<Guide> {
  return mutateGuide(user, id, (g) => {
    g.archivedAt = undefined;
  });
}

const SEED_MARKS = "seedMarks";

/** A guide as the demo installation describes it (content/demo.json, read by demo/seed.server.ts). */
export interface GuideSeed {
  title: string;
  description?: string;
  roles: string[];
  departmentIds: string[];
  dueDays: number;
  autoAssign: boolean;
  steps: { title: string; note?: string; numbers: string[] }[];
}

/**
 * Creates the demo guides of content/demo.json once per installation (DEMO=1):
 * never again after an administrator has deleted or archived them. Numbers that
 * are not current documents are left out.
 */
export async function seedDemoGuides(guides: GuideSeed[]): Promise<number> {
  if (!guides.length || collection<string>(SEED_MARKS).includes("demo-guides")) return 0;
  const now = nowIso();
  const made: Guide[] = guides.map((g) => ({
    id: randomUUID(),
    title: g.title,
    description: g.description,
    roles: g.roles as Role[],
    departmentIds: g.departmentIds.filter((d) => getDepartment(d)),
    dueDays: g.dueDays,
    autoAssign: g.autoAssign,
    steps: g.steps
      .map((step) => ({ id: randomUUID(), title: step.title, note: step.note, numbers: step.numbers.filter((n) => latestVersion(n) && !latestVersion(n)!.meta.retired) }))
      .filter((step) => step.numbers.length > 0),
    createdBy: "admin",
    createdAt: now,
    updatedAt: now,
  }));
  await updateDb((data) => {
    const marks = mutableCollection<string>(data, SEED_MARKS);
    if (marks.includes("demo-guides")) return;
    marks.push("demo-guides");
    if (collection<Guide>(GUIDES).length === 0) mutableCollection<Guide>(data, GUIDES).push(...made);
  });
  return made.length;
}
