/**
 * Directory sync, planning: compares a complete read of the directory with
 * the portal's departments and people and lists every change, before anything
 * is written (decision 087). The same mapping serves sign-in, which creates a
 * person the first time they sign in.
 */
import { createHash } from "node:crypto";
import { ldapSettings, type LdapSettings } from "~/access/ldap-settings.server";
import { normalizeDn, type DirectoryDepartment, type DirectoryGroup, type DirectoryPerson, type DirectorySnapshot } from "~/access/ldap.server";
import type { Data, Department, Role, User } from "~/data/schema";
import { nowIso } from "~/utils/clock.server";

export type Change =
  | { kind: "department.create"; departmentId: string; nameZh: string; nameEn: string; dn: string }
  | { kind: "department.rename"; departmentId: string; from: { zh: string; en: string }; nameZh: string; nameEn: string }
  | { kind: "department.head"; departmentId: string; fromUserId?: string; fromUsername?: string; toUsername?: string; toSubject?: string }
  | { kind: "user.create"; username: string; name: string; email: string; departmentId: string; roles: Role[]; subject: string; dn: string }
  | { kind: "user.update"; userId: string; username: string; fields: Partial<Record<"username" | "name" | "email" | "roles" | "subject", { from: string; to: string }>> }
  | { kind: "user.move"; userId: string; username: string; from: string; to: string; grantIds: string[] }
  | { kind: "user.reactivate"; userId: string; username: string }
  | { kind: "user.deprovision"; userId: string; username: string; sessions: number; tokens: number; grantIds: string[] }
  | { kind: "skip"; username: string; dn: string; reason: string };

export interface Plan {
  changes: Change[];
  /** Active directory accounts before the sync, and how many it would disable. */
  activeDirectoryUsers: number;
  disabling: number;
  /** Share of active directory accounts the sync would disable, in percent. */
  disablePercent: number;
  /** The configured limit; above it the sync stops and asks. */
  limitPercent: number;
  needsConfirmation: boolean;
  /** A fingerprint of the changes: applying checks that the directory still gives the same plan. */
  fingerprint: string;
  readAt: string;
}

const DEPT_ID = /^[a-z][a-z0-9-]{1,23}$/;

/** The portal department a directory person belongs to (by id, DN or name), or undefined. */
export function resolveDepartment(
  person: Pick<DirectoryPerson, "department">,
  departments: DirectoryDepartment[],
  local: readonly Pick<Department, "id" | "name">[],
  s: LdapSettings,
): string | undefined {
  const value = person.department?.trim();
  if (value) {
    const lower = value.toLowerCase();
    const dn = value.includes("=") ? normalizeDn(value) : "";
    const d = departments.find(
      (x) => !x.problem && (x.rawId.toLowerCase() === lower || x.id === lower || (dn && normalizeDn(x.dn) === dn) || x.nameZh === value || x.nameEn.toLowerCase() === lower),
    );
    if (d) return d.id;
    const l = local.find((x) => x.id === lower || x.name["zh-CN"] === value || x.name.en.toLowerCase() === lower);
    if (l) return l.id;
  }
  const fallback = s.LDAP_DEFAULT_DEPARTMENT?.toLowerCase();
  if (fallback && (local.some((x) => x.id === fallback) || departments.some((x) => x.id === fallback))) return fallback;
  return undefined;
}

function groupMatches(group: DirectoryGroup, name: string): boolean {
  return name.includes("=") ? normalizeDn(group.dn) === normalizeDn(name) : group.cn.toLowerCase() === name.toLowerCase();
}

/** Roles from group membership: staff always; admin, editor, approver as LDAP_ROLE_GROUPS maps them; approver for a head. */
export function rolesFor(personDn: string, groups: DirectoryGroup[], s: LdapSettings, isHead: boolean): Role[] {
  const dn = normalizeDn(personDn);
  const roles = new Set<Role>(["staff"]);
  for (const { role, group } of s.roleGroups) {
    if (groups.some((g) => groupMatches(g, group) && g.members.some((m) => normalizeDn(m) === dn))) roles.add(role);
  }
  if (isHead) roles.add("approver");
  const order: Role[] = ["staff", "editor", "approver", "admin"];
  return order.filter((r) => roles.has(r));
}

/**
 * The head of each directory department (person DN, normalised): the department
 * entry's head attribute (`manager`), else a member of LDAP_HEAD_GROUP in that
 * department, else the person most of its members name as `manager`.
 */
export function headsOf(snapshot: Pick<DirectorySnapshot, "departments" | "people" | "groups">, deptOf: Map<string, string>, s: LdapSettings): Map<string, string> {
  const heads = new Map<string, string>();
  const peopleByDn = new Map(snapshot.people.map((p) => [normalizeDn(p.dn), p]));
  for (const d of snapshot.departments) {
    if (d.problem || !d.headDn) continue;
    const dn = normalizeDn(d.headDn);
    if (peopleByDn.has(dn)) heads.set(d.id, dn);
  }
  if (s.LDAP_HEAD_GROUP) {
    const group = snapshot.groups.find((g) => groupMatches(g, s.LDAP_HEAD_GROUP!));
    for (const m of group?.members ?? []) {
      const dn = normalizeDn(m);
      const dept = deptOf.get(dn);
      if (dept && !heads.has(dept)) heads.set(dept, dn);
    }
  }
  const votes = new Map<string, Map<string, number>>();
  for (const p of snapshot.people) {
    if (!p.managerDn) continue;
    const dept = deptOf.get(normalizeDn(p.dn));
    const manager = normalizeDn(p.managerDn);
    if (!dept || heads.has(dept) || deptOf.get(manager) !== dept) continue;
    const tally = votes.get(dept) ?? new Map<string, number>();
    tally.set(manager, (tally.get(manager) ?? 0) + 1);
    votes.set(dept, tally);
  }
  for (const [dept, tally] of votes) {
    const best = [...tally].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0];
    if (best) heads.set(dept, best[0]);
  }
  return heads;
}

/** What the directory says one person should look like in the portal (sign-in and sync share this). */
export interface Wanted {
  person: DirectoryPerson;
  departmentId: string;
  roles: Role[];
}

export function isDirectoryUser(u: Pick<User, "identity">): boolean {
  return u.identity?.source === "ldap";
}

/** Works out every change the snapshot asks for; writes nothing. */
export function planSync(snapshot: DirectorySnapshot, data: Readonly<Data>, s: LdapSettings | null = ldapSettings()): Plan {
  if (!s) throw new Error("LDAP is not configured");
  const changes: Change[] = [];
  const localDepartments = data.departments;
  const skip = (p: Pick<DirectoryPerson, "username" | "dn">, reason: string) => changes.push({ kind: "skip", username: p.username, dn: p.dn, reason });

  // Departments: create new ones, rename changed ones; departments gone from the directory stay (documents may name them).
  const seenDeptIds = new Set<string>();
  for (const d of snapshot.departments) {
    if (d.problem) {
      skip({ username: d.rawId.slice(0, 64), dn: d.dn }, d.problem);
      continue;
    }
    if (seenDeptIds.has(d.id) || !DEPT_ID.test(d.id)) {
      skip({ username: d.rawId.slice(0, 64), dn: d.dn }, "duplicate-department");
      continue;
    }
    seenDeptIds.add(d.id);
    const existing = localDepartments.find((x) => x.id === d.id);
    if (!existing) changes.push({ kind: "department.create", departmentId: d.id, nameZh: d.nameZh, nameEn: d.nameEn, dn: d.dn });
    else if (existing.name["zh-CN"] !== d.nameZh || existing.name.en !== d.nameEn) {
      changes.push({ kind: "department.rename", departmentId: d.id, from: { zh: existing.name["zh-CN"], en: existing.name.en }, nameZh: d.nameZh, nameEn: d.nameEn });
    }
  }

  // People: one entry per username; duplicates and invalid entries are skipped (and then never disabled).
  const byName = new Map<string, DirectoryPerson[]>();
  for (const p of snapshot.people) {
    const key = p.username.toLowerCase();
    byName.set(key, [...(byName.get(key) ?? []), p]);
  }
  const deptOf = new Map<string, string>();
  const usable: DirectoryPerson[] = [];
  const stillThere = new Set<string>(); // subjects and usernames present in the directory, usable or not
  for (const [, list] of byName) {
    for (const p of list) {
      stillThere.add(`s:${p.subject}`);
      stillThere.add(`u:${p.username.toLowerCase()}`);
    }
    if (list.length > 1) {
      for (const p of list) skip(p, "duplicate-username");
      continue;
    }
    const p = list[0];
    if (p.problem) {
      skip(p, p.problem);
      continue;
    }
    const dept = resolveDepartment(p, snapshot.departments.filter((d) => seenDeptIds.has(d.id)), localDepartments, s);
    if (!dept) {
      skip(p, "no-department");
      continue;
    }
    deptOf.set(normalizeDn(p.dn), dept);
    usable.push(p);
  }
  const heads = headsOf(snapshot, deptOf, s);
  const headDns = new Set(heads.values());

  const ldapUsers = data.users.filter(isDirectoryUser);
  const claimed = new Set<string>();
  const wantedBySubject = new Map<string, { user?: User; wanted: Wanted }>();
  for (const p of usable) {
    const wanted: Wanted = { person: p, departmentId: deptOf.get(normalizeDn(p.dn))!, roles: rolesFor(p.dn, snapshot.groups, s, headDns.has(normalizeDn(p.dn))) };
    const lower = p.username.toLowerCase();
    let user = ldapUsers.find((u) => u.identity!.subject === p.subject) ?? ldapUsers.find((u) => u.username.toLowerCase() === lower && !claimed.has(u.id));
    const other = data.users.find((u) => u.username.toLowerCase() === lower && u.id !== user?.id);
    if (other) {
      // A local (or other-source) account holds the name: the directory never takes it over.
      skip(p, isDirectoryUser(other) ? "username-taken" : other.identity ? `username-taken-${other.identity.source}` : "username-taken-local");
      if (user) claimed.add(user.id);
      continue;
    }
    if (user) claimed.add(user.id);
    wantedBySubject.set(p.subject, { user, wanted });
    if (!user) {
      changes.push({ kind: "user.create", username: p.username, name: p.name, email: p.email, departmentId: wanted.departmentId, roles: wanted.roles, subject: p.subject, dn: p.dn });
      continue;
    }
    if (!user.active) changes.push({ kind: "user.reactivate", userId: user.id, username: user.username });
    const fields: Extract<Change, { kind: "user.update" }>["fields"] = {};
    if (user.username !== p.username) fields.username = { from: user.username, to: p.username };
    if (user.name !== p.name) fields.name = { from: user.name, to: p.name };
    if (user.email !== p.email) fields.email = { from: user.email, to: p.email };
    const rolesNow = [...user.roles].sort().join(",");
    const rolesWanted = [...wanted.roles].sort().join(",");
    if (rolesNow !== rolesWanted) fields.roles = { from: rolesNow, to: rolesWanted };
    if (user.identity!.subject !== p.subject) fields.subject = { from: user.identity!.subject, to: p.subject };
    if (Object.keys(fields).length) changes.push({ kind: "user.update", userId: user.id, username: user.username, fields });
    if (user.departmentId !== wanted.departmentId) {
      changes.push({ kind: "user.move", userId: user.id, username: user.username, from: user.departmentId, to: wanted.departmentId, grantIds: activeGrantIds(data, user.id) });
    }
  }

  // Leavers: active directory accounts that are no longer in the directory at all.
  let disabling = 0;
  const leavers = new Set<string>();
  for (const u of ldapUsers) {
    if (!u.active || claimed.has(u.id)) continue;
    if (stillThere.has(`s:${u.identity!.subject}`) || stillThere.has(`u:${u.username.toLowerCase()}`)) continue;
    disabling++;
    leavers.add(u.id);
    changes.push({
      kind: "user.deprovision",
      userId: u.id,
      username: u.username,
      sessions: data.sessions.filter((x) => x.userId === u.id).length,
      tokens: data.apiTokens.filter((x) => x.userId === u.id).length,
      grantIds: activeGrantIds(data, u.id),
    });
  }

  // Heads: the directory's head of each department it knows; a head who leaves leaves the department without one.
  const userForDn = (dn: string): { username: string; subject: string } | undefined => {
    const p = usable.find((x) => normalizeDn(x.dn) === dn);
    return p && wantedBySubject.has(p.subject) ? { username: p.username, subject: p.subject } : undefined;
  };
  for (const d of localDepartments.concat(changes.flatMap((c) => (c.kind === "department.create" ? [{ id: c.departmentId, name: { "zh-CN": c.nameZh, en: c.nameEn }, createdAt: "" }] : [])))) {
    const headDn = heads.get(d.id);
    const target = headDn ? userForDn(headDn) : undefined;
    const current = d.headUserId ? data.users.find((u) => u.id === d.headUserId) : undefined;
    const directoryKnows = seenDeptIds.has(d.id);
    if (target) {
      if (current?.identity?.subject === target.subject) continue;
      changes.push({ kind: "department.head", departmentId: d.id, fromUserId: current?.id, fromUsername: current?.username, toUsername: target.username, toSubject: target.subject });
    } else if (current && (leavers.has(current.id) || (directoryKnows && isDirectoryUser(current)))) {
      changes.push({ kind: "department.head", departmentId: d.id, fromUserId: current.id, fromUsername: current.username });
    }
  }

  const active = ldapUsers.filter((u) => u.active).length;
  const disablePercent = active ? Math.round((disabling / active) * 1000) / 10 : 0;
  const limitPercent = s.LDAP_SYNC_MAX_DISABLE_PERCENT;
  return {
    changes,
    activeDirectoryUsers: active,
    disabling,
    disablePercent,
    limitPercent,
    needsConfirmation: disabling > 0 && disablePercent > limitPercent,
    fingerprint: createHash("sha256").update(JSON.stringify(changes)).digest("hex").slice(0, 16),
    readAt: snapshot.readAt,
  };
}

function activeGrantIds(data: Readonly<Data>, userId: string): string[] {
  const iso = nowIso();
  const grants = ((data as unknown as Record<string, unknown>).grants ?? []) as { id: string; userId: string; revokedAt?: string; expiresAt: string }[];
  return grants.filter((g) => g.userId === userId && !g.revokedAt && g.expiresAt > iso).map((g) => g.id);
}
