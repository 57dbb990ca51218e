/**
 * Company sign-in settings: the OpenID Connect providers people may sign in
 * with, read once from OIDC_PROVIDERS (a JSON array) and OIDC_PROVIDERS_FILE
 * (a JSON file holding such an array); both may be set, and their providers
 * are joined. Checked at start-up with every problem named (decision 085).
 */
import fs from "node:fs";
import { z } from "zod";
import { ROLES, type Role } from "~/data/schema";
import { ConfigError } from "~/utils/env.server";
import { allowFormTarget } from "~/utils/headers.server";

const roleList = z.union([z.enum(ROLES as [Role, ...Role[]]), z.array(z.enum(ROLES as [Role, ...Role[]]))]).transform((r) => (Array.isArray(r) ? r : [r]));

const claimName = z.string().trim().min(1).max(100);

export const ProviderSchema = z
  .object({
    /** Short id used in addresses (/auth/oidc/<id>) and in user records. */
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, "1 to 32 lower-case letters, digits or dashes"),
    /** The button's label: one text, or one per language. */
    name: z.union([z.string().trim().min(1).max(60), z.object({ "zh-CN": z.string().trim().min(1).max(60), en: z.string().trim().min(1).max(60) })]),
    issuer: z.string().url(),
    clientId: z.string().min(1).max(500),
    clientSecret: z.string().min(1).max(2000).optional(),
    scopes: z.string().trim().min(1).max(500).default("openid profile email"),
    claims: z
      .object({
        username: claimName.default("preferred_username"),
        name: claimName.default("name"),
        email: claimName.default("email"),
        department: claimName.default("department"),
        groups: claimName.default("groups"),
      })
      .default({}),
    /** Group (or role) claim value → portal roles. */
    roles: z.record(z.string().min(1).max(200), roleList).default({}),
    /** Roles everyone signing in through this provider has. */
    defaultRoles: z.array(z.enum(ROLES as [Role, ...Role[]])).min(1).default(["staff"]),
    /** Department claim value → portal department id (values matching a department's id or name need no entry). */
    departments: z.record(z.string().min(1).max(200), z.string().min(1).max(24)).default({}),
    /** Department for people whose token names none. */
    defaultDepartment: z.string().min(1).max(24).optional(),
    /** Email domains allowed to sign in (empty: any). */
    allowedDomains: z.array(z.string().trim().toLowerCase().regex(/^[a-z0-9.-]+\.[a-z0-9-]+$/, "Domain names like example.com")).default([]),
  })
  .strict();

export type OidcProvider = z.infer<typeof ProviderSchema>;

/** What the sign-in page shows of a provider. */
export interface ProviderButton {
  id: string;
  name: { "zh-CN": string; en: string };
}

let cached: OidcProvider[] | null = null;

function parseList(raw: string, where: string): unknown[] {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new ConfigError(`${where} is not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(value)) throw new ConfigError(`${where} must be a JSON array of providers`);
  return value;
}

/** Reads and checks the configured providers; throws ConfigError naming every problem. */
export function oidcProviders(env: Record<string, string | undefined> = process.env): OidcProvider[] {
  if (cached && env === process.env) return cached;
  const entries: { where: string; value: unknown }[] = [];
  if (env.OIDC_PROVIDERS?.trim()) for (const [i, value] of parseList(env.OIDC_PROVIDERS, "OIDC_PROVIDERS").entries()) entries.push({ where: `OIDC_PROVIDERS[${i}]`, value });
  if (env.OIDC_PROVIDERS_FILE?.trim()) {
    let text: string;
    try {
      text = fs.readFileSync(env.OIDC_PROVIDERS_FILE, "utf8");
    } catch (error) {
      throw new ConfigError(`OIDC_PROVIDERS_FILE ${env.OIDC_PROVIDERS_FILE} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    for (const [i, value] of parseList(text, `OIDC_PROVIDERS_FILE ${env.OIDC_PROVIDERS_FILE}`).entries()) entries.push({ where: `${env.OIDC_PROVIDERS_FILE}[${i}]`, value });
  }
  const problems: string[] = [];
  const providers: OidcProvider[] = [];
  for (const { where, value } of entries) {
    const parsed = ProviderSchema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(`  ${where}.${issue.path.join(".") || "(provider)"}: ${issue.message}`);
      continue;
    }
    const p = parsed.data;
    if (providers.some((x) => x.id === p.id)) problems.push(`  ${where}.id: "${p.id}" is configured twice`);
    const issuer = new URL(p.issuer);
    if (issuer.protocol !== "https:" && !isLoopback(issuer.hostname)) problems.push(`  ${where}.issuer: must be an https: address (http: only on this machine, for testing)`);
    if (!p.scopes.split(/\s+/).includes("openid")) problems.push(`  ${where}.scopes: must include "openid"`);
    providers.push(p);
  }
  if (problems.length) throw new ConfigError(`Invalid company sign-in settings:\n${problems.join("\n")}`);
  if (env === process.env) {
    cached = providers;
    for (const p of providers) allowFormTarget(new URL(p.issuer).origin);
  }
  return providers;
}

/** Whether any company sign-in provider is configured (the settings alone, not whether they are valid). */
export function oidcConfigured(env: Record<string, string | undefined> = process.env): boolean {
  return !!(env.OIDC_PROVIDERS?.trim() || env.OIDC_PROVIDERS_FILE?.trim());
}

export function getOidcProvider(id: string): OidcProvider | undefined {
  return oidcProviders().find((p) => p.id === id);
}

/** The sign-in page's buttons, one per provider. */
export function providerButtons(): ProviderButton[] {
  return oidcProviders().map((p) => ({ id: p.id, name: displayName(p) }));
}

export function displayName(p: OidcProvider): { "zh-CN": string; en: string } {
  return typeof p.name === "string" ? { "zh-CN": p.name, en: p.name } : p.name;
}

export function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || hostname === "::1" || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

export function resetOidcConfigForTests() {
  cached = null;
}
