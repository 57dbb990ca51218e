/**
 * Is this portal configured for real use? (decision 091) A laptop demo runs on
 * loopback with no company sign-in; an installation with an outside address,
 * a non-loopback listening address, or single sign-on / LDAP settings is real,
 * and the demo accounts with their published password must not exist there.
 */

/** Why the portal counts as configured for real use: the setting and its value. */
export interface RealUseReason {
  key: "publicUrl" | "host" | "oidc" | "ldap";
  /** The setting's name, e.g. OIDC_PROVIDERS_FILE. */
  name: string;
  /** The value when it is an address (never a secret). */
  value?: string;
}

/** True for loopback names and addresses: localhost (and *.localhost), 127.0.0.0/8, ::1. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (/^127(?:\.\d{1,3}){3}$/.test(h)) return true;
  if (h === "::1" || h === "0:0:0:0:0:0:0:1" || /^::ffff:127(?:\.\d{1,3}){3}$/.test(h)) return true;
  return false;
}

/**
 * Names that can never be reached on the internet (RFC 6761: .test, .example, .invalid, .localhost):
 * a portal known by one of them is a test or training installation, not a real one.
 */
export function isReservedTestHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/\.$/, "");
  return /(^|\.)(test|example|invalid|localhost)$/.test(h);
}

const set = (v: string | undefined) => typeof v === "string" && v.trim() !== "";

/** The settings that make this a real installation; empty on a laptop demo. */
export function realUseReasons(env: Record<string, string | undefined> = process.env): RealUseReason[] {
  const out: RealUseReason[] = [];
  if (set(env.PUBLIC_URL)) {
    let host = "";
    try {
      host = new URL(env.PUBLIC_URL!).hostname;
    } catch {
      host = env.PUBLIC_URL!;
    }
    if (!isLoopbackHost(host) && !isReservedTestHost(host)) out.push({ key: "publicUrl", name: "PUBLIC_URL", value: env.PUBLIC_URL!.trim() });
  }
  if (set(env.HOST) && !isLoopbackHost(env.HOST!)) out.push({ key: "host", name: "HOST", value: env.HOST!.trim() });
  for (const name of ["OIDC_PROVIDERS", "OIDC_PROVIDERS_FILE"]) if (set(env[name])) out.push({ key: "oidc", name });
  if (set(env.LDAP_URL)) out.push({ key: "ldap", name: "LDAP_URL" });
  return out;
}

/** One line for the log: "PUBLIC_URL is https://…, OIDC_PROVIDERS is set". */
export function describeReasons(reasons: RealUseReason[]): string {
  return reasons.map((r) => (r.value ? `${r.name} is ${r.value}` : `${r.name} is set`)).join(", ");
}
