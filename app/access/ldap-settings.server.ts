/**
 * LDAP / Active Directory settings (LDAP_*). `LDAP_URL` switches directory
 * sign-in and directory sync on; every other setting has a default that fits
 * OpenLDAP with inetOrgPerson entries (README, "Company directory").
 */
import fs from "node:fs";
import { z } from "zod";
import { ConfigError } from "~/utils/env.server";
import type { Role } from "~/data/schema";

const flag = z.enum(["0", "1"]).default("0").transform((v) => v === "1");
const attr = (fallback: string) => z.string().trim().regex(/^[A-Za-z][A-Za-z0-9-]*$/, "an attribute name").default(fallback);
const optionalText = z.string().trim().optional().transform((v) => (v ? v : undefined));

const LdapSchema = z.object({
  LDAP_URL: z.string().trim().regex(/^ldaps?:\/\/[^\s/]+\/?$/i, "ldap://host:port or ldaps://host:port"),
  LDAP_STARTTLS: flag,
  LDAP_TLS_CA_FILE: optionalText,
  LDAP_TLS_VERIFY: z.enum(["0", "1"]).default("1").transform((v) => v === "1"),
  LDAP_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5000),
  /** Service account for search-then-bind and for sync (empty = anonymous). */
  LDAP_BIND_DN: optionalText,
  LDAP_BIND_PASSWORD: optionalText,
  /** Bind as the user directly: e.g. uid={username},ou=people,dc=example,dc=com or {username}@corp.example.com. */
  LDAP_USER_DN_TEMPLATE: optionalText,
  LDAP_USER_BASE: z.string().trim().min(1, "the base DN under which people are found"),
  LDAP_USER_FILTER: z.string().trim().default("(objectClass=inetOrgPerson)"),
  LDAP_ATTR_USERNAME: attr("uid"),
  LDAP_ATTR_NAME: attr("cn"),
  LDAP_ATTR_EMAIL: attr("mail"),
  LDAP_ATTR_DEPARTMENT: attr("departmentNumber"),
  LDAP_ATTR_MANAGER: attr("manager"),
  LDAP_ATTR_ID: attr("entryUUID"),
  LDAP_GROUP_BASE: optionalText,
  LDAP_GROUP_FILTER: z.string().trim().default("(objectClass=groupOfNames)"),
  LDAP_GROUP_MEMBER_ATTR: attr("member"),
  /** role=group pairs, comma separated; a group is named by its cn or full DN. */
  LDAP_ROLE_GROUPS: optionalText,
  LDAP_DEPARTMENT_BASE: optionalText,
  LDAP_DEPARTMENT_FILTER: z.string().trim().default("(objectClass=organizationalUnit)"),
  LDAP_DEPARTMENT_ID_ATTR: attr("ou"),
  LDAP_DEPARTMENT_NAME_ATTR: attr("description"),
  LDAP_DEPARTMENT_NAME_EN_ATTR: z.string().trim().regex(/^([A-Za-z][A-Za-z0-9-]*)?$/, "an attribute name").optional(),
  LDAP_DEPARTMENT_HEAD_ATTR: attr("manager"),
  /** A group whose members head their own department (cn or DN). */
  LDAP_HEAD_GROUP: optionalText,
  /** Department for people whose department matches none (else they are skipped). */
  LDAP_DEFAULT_DEPARTMENT: optionalText,
  LDAP_SYNC_INTERVAL_MINUTES: z.coerce.number().min(0).default(0),
  LDAP_SYNC_MAX_DISABLE_PERCENT: z.coerce.number().min(0).max(100).default(20),
});

export type LdapSettings = Omit<z.infer<typeof LdapSchema>, "LDAP_ROLE_GROUPS" | "LDAP_TLS_CA_FILE"> & {
  roleGroups: { role: Role; group: string }[];
  ca?: Buffer;
  caFile?: string;
};

const ROLE_NAMES: Role[] = ["staff", "editor", "approver", "admin"];

function parseRoleGroups(value: string | undefined): { role: Role; group: string }[] {
  if (!value) return [];
  return value
    .split(/[;,](?=\s*(?:staff|editor|approver|admin)\s*=)/i)
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const i = part.indexOf("=");
      const role = part.slice(0, i).trim().toLowerCase() as Role;
      const group = part.slice(i + 1).trim();
      if (i < 1 || !ROLE_NAMES.includes(role) || !group) throw new ConfigError(`Invalid environment:\n  LDAP_ROLE_GROUPS: "${part}" is not role=group (roles: ${ROLE_NAMES.join(", ")})`);
      return { role, group };
    });
}

let cached: { key: string; value: LdapSettings | null } | null = null;

/** Whether directory sign-in and sync are switched on (LDAP_URL is set). */
export function ldapEnabled(): boolean {
  return !!process.env.LDAP_URL?.trim();
}

/** The validated LDAP settings, or null when LDAP_URL is not set; throws ConfigError listing every problem. */
export function ldapSettings(): LdapSettings | null {
  if (!ldapEnabled()) return null;
  const key = JSON.stringify(Object.entries(process.env).filter(([k]) => k.startsWith("LDAP_")));
  if (cached?.key === key) return cached.value;
  const parsed = LdapSchema.safeParse(process.env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Invalid environment:\n${lines.join("\n")}`);
  }
  const { LDAP_ROLE_GROUPS, LDAP_TLS_CA_FILE, ...rest } = parsed.data;
  let ca: Buffer | undefined;
  if (LDAP_TLS_CA_FILE) {
    try {
      ca = fs.readFileSync(LDAP_TLS_CA_FILE);
    } catch (error) {
      throw new ConfigError(`Invalid environment:\n  LDAP_TLS_CA_FILE: cannot read ${LDAP_TLS_CA_FILE} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  }
  if (rest.LDAP_URL.toLowerCase().startsWith("ldaps:") && rest.LDAP_STARTTLS) {
    throw new ConfigError("Invalid environment:\n  LDAP_STARTTLS: use either an ldaps:// URL or LDAP_STARTTLS=1 with ldap://, not both");
  }
  if (rest.LDAP_BIND_DN && !rest.LDAP_BIND_PASSWORD) throw new ConfigError("Invalid environment:\n  LDAP_BIND_PASSWORD: required with LDAP_BIND_DN");
  if (rest.LDAP_USER_DN_TEMPLATE && !rest.LDAP_USER_DN_TEMPLATE.includes("{username}")) {
    throw new ConfigError("Invalid environment:\n  LDAP_USER_DN_TEMPLATE: must contain {username}");
  }
  const value: LdapSettings = { ...rest, roleGroups: parseRoleGroups(LDAP_ROLE_GROUPS), ca, caFile: LDAP_TLS_CA_FILE };
  cached = { key, value };
  return value;
}
