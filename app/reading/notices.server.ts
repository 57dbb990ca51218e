/**
 * Notices shown above a document the reader can read ("a new version takes
 * effect on …", "what changed since you last read it", open proposals).
 * Domains register providers; each returns zero or more notices.
 */
import type { AuthUser } from "~/access/session.server";
import type { VersionRecord } from "~/documents/version-index.server";

export interface DocNotice {
  tone: "info" | "warn" | "danger" | "ok";
  /** i18n key and variables. */
  key: string;
  vars?: Record<string, string | number>;
  href?: string;
  linkKey?: string;
  /** Optional form action: a POST button (e.g. acknowledge). */
  action?: { path: string; intent: string; labelKey: string; fields?: Record<string, string> };
}

type Provider = (user: AuthUser, current: VersionRecord) => Promise<DocNotice[]> | DocNotice[];
const providers = new Map<string, Provider>();

export function addDocNotice(name: string, provider: Provider) {
  providers.set(name, provider);
}

export async function noticesFor(user: AuthUser, current: VersionRecord): Promise<DocNotice[]> {
  const out: DocNotice[] = [];
  for (const fn of providers.values()) out.push(...(await fn(user, current)));
  return out;
}
