/**
 * Signing in with directory credentials: the directory checks the password;
 * the first sign-in creates the account (department and roles from the
 * directory), later ones bring name, e-mail and roles up to date. Moves between
 * departments and leavers are the sync's (they carry consequences, decision 087).
 */
import { randomUUID } from "node:crypto";
import { directoryLogin, DirectoryUnavailableError, normalizeDn } from "~/access/ldap.server";
import { ldapSettings } from "~/access/ldap-settings.server";
import { appendAudit, appendAudits, type AuditInput } from "~/audit/audit.server";
import { readDb, updateDb } from "~/data/db.server";
import type { User } from "~/data/schema";
import { nowIso } from "~/utils/clock.server";
import { DomainError, msg } from "~/utils/errors.server";
import { headsOf, resolveDepartment, rolesFor } from "./plan.server";

/** The directory's answer for a name and password (see access/external-sign-in.server.ts). */
export async function signInWithDirectory(username: string, password: string, local: User | undefined): Promise<User | null | undefined> {
  const s = ldapSettings();
  if (!s) return undefined;
  // A local account (or one from another source) keeps its own sign-in; the directory never takes the name over.
  if (local && local.identity?.source !== "ldap") return undefined;
  const actor = username.slice(0, 64) || "anonymous";
  let login;
  try {
    login = await directoryLogin(username, password);
  } catch (error) {
    if (error instanceof DirectoryUnavailableError) {
      await appendAudit({ actor, action: "auth.login", outcome: "failed", details: { source: "ldap", reason: "directory-unavailable", problem: error.problem } });
    }
    throw error;
  }
  if (!login) return null;
  const p = login.person;
  const refuse = async (reason: string, key: string, vars?: Record<string, string>) => {
    await appendAudit({ actor, action: "auth.login", outcome: "denied", details: { source: "ldap", reason, dn: p.dn } });
    throw new DomainError("forbidden", msg(key, vars));
  };
  if (p.problem) return refuse(`entry-invalid:${p.problem}`, "ldap.err.entryInvalid", { problem: p.problem });
  const data = readDb();
  const existing =
    data.users.find((u) => u.identity?.source === "ldap" && u.identity.subject === p.subject) ?? (local?.identity?.source === "ldap" ? local : undefined);
  const clash = data.users.find((u) => u.username.toLowerCase() === p.username.toLowerCase() && u.id !== existing?.id);
  if (clash) return refuse("username-taken", "ldap.err.usernameTaken", { username: p.username });
  if (existing && !existing.active) {
    await appendAudit({ actor, action: "auth.login", outcome: "denied", details: { source: "ldap", reason: "account-disabled" } });
    return null;
  }
  const departmentId = resolveDepartment(p, login.departments, data.departments, s);
  if (!departmentId) return refuse("no-department", "ldap.err.noDepartment", { department: p.department ?? "" });
  const deptOf = new Map([[normalizeDn(p.dn), departmentId]]);
  const isHead = headsOf({ departments: login.departments, people: [p], groups: login.groups }, deptOf, s).get(departmentId) === normalizeDn(p.dn);
  const roles = rolesFor(p.dn, login.groups, s, isHead);
  const audits: AuditInput[] = [];
  const at = nowIso();
  const user = await updateDb((d) => {
    if (!d.departments.some((x) => x.id === departmentId)) {
      const dd = login.departments.find((x) => x.id === departmentId)!;
      d.departments.push({ id: dd.id, name: { "zh-CN": dd.nameZh, en: dd.nameEn }, createdAt: at });
      audits.push({ actor, action: "directory.department.create", object: `department:${dd.id}`, details: { via: "sign-in", dn: dd.dn } });
    }
    const u = existing ? d.users.find((x) => x.id === existing.id) : undefined;
    if (!u) {
      const created: User = {
        id: randomUUID(),
        username: p.username,
        name: p.name,
        email: p.email,
        departmentId,
        roles,
        passwordHash: "!directory",
        active: true,
        createdAt: at,
        startDate: at.slice(0, 10),
        identity: { source: "ldap", provider: "ldap", subject: p.subject },
      };
      d.users.push(created);
      audits.push({ actor, action: "directory.user.create", object: `user:${p.username}`, details: { via: "sign-in", department: departmentId, roles, dn: p.dn } });
      return created;
    }
    const fields: Record<string, { from: string; to: string }> = {};
    if (u.name !== p.name) fields.name = { from: u.name, to: p.name };
    if (u.email !== p.email) fields.email = { from: u.email, to: p.email };
    if ([...u.roles].sort().join(",") !== [...roles].sort().join(",")) fields.roles = { from: u.roles.join(","), to: roles.join(",") };
    if (u.username !== p.username) fields.username = { from: u.username, to: p.username };
    if (Object.keys(fields).length) {
      u.name = p.name;
      u.email = p.email;
      u.roles = roles;
      u.username = p.username;
      audits.push({ actor, action: "directory.user.update", object: `user:${p.username}`, details: { via: "sign-in", fields } });
    }
    return u;
  });
  if (audits.length) await appendAudits(audits);
  return user;
}
