/** Shapes of the records kept in db.json. Each domain owns its collections. */
export type Role = "staff" | "editor" | "approver" | "admin";
export const ROLES: Role[] = ["staff", "editor", "approver", "admin"];

export interface LocalizedName {
  "zh-CN": string;
  en: string;
}

export interface Department {
  id: string; // short code, e.g. "qa"
  name: LocalizedName;
  headUserId?: string;
  createdAt: string;
}

export interface User {
  id: string;
  username: string;
  name: string;
  email: string;
  departmentId: string;
  roles: Role[];
  passwordHash: string;
  locale?: "zh-CN" | "en";
  active: boolean;
  createdAt: string;
  /** Set on creation; onboarding uses it to tell new hires. */
  startDate?: string;
  /** Where the account comes from; absent for a local account (password kept here). */
  identity?: UserIdentity;
}

/** An account that comes from the company directory (LDAP) or a sign-in provider (OIDC). */
export interface UserIdentity {
  source: "ldap" | "oidc";
  /** Which directory or provider ("ldap" for the one LDAP directory). */
  provider: string;
  /** The stable id there: entryUUID (or the DN) for LDAP, `sub` for OIDC. */
  subject: string;
}

export interface SessionRecord {
  id: string;
  userId: string;
  createdAt: string;
  expiresAt: string;
}

export interface ApiToken {
  id: string;
  userId: string;
  label: string;
  /** sha256 of the secret; the secret itself is shown once. */
  hash: string;
  prefix: string;
  createdAt: string;
  lastUsedAt?: string;
}

export interface Data {
  schemaVersion: number;
  users: User[];
  departments: Department[];
  sessions: SessionRecord[];
  apiTokens: ApiToken[];
  settings: Record<string, unknown>;
  /** Highest sequence ever issued per category code: numbers are never reused. */
  numbering: Record<string, number>;
  /** Numbers reserved for proposals not yet published. */
  reservedNumbers: { number: string; reservedAt: string; by: string; purpose: string }[];
}

export function emptyData(): Data {
  return {
    schemaVersion: 1,
    users: [],
    departments: [],
    sessions: [],
    apiTokens: [],
    settings: {},
    numbering: {},
    reservedNumbers: [],
  };
}
