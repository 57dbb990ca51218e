/**
 * People who sign in through an OpenID Connect provider: the verified claims
 * become a portal account on first sign-in (just in time) and keep its name,
 * email, department and roles up to date on later ones. An account is found
 * by (provider, subject) only, never by email or name: a claim that would
 * take over someone else's account is refused and recorded (decision 085).
 */
import { createHash, randomUUID } from "node:crypto";
import { readDb, updateDb } from "~/data/db.server";
import type { Data, Department, Role, User } from "~/data/schema";
import { appendAudits, type AuditInput } from "~/audit/audit.server";
import { today } from "~/utils/clock.server";
import { stripInvisible } from "~/utils/visible-text";
import type { OidcProvider } from "./oidc-config.server";
import { OidcError } from "./oidc.server";

/** Limits of what is taken from claims: identifiers over them refuse the sign-in, texts are cut. */
export const CLAIM_LIMITS = { subject: 255, username: 32, email: 200, name: 80, department: 60, groups: 200, group: 200 } as const;

const USERNAME = /^[a-z0-9][a-z0-9._-]{1,31}$/;

export interface MappedClaims {
  subject: string;
  /** The username asked for (before any clash is resolved). */
  username: string;
  name: string;
  email: string;
  /** The department claim as given (trimmed), if any. */
  department?: string;
  roles: Role[];
}

function claimText(claims: Record<string, unknown>, name: string): string | undefined {
  const value = claims[name];
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  if (Array.isArray(value) && typeof value[0] === "string") return value[0];
  return undefined;
}

function shortHash(text: string, length = 8): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/** A usable portal username from a claim, else from the email's local part, else one derived from the subject. */
function usernameFrom(claim: string | undefined, email: string, provider: string, subject: string): string {
  for (const candidate of [claim, email.split("@")[0]]) {
    const value = candidate?.normalize("NFKC").trim().toLowerCase();
    if (value && USERNAME.test(value)) return value;
  }
  return `u-${shortHash(`${provider}|${subject}`)}`;
}

/** Reads the claims a provider's settings name, bounded; throws OidcError("claims") naming a claim that cannot be used. */
export function mapClaims(p: OidcProvider, claims: Record<string, unknown>): MappedClaims {
  const subject = typeof claims.sub === "string" ? claims.sub : "";
  if (!subject) throw new OidcError("claims", "the ID token has no subject");
  if (subject.length > CLAIM_LIMITS.subject) throw new OidcError("claims", `subject of ${subject.length} characters`);
  const emailRaw = (claimText(claims, p.claims.email) ?? "").normalize("NFKC").trim();
  if (emailRaw.length > CLAIM_LIMITS.email) throw new OidcError("claims", `email claim of ${emailRaw.length} characters`);
  const email = emailRaw && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(emailRaw) ? emailRaw : "";
  // Every portal account has an email (notifications, and the admin's user form requires one).
  if (!email) throw new OidcError("claims", emailRaw ? `email claim "${emailRaw.slice(0, 80)}" is not an email address` : `no "${p.claims.email}" claim`);
  if (p.allowedDomains.length) {
    const domain = email.split("@")[1]?.toLowerCase() ?? "";
    if (!email || !p.allowedDomains.includes(domain)) throw new OidcError("domain", `email "${emailRaw.slice(0, 80)}" is not in ${p.allowedDomains.join(", ")}`);
    if (claims.email_verified === false) throw new OidcError("domain", `email ${email} is not verified by the provider`);
  }
  const usernameClaim = claimText(claims, p.claims.username);
  const username = usernameFrom(usernameClaim && usernameClaim.length <= 200 ? usernameClaim : undefined, email, p.id, subject);
  const nameRaw = stripInvisible((claimText(claims, p.claims.name) ?? "").normalize("NFC"));
  const name = [...(nameRaw || username)].slice(0, CLAIM_LIMITS.name).join("");
  const departmentRaw = claimText(claims, p.claims.department);
  const department = departmentRaw ? stripInvisible(departmentRaw.normalize("NFC")) : undefined;
  if (department && [...department].length > CLAIM_LIMITS.department) {
    throw new OidcError("claims", `department claim of ${[...department].length} characters`);
  }
  const groupsRaw = claims[p.claims.groups];
  const groups = (Array.isArray(groupsRaw) ? groupsRaw : typeof groupsRaw === "string" ? [groupsRaw] : [])
    .slice(0, CLAIM_LIMITS.groups)
    .filter((g): g is string => typeof g === "string" && g.length <= CLAIM_LIMITS.group);
  const roles = new Set<Role>(p.defaultRoles);
  for (const g of groups) for (const r of p.roles[g] ?? []) roles.add(r);
  return { subject, username, name, email, department: department || undefined, roles: [...roles] };
}

/** The department a claim names: by id, by name in either language, or through the provider's table. */
function findDepartment(data: Readonly<Data>, p: OidcProvider, value: string): Department | undefined {
  const mapped = p.departments[value];
  if (mapped) return data.departments.find((d) => d.id === mapped);
  const lower = value.toLowerCase();
  return data.departments.find((d) => d.id === lower || d.name["zh-CN"] === value || d.name.en.toLowerCase() === lower);
}

/** An id for a department first seen in a claim: the value itself when it is a valid id, else one derived from it. */
function departmentIdFor(data: Readonly<Data>, value: string): string {
  const slug = value.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  let id = /^[a-z][a-z0-9-]{1,23}$/.test(slug) ? slug : `d-${shortHash(value, 8)}`;
  for (let i = 2; data.departments.some((d) => d.id === id); i++) id = `${id.slice(0, 20)}-${i}`;
  return id;
}

export function findByIdentity(data: Readonly<Data>, providerId: string, subject: string): User | undefined {
  return data.users.find((u) => u.identity?.source === "oidc" && u.identity.provider === providerId && u.identity.subject === subject);
}

const sameRoles = (a: Role[], b: Role[]) => a.length === b.length && a.every((r) => b.includes(r));

/**
 * The portal account for a verified sign-in: found by (provider, subject) and
 * updated from the claims, or created. Refusals (disabled account, an email or
 * subject that belongs to someone else) throw OidcError. Everything it changes
 * (account, a department first named by a claim) is written at once, and audited.
 */
export async function accountForClaims(p: OidcProvider, claims: Record<string, unknown>): Promise<{ user: User; created: boolean }> {
  const mapped = mapClaims(p, claims);
  const audits: AuditInput[] = [];
  const result = await updateDb((data) => {
    const method = `oidc:${p.id}`;
    let departmentId: string | undefined;
    let newDepartment: Department | undefined;
    if (mapped.department) {
      const found = findDepartment(data, p, mapped.department);
      if (found) departmentId = found.id;
      else {
        newDepartment = { id: departmentIdFor(data, mapped.department), name: { "zh-CN": mapped.department, en: mapped.department }, createdAt: new Date().toISOString() };
        departmentId = newDepartment.id;
      }
    }
    const existing = findByIdentity(data, p.id, mapped.subject);
    if (existing) {
      if (!existing.active) throw new OidcError("disabled", `account ${existing.username} is disabled`);
      const before = { name: existing.name, email: existing.email, departmentId: existing.departmentId, roles: [...existing.roles] };
      const after = { name: mapped.name, email: mapped.email || existing.email, departmentId: departmentId ?? existing.departmentId, roles: mapped.roles };
      if (after.email.toLowerCase() !== before.email.toLowerCase() && after.email && data.users.some((u) => u.id !== existing.id && u.email.toLowerCase() === after.email.toLowerCase())) {
        throw new OidcError("email-in-use", `the new email ${after.email} belongs to another account`);
      }
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      for (const key of ["name", "email", "departmentId"] as const) if (before[key] !== after[key]) changes[key] = { from: before[key], to: after[key] };
      if (!sameRoles(before.roles, after.roles)) changes.roles = { from: before.roles, to: after.roles };
      if (newDepartment) {
        data.departments.push(newDepartment);
        audits.push({ actor: "system", action: "department.create", object: `department:${newDepartment.id}`, details: { name: mapped.department, source: method, for: existing.username } });
      }
      if (Object.keys(changes).length) {
        Object.assign(existing, after);
        audits.push({ actor: "system", action: "user.update", object: `user:${existing.username}`, details: { source: method, changes } });
      }
      return { user: structuredClone(existing), created: false };
    }
    // A new subject. Its email must not already be someone's: never merged silently.
    const sameEmail = mapped.email ? data.users.find((u) => u.email.toLowerCase() === mapped.email.toLowerCase()) : undefined;
    if (sameEmail) {
      if (sameEmail.identity?.source === "oidc" && sameEmail.identity.provider === p.id) {
        throw new OidcError("subject-changed", `email ${mapped.email} belongs to ${sameEmail.username}, known to this provider as another subject`);
      }
      throw new OidcError("email-in-use", `email ${mapped.email} belongs to ${sameEmail.identity ? `${sameEmail.identity.source} account` : "local account"} ${sameEmail.username}`);
    }
    if (!departmentId) {
      const fallback = p.defaultDepartment;
      if (!fallback || !data.departments.some((d) => d.id === fallback)) {
        throw new OidcError("no-department", fallback ? `defaultDepartment "${fallback}" does not exist` : `no "${p.claims.department}" claim and no defaultDepartment`);
      }
      departmentId = fallback;
    }
    // A username someone else holds (a local, directory or other provider's account) is never taken over:
    // the new account gets the name with the provider's id appended.
    let username = mapped.username;
    const taken = (name: string) => data.users.some((u) => u.username.toLowerCase() === name);
    let clash: string | undefined;
    if (taken(username)) {
      clash = data.users.find((u) => u.username.toLowerCase() === username)?.identity?.source ?? "local";
      username = `${username.slice(0, 31 - p.id.length)}-${p.id}`;
      if (taken(username)) username = `${username.slice(0, 22)}-${shortHash(`${p.id}|${mapped.subject}`)}`;
      if (taken(username)) throw new OidcError("username-taken", `usernames ${mapped.username} and ${username} are both taken`);
    }
    if (newDepartment) {
      data.departments.push(newDepartment);
      audits.push({ actor: "system", action: "department.create", object: `department:${newDepartment.id}`, details: { name: mapped.department, source: method, for: username } });
    }
    const user: User = {
      id: randomUUID(),
      username,
      name: mapped.name,
      email: mapped.email,
      departmentId,
      roles: mapped.roles,
      // No portal password: this account signs in (and signs approvals) at its provider only.
      passwordHash: "",
      active: true,
      createdAt: new Date().toISOString(),
      startDate: today(),
      identity: { source: "oidc", provider: p.id, subject: mapped.subject },
    };
    data.users.push(user);
    audits.push({
      actor: "system",
      action: "user.create",
      object: `user:${username}`,
      details: {
        source: method,
        subject: mapped.subject,
        departmentId,
        roles: mapped.roles,
        ...(clash ? { requestedUsername: mapped.username, usernameTakenBy: clash } : {}),
      },
    });
    return { user: structuredClone(user), created: true };
  });
  await appendAudits(audits);
  return result;
}

/** The account a (provider, subject) pair belongs to, if any. */
export function userByIdentity(providerId: string, subject: string): User | undefined {
  return findByIdentity(readDb(), providerId, subject);
}
