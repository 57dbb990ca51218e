/**
 * The company directory over LDAP (ldapts): checking a person's password by
 * binding (as the user through a DN template, or search-then-bind with a
 * service account), and reading departments, people and groups for sync.
 * Every value a person typed reaches a filter through ldapts' RFC 4515
 * escaping and a DN through RFC 4514 escaping; an empty password never binds
 * (an LDAP bind with an empty password is an anonymous bind that succeeds).
 */
import { Client, DN, Filter, InvalidCredentialsError, ResultCodeError, type Entry } from "ldapts";
import { DomainError, msg } from "~/utils/errors.server";
import { stripInvisible } from "~/utils/visible-text";
import { ldapSettings, type LdapSettings } from "./ldap-settings.server";

/** The directory cannot be reached or answered with an error: nothing read from it counts. */
export class DirectoryUnavailableError extends DomainError {
  constructor(public problem: string) {
    super("unavailable", msg("ldap.err.unavailable", { problem }));
  }
}

/** Longest value taken from any mapped attribute; longer ones make the entry invalid (not truncated). */
export const MAX_ATTRIBUTE_CHARS = 1024;
export const MAX_NAME_CHARS = 80;
export const MAX_EMAIL_CHARS = 200;
export const MAX_USERNAME_CHARS = 64;

export interface DirectoryPerson {
  dn: string;
  /** entryUUID (or the configured id attribute), else the DN. */
  subject: string;
  username: string;
  name: string;
  email: string;
  /** The department value as the directory holds it (id, DN or name). */
  department?: string;
  managerDn?: string;
  /** Why the entry cannot be used, e.g. "too-long:cn" or "missing:uid". */
  problem?: string;
}

export interface DirectoryDepartment {
  dn: string;
  id: string;
  /** The id attribute as the directory holds it. */
  rawId: string;
  nameZh: string;
  nameEn: string;
  headDn?: string;
  problem?: string;
}

export interface DirectoryGroup {
  dn: string;
  cn: string;
  members: string[];
}

export interface DirectorySnapshot {
  departments: DirectoryDepartment[];
  people: DirectoryPerson[];
  groups: DirectoryGroup[];
  readAt: string;
}

/** Escapes a value for a DN (RFC 4514): `uid=${escapeDnValue(name)},ou=people,…`. */
export function escapeDnValue(value: string): string {
  return new DN({ v: value }).toString().slice(2);
}

/** Escapes a value for a search filter (RFC 4515). */
export function escapeFilterValue(value: string): string {
  return Filter.escape(value);
}

/** The filter that finds one person by username: `(&<user filter>(<username attr>=<escaped>))`. */
export function personFilter(settings: Pick<LdapSettings, "LDAP_USER_FILTER" | "LDAP_ATTR_USERNAME">, username: string): string {
  const base = settings.LDAP_USER_FILTER.startsWith("(") ? settings.LDAP_USER_FILTER : `(${settings.LDAP_USER_FILTER})`;
  return `(&${base}(${settings.LDAP_ATTR_USERNAME}=${escapeFilterValue(username)}))`;
}

/** A DN in one spelling for comparisons: hex escapes decoded, spaces around separators dropped, lower case. */
export function normalizeDn(dn: string): string {
  const decoded = dn.replace(/(?:\\[0-9a-fA-F]{2})+/g, (run) => {
    const bytes = Buffer.from(run.replace(/\\/g, ""), "hex").toString("utf8");
    // Keep separators escaped so that "a\2Cb" and "a\,b" compare equal.
    return bytes.replace(/([,+=\\"<>;])/g, "\\$1");
  });
  return decoded
    .split(/(?<!\\),/)
    .map((rdn) => rdn.trim().replace(/^([^=]+?)\s*=\s*/, (_m, a: string) => `${a.toLowerCase()}=`))
    .join(",")
    .toLowerCase();
}

function first(entry: Entry, name: string): string | undefined {
  const key = Object.keys(entry).find((k) => k.toLowerCase() === name.toLowerCase());
  if (!key) return undefined;
  const raw = entry[key];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined) return undefined;
  if (Buffer.isBuffer(value)) return name.toLowerCase() === "objectguid" ? formatGuid(value) : value.toString("utf8");
  return String(value);
}

function all(entry: Entry, name: string): string[] {
  const key = Object.keys(entry).find((k) => k.toLowerCase() === name.toLowerCase());
  if (!key) return [];
  const raw = entry[key];
  return (Array.isArray(raw) ? raw : [raw]).map((v) => (Buffer.isBuffer(v) ? v.toString("utf8") : String(v)));
}

/** Active Directory's objectGUID as the usual text form (the first three groups are little-endian). */
function formatGuid(b: Buffer): string {
  if (b.length !== 16) return b.toString("hex");
  const h = (i: number[]) => i.map((n) => b[n].toString(16).padStart(2, "0")).join("");
  return `${h([3, 2, 1, 0])}-${h([5, 4])}-${h([7, 6])}-${h([8, 9])}-${h([10, 11, 12, 13, 14, 15])}`;
}

const CONTROL = /[\u0000-\u001f\u007f]/;

/** Maps a person's entry to the portal's fields, marking entries it cannot use (never truncating). */
export function mapPerson(entry: Entry, s: LdapSettings): DirectoryPerson {
  const values = {
    username: first(entry, s.LDAP_ATTR_USERNAME)?.trim() ?? "",
    name: stripInvisible(first(entry, s.LDAP_ATTR_NAME) ?? ""),
    email: (first(entry, s.LDAP_ATTR_EMAIL) ?? "").trim(),
    department: first(entry, s.LDAP_ATTR_DEPARTMENT)?.trim(),
    manager: first(entry, s.LDAP_ATTR_MANAGER)?.trim(),
    id: first(entry, s.LDAP_ATTR_ID)?.trim(),
  };
  const attrOf: Record<keyof typeof values, string> = {
    username: s.LDAP_ATTR_USERNAME,
    name: s.LDAP_ATTR_NAME,
    email: s.LDAP_ATTR_EMAIL,
    department: s.LDAP_ATTR_DEPARTMENT,
    manager: s.LDAP_ATTR_MANAGER,
    id: s.LDAP_ATTR_ID,
  };
  let problem: string | undefined;
  for (const [k, v] of Object.entries(values) as [keyof typeof values, string | undefined][]) {
    if (v && v.length > MAX_ATTRIBUTE_CHARS) problem ??= `too-long:${attrOf[k]}`;
  }
  if (!values.username) problem ??= `missing:${s.LDAP_ATTR_USERNAME}`;
  else if (values.username.length > MAX_USERNAME_CHARS) problem ??= `too-long:${s.LDAP_ATTR_USERNAME}`;
  else if (CONTROL.test(values.username) || /\s/.test(values.username)) problem ??= `invalid:${s.LDAP_ATTR_USERNAME}`;
  if (values.name.length > MAX_NAME_CHARS) problem ??= `too-long:${s.LDAP_ATTR_NAME}`;
  if (values.email.length > MAX_EMAIL_CHARS) problem ??= `too-long:${s.LDAP_ATTR_EMAIL}`;
  else if (values.email && !/^[^\s@]+@[^\s@]+$/.test(values.email)) problem ??= `invalid:${s.LDAP_ATTR_EMAIL}`;
  return {
    dn: entry.dn,
    subject: values.id || entry.dn,
    username: values.username.slice(0, MAX_USERNAME_CHARS),
    name: (values.name || values.username).slice(0, MAX_NAME_CHARS),
    email: values.email.length <= MAX_EMAIL_CHARS ? values.email : "",
    department: values.department && values.department.length <= MAX_ATTRIBUTE_CHARS ? values.department : undefined,
    managerDn: values.manager && values.manager.length <= MAX_ATTRIBUTE_CHARS ? values.manager : undefined,
    ...(problem ? { problem } : {}),
  };
}

/** A department id the portal accepts, taken from the directory's id when it fits, else derived from it (stable). */
export function departmentIdFor(raw: string): string {
  const lower = raw.trim().toLowerCase();
  if (/^[a-z][a-z0-9-]{1,23}$/.test(lower)) return lower;
  const ascii = lower.normalize("NFKD").replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 12);
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(raw.trim(), "utf8")) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  const tail = hash.toString(36).padStart(7, "0");
  return /^[a-z]/.test(ascii) ? `${ascii}-${tail}` : `d-${tail}`;
}

function mapDepartment(entry: Entry, s: LdapSettings): DirectoryDepartment {
  const rawId = first(entry, s.LDAP_DEPARTMENT_ID_ATTR)?.trim() ?? "";
  const zh = stripInvisible(first(entry, s.LDAP_DEPARTMENT_NAME_ATTR) ?? "") || rawId;
  const en = (s.LDAP_DEPARTMENT_NAME_EN_ATTR ? stripInvisible(first(entry, s.LDAP_DEPARTMENT_NAME_EN_ATTR) ?? "") : "") || zh;
  let problem: string | undefined;
  if (!rawId) problem = `missing:${s.LDAP_DEPARTMENT_ID_ATTR}`;
  else if (rawId.length > MAX_ATTRIBUTE_CHARS) problem = `too-long:${s.LDAP_DEPARTMENT_ID_ATTR}`;
  else if (zh.length > 60) problem = `too-long:${s.LDAP_DEPARTMENT_NAME_ATTR}`;
  else if (en.length > 60) problem = `too-long:${s.LDAP_DEPARTMENT_NAME_EN_ATTR}`;
  return {
    dn: entry.dn,
    id: rawId ? departmentIdFor(rawId) : "",
    rawId,
    nameZh: zh.slice(0, 60),
    nameEn: en.slice(0, 60),
    headDn: first(entry, s.LDAP_DEPARTMENT_HEAD_ATTR)?.trim(),
    ...(problem ? { problem } : {}),
  };
}

function describe(error: unknown): string {
  const e = error as Error & { code?: string | number };
  if (e instanceof ResultCodeError) return `${e.name} (${e.code})`;
  return e.code ? `${e.code}` : e.message || String(error);
}

function newClient(s: LdapSettings): Client {
  const tlsOptions = { ca: s.ca ? [s.ca] : undefined, rejectUnauthorized: s.LDAP_TLS_VERIFY, minVersion: "TLSv1.2" as const };
  // ldapts speaks TLS from the start whenever tlsOptions are given, so they go only with ldaps:// (StartTLS passes its own).
  const secure = s.LDAP_URL.toLowerCase().startsWith("ldaps:");
  return new Client({ url: s.LDAP_URL, timeout: s.LDAP_TIMEOUT_MS, connectTimeout: s.LDAP_TIMEOUT_MS, ...(secure ? { tlsOptions } : {}) });
}

/** Opens a connection (StartTLS when configured), runs `work`, always unbinds. Connection faults become DirectoryUnavailableError. */
async function withConnection<T>(s: LdapSettings, work: (client: Client) => Promise<T>): Promise<T> {
  const client = newClient(s);
  try {
    if (s.LDAP_STARTTLS) await client.startTLS({ ca: s.ca ? [s.ca] : undefined, rejectUnauthorized: s.LDAP_TLS_VERIFY, minVersion: "TLSv1.2" });
    return await work(client);
  } catch (error) {
    if (error instanceof DomainError || error instanceof InvalidCredentialsError) throw error;
    throw new DirectoryUnavailableError(describe(error));
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

async function serviceBind(client: Client, s: LdapSettings) {
  if (s.LDAP_BIND_DN) await client.bind(s.LDAP_BIND_DN, s.LDAP_BIND_PASSWORD ?? "");
}

async function search(client: Client, base: string, filter: string, attributes: string[], scope: "sub" | "base" = "sub"): Promise<Entry[]> {
  const { searchEntries } = await client.search(base, { scope, filter, attributes, paged: scope === "sub" ? { pageSize: 500 } : false, explicitBufferAttributes: ["objectGUID"] });
  return searchEntries;
}

function personAttributes(s: LdapSettings): string[] {
  return [s.LDAP_ATTR_USERNAME, s.LDAP_ATTR_NAME, s.LDAP_ATTR_EMAIL, s.LDAP_ATTR_DEPARTMENT, s.LDAP_ATTR_MANAGER, s.LDAP_ATTR_ID];
}

function groupBase(s: LdapSettings) {
  return s.LDAP_GROUP_BASE ?? s.LDAP_USER_BASE;
}

function wrap(filter: string) {
  return filter.startsWith("(") ? filter : `(${filter})`;
}

async function readGroups(client: Client, s: LdapSettings, memberDn?: string): Promise<DirectoryGroup[]> {
  if (!s.roleGroups.length && !s.LDAP_HEAD_GROUP) return [];
  const filter = memberDn ? `(&${wrap(s.LDAP_GROUP_FILTER)}(${s.LDAP_GROUP_MEMBER_ATTR}=${escapeFilterValue(memberDn)}))` : wrap(s.LDAP_GROUP_FILTER);
  const entries = await search(client, groupBase(s), filter, ["cn", s.LDAP_GROUP_MEMBER_ATTR]);
  return entries.map((e) => ({ dn: e.dn, cn: first(e, "cn") ?? "", members: all(e, s.LDAP_GROUP_MEMBER_ATTR) }));
}

async function readDepartments(client: Client, s: LdapSettings): Promise<DirectoryDepartment[]> {
  if (!s.LDAP_DEPARTMENT_BASE) return [];
  const attrs = [s.LDAP_DEPARTMENT_ID_ATTR, s.LDAP_DEPARTMENT_NAME_ATTR, s.LDAP_DEPARTMENT_HEAD_ATTR, ...(s.LDAP_DEPARTMENT_NAME_EN_ATTR ? [s.LDAP_DEPARTMENT_NAME_EN_ATTR] : [])];
  const base = normalizeDn(s.LDAP_DEPARTMENT_BASE);
  const entries = await search(client, s.LDAP_DEPARTMENT_BASE, wrap(s.LDAP_DEPARTMENT_FILTER), attrs);
  return entries.filter((e) => normalizeDn(e.dn) !== base).map((e) => mapDepartment(e, s));
}

/** What a successful directory sign-in found: the person, their groups and the directory's departments. */
export interface DirectoryLogin {
  person: DirectoryPerson;
  groups: DirectoryGroup[];
  departments: DirectoryDepartment[];
}

/**
 * Checks a username and password against the directory. Returns null for a
 * wrong password, an unknown or ambiguous name, or an empty password; throws
 * DirectoryUnavailableError when the directory cannot be asked.
 */
export async function directoryLogin(username: string, password: string): Promise<DirectoryLogin | null> {
  const s = ldapSettings();
  if (!s || !username || !password) return null;
  const filter = personFilter(s, username);
  const attrs = personAttributes(s);
  try {
    return await withConnection(s, async (client) => {
      let entries: Entry[];
      if (s.LDAP_USER_DN_TEMPLATE) {
        // Bind as the user first; then read their own entry on that connection.
        const dn = s.LDAP_USER_DN_TEMPLATE.replace("{username}", escapeDnValue(username));
        await client.bind(dn, password);
        entries = await search(client, s.LDAP_USER_BASE, filter, attrs);
      } else {
        await serviceBind(client, s);
        entries = await search(client, s.LDAP_USER_BASE, filter, attrs);
        if (entries.length !== 1) return null;
        const check = newClient(s);
        try {
          if (s.LDAP_STARTTLS) await check.startTLS({ ca: s.ca ? [s.ca] : undefined, rejectUnauthorized: s.LDAP_TLS_VERIFY, minVersion: "TLSv1.2" });
          await check.bind(entries[0].dn, password);
        } finally {
          await check.unbind().catch(() => undefined);
        }
      }
      if (entries.length !== 1) return null;
      const person = mapPerson(entries[0], s);
      // Same name as typed (case aside): a filter can never widen the match to another entry.
      if (person.username.toLowerCase() !== username.trim().toLowerCase()) return null;
      if (s.LDAP_USER_DN_TEMPLATE) await serviceBind(client, s);
      const groups = await readGroups(client, s, entries[0].dn);
      const departments = await readDepartments(client, s);
      return { person, groups, departments };
    });
  } catch (error) {
    if (error instanceof InvalidCredentialsError) return null;
    throw error;
  }
}

/** Checks only the password (approval signatures): binds as the person's entry found by username. */
export async function verifyDirectoryPassword(username: string, password: string): Promise<boolean> {
  return !!(await directoryLogin(username, password));
}

/** Reads the whole directory for sync. `afterStep` runs between the reads (tests end the server there). */
export async function readDirectory(options: { afterStep?: (step: "departments" | "people" | "groups") => Promise<void> } = {}): Promise<DirectorySnapshot> {
  const s = ldapSettings();
  if (!s) throw new DirectoryUnavailableError("LDAP_URL is not set");
  return withConnection(s, async (client) => {
    await serviceBind(client, s);
    const departments = await readDepartments(client, s);
    await options.afterStep?.("departments");
    const people = (await search(client, s.LDAP_USER_BASE, wrap(s.LDAP_USER_FILTER), personAttributes(s))).map((e) => mapPerson(e, s));
    await options.afterStep?.("people");
    const groups = await readGroups(client, s);
    await options.afterStep?.("groups");
    return { departments, people, groups, readAt: new Date().toISOString() };
  }).catch((error) => {
    if (error instanceof InvalidCredentialsError) throw new DirectoryUnavailableError("the service account (LDAP_BIND_DN) was refused");
    throw error;
  });
}
