/**
 * Extra panels for the home page (onboarding progress, acknowledgements owed,
 * waiting approvals). Domains register a provider; each returns a small
 * serialisable object under its own key.
 */
import type { AuthUser } from "~/access/session.server";

type Provider = (user: AuthUser) => Promise<unknown> | unknown;
const providers = new Map<string, Provider>();

export function addHomeExtra(key: string, provider: Provider) {
  providers.set(key, provider);
}

export async function homeExtrasFor(user: AuthUser): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [key, fn] of providers) out[key] = await fn(user);
  return out;
}
