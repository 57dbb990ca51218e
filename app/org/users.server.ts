/** Users and departments: the people side of the portal. */
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { visibleName } from "~/utils/visible-text";
import { derived, readDb, updateDb } from "~/data/db.server";
import type { Department, Role, User } from "~/data/schema";
import { ROLES } from "~/data/schema";
import { today } from "~/utils/clock.server";
import { ConflictError, msg, NotFoundError, ValidationError } from "~/utils/errors.server";
import { hashPassword } from "./password.server";

export type PublicUser = Omit<User, "passwordHash">;

export function toPublic(user: User): PublicUser {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { passwordHash, ...rest } = user;
  return rest;
}

export function hasRole(user: Pick<User, "roles"> | null | undefined, role: Role): boolean {
  if (!user) return false;
  return user.roles.includes("admin") || user.roles.includes(role);
}

export function isAdmin(user: Pick<User, "roles"> | null | undefined): boolean {
  return !!user && user.roles.includes("admin");
}

/**
 * Users by id and username, departments by id, and each department's approvers,
 * computed once per change of the data instead of scanning every user per page
 * (a page checks approvers for its access notices; 5,000 users in the benchmark).
 */
const peopleIndex = derived((data) => {
  const byId = new Map<string, User>();
  const byUsername = new Map<string, User>();
  for (const u of data.users) {
    if (!byId.has(u.id)) byId.set(u.id, u);
    const lower = u.username.toLowerCase();
    if (!byUsername.has(lower)) byUsername.set(lower, u);
  }
  const departments = new Map<string, Department>();
  for (const d of data.departments) if (!departments.has(d.id)) departments.set(d.id, d);
  const approversByDepartment = new Map<string, User[]>();
  for (const u of data.users) {
    if (!u.active || !u.roles.includes("approver")) continue;
    const list = approversByDepartment.get(u.departmentId);
    if (list) list.push(u);
    else approversByDepartment.set(u.departmentId, [u]);
  }
  return { byId, byUsername, departments, approversByDepartment };
});

export function getUserById(id: string): User | undefined {
  return peopleIndex().byId.get(id);
}

export function getUserByUsername(username: string): User | undefined {
  return peopleIndex().byUsername.get(username.trim().toLowerCase());
}

export function getUserByEmail(email: string): User | undefined {
  const lower = email.trim().toLowerCase();
  return readDb().users.find((u) => u.email.toLowerCase() === lower);
}

export function listUsers(): User[] {
  return [...readDb().users].sort((a, b) => a.username.localeCompare(b.username));
}

export function listDepartments(): Department[] {
  return [...readDb().departments].sort((a, b) => a.id.localeCompare(b.id));
}

export function getDepartment(id: string): Department | undefined {
  return peopleIndex().departments.get(id);
}

/** Members of a department. */
export function departmentMembers(departmentId: string): User[] {
  return readDb().users.filter((u) => u.departmentId === departmentId && u.active);
}

/** Approvers of a department (its head first, then others with the approver role). */
export function departmentApprovers(departmentId: string): User[] {
  const dept = getDepartment(departmentId);
  const approvers = [...(peopleIndex().approversByDepartment.get(departmentId) ?? [])];
  const head = dept?.headUserId ? getUserById(dept.headUserId) : undefined;
  if (head && head.active && !approvers.some((a) => a.id === head.id)) approvers.unshift(head);
  return approvers.sort((a, b) => (a.id === dept?.headUserId ? -1 : b.id === dept?.headUserId ? 1 : 0));
}

export const UsernameSchema = z
  .string()
  .trim()
  .min(2, "at least 2 characters")
  .max(32, "at most 32 characters")
  .regex(/^[a-z0-9][a-z0-9._-]*$/i, "letters, digits, dot, dash and underscore only");

export const PasswordSchema = z.string().min(8, "at least 8 characters").max(200, "at most 200 characters");

export const NewUserSchema = z.object({
  username: UsernameSchema,
  name: visibleName(80),
  email: z.string().trim().email("not an email address").max(200),
  departmentId: z.string().min(1, "choose a department"),
  roles: z.array(z.enum(ROLES as [Role, ...Role[]])).min(1, "choose at least one role"),
  password: PasswordSchema,
  locale: z.enum(["zh-CN", "en"]).optional(),
  startDate: z.string().optional(),
});

export type NewUser = z.infer<typeof NewUserSchema>;

function fieldErrors(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) out[issue.path.join(".") || "form"] ??= issue.message;
  return out;
}

/** Creates a user (admin action or seeding). */
export async function createUser(input: NewUser): Promise<User> {
  const parsed = NewUserSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError(msg("form.invalid"), fieldErrors(parsed.error));
  const value = parsed.data;
  if (!getDepartment(value.departmentId)) throw new ValidationError(msg("admin.err.unknownDepartment"), { departmentId: "unknown department" });
  const passwordHash = await hashPassword(value.password);
  return updateDb((data) => {
    if (data.users.some((u) => u.username.toLowerCase() === value.username.toLowerCase())) {
      throw new ConflictError(msg("admin.err.usernameTaken", { username: value.username }), { fieldErrors: { username: "taken" } });
    }
    const user: User = {
      id: randomUUID(),
      username: value.username,
      name: value.name,
      email: value.email,
      departmentId: value.departmentId,
      roles: [...new Set(value.roles)],
      passwordHash,
      locale: value.locale,
      active: true,
      createdAt: new Date().toISOString(),
      startDate: value.startDate ?? today(),
    };
    data.users.push(user);
    return user;
  });
}

export const UpdateUserSchema = z.object({
  name: visibleName(80),
  email: z.string().trim().email("not an email address").max(200),
  departmentId: z.string().min(1),
  roles: z.array(z.enum(ROLES as [Role, ...Role[]])).min(1, "choose at least one role"),
  active: z.boolean(),
});

/** Updates a user's profile, roles or active flag. Deactivation also ends their sessions. */
export async function updateUser(id: string, input: z.infer<typeof UpdateUserSchema>, actorId?: string): Promise<User> {
  const parsed = UpdateUserSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError(msg("form.invalid"), fieldErrors(parsed.error));
  if (!getDepartment(parsed.data.departmentId)) throw new ValidationError(msg("admin.err.unknownDepartment"), { departmentId: "unknown department" });
  return updateDb((data) => {
    const user = data.users.find((u) => u.id === id);
    if (!user) throw new NotFoundError(msg("admin.err.noUser"));
    if (actorId === id && (!parsed.data.active || !parsed.data.roles.includes("admin")) && user.roles.includes("admin")) {
      throw new ValidationError(msg("admin.err.keepAdmin"), { roles: "keep admin" });
    }
    Object.assign(user, parsed.data);
    if (!user.active) data.sessions = data.sessions.filter((s) => s.userId !== id);
    return user;
  });
}

/** Sets a new password and ends the user's other sessions. */
export async function setPassword(id: string, password: string, keepSessionId?: string): Promise<void> {
  const parsed = PasswordSchema.safeParse(password);
  if (!parsed.success) throw new ValidationError(msg("form.invalid"), { password: parsed.error.issues[0].message });
  const passwordHash = await hashPassword(password);
  await updateDb((data) => {
    const user = data.users.find((u) => u.id === id);
    if (!user) throw new NotFoundError(msg("admin.err.noUser"));
    user.passwordHash = passwordHash;
    data.sessions = data.sessions.filter((s) => s.userId !== id || s.id === keepSessionId);
  });
}

export async function setLocale(id: string, locale: "zh-CN" | "en"): Promise<void> {
  await updateDb((data) => {
    const user = data.users.find((u) => u.id === id);
    if (user) user.locale = locale;
  });
}

export const DepartmentSchema = z.object({
  id: z.string().trim().regex(/^[a-z][a-z0-9-]{1,23}$/, "2-24 lower-case letters, digits or dashes"),
  nameZh: visibleName(60),
  nameEn: visibleName(60),
  headUserId: z.string().optional(),
});

/** Creates or renames a department. */
export async function saveDepartment(input: z.infer<typeof DepartmentSchema>, isNew: boolean): Promise<Department> {
  const parsed = DepartmentSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError(msg("form.invalid"), fieldErrors(parsed.error));
  const v = parsed.data;
  if (v.headUserId && !getUserById(v.headUserId)) throw new ValidationError(msg("admin.err.unknownUser"), { headUserId: "unknown user" });
  return updateDb((data) => {
    const existing = data.departments.find((d) => d.id === v.id);
    if (isNew && existing) throw new ConflictError(msg("admin.err.departmentExists", { id: v.id }), { fieldErrors: { id: "taken" } });
    if (!isNew && !existing) throw new NotFoundError(msg("admin.err.noDepartment"));
    const dept: Department = existing ?? { id: v.id, name: { "zh-CN": v.nameZh, en: v.nameEn }, createdAt: new Date().toISOString() };
    dept.name = { "zh-CN": v.nameZh, en: v.nameEn };
    dept.headUserId = v.headUserId || undefined;
    if (!existing) data.departments.push(dept);
    return dept;
  });
}

/** Deletes a department that has no members. */
export async function deleteDepartment(id: string): Promise<void> {
  await updateDb((data) => {
    if (data.users.some((u) => u.departmentId === id)) {
      throw new ConflictError(msg("admin.err.departmentHasMembers"));
    }
    const before = data.departments.length;
    data.departments = data.departments.filter((d) => d.id !== id);
    if (data.departments.length === before) throw new NotFoundError(msg("admin.err.noDepartment"));
  });
}
