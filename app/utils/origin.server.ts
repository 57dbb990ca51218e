/**
 * Which origin a request to this portal must come from. One rule for the
 * HTTP server (scripts/serve.mjs refuses cross-site form posts before the
 * framework runs) and for the app's own check (session.server's
 * assertSameOrigin, the JSON API):
 * - PUBLIC_URL set: the Origin must be exactly that URL's origin (scheme,
 *   host and port); the Host and X-Forwarded-* headers are not consulted.
 * - otherwise the Origin's host must be the host the request was addressed
 *   to: `X-Forwarded-Host` when TRUST_PROXY=1 (a proxy in front sets it),
 *   else the `Host` header. Without TRUST_PROXY=1 a forwarded header is
 *   anyone's say and is ignored.
 */
import { getEnv } from "./env.server";

export interface OriginSettings {
  publicUrl?: string;
  trustProxy: boolean;
}

type HeaderGet = (name: string) => string | null | undefined;

/** The request headers that only a trusted proxy may set (removed by serve.mjs otherwise). */
export const FORWARDED_HEADERS = ["x-forwarded-host", "x-forwarded-proto", "x-forwarded-for", "x-forwarded-port", "x-real-ip", "forwarded"];

export function originSettings(): OriginSettings {
  const env = getEnv();
  return { publicUrl: env.PUBLIC_URL, trustProxy: env.TRUST_PROXY === "1" };
}

/** The host a request was addressed to: X-Forwarded-Host only behind a trusted proxy, else Host. */
export function addressedHost(get: HeaderGet, fallback = "", settings: OriginSettings = originSettings()): string {
  if (settings.trustProxy) {
    const forwarded = get("x-forwarded-host")?.split(",")[0]?.trim();
    if (forwarded) return forwarded;
  }
  return get("host") || fallback;
}

/** Whether an Origin (or Referer) value names this portal. "null" and malformed values never do. */
export function isOwnOrigin(origin: string, get: HeaderGet, fallbackHost = "", settings: OriginSettings = originSettings()): boolean {
  let given: URL;
  try {
    given = new URL(origin);
  } catch {
    return false;
  }
  if (settings.publicUrl) return given.origin === new URL(settings.publicUrl).origin;
  return given.host === addressedHost(get, fallbackHost, settings);
}

/**
 * The client address for per-address limits. Behind a trusted proxy (TRUST_PROXY=1) it is
 * the last X-Forwarded-For entry: the address that proxy saw (entries before it are the
 * client's own say). Otherwise it is the TCP peer the HTTP server reports.
 */
export function clientAddress(get: HeaderGet, peer: string | undefined, settings: OriginSettings = originSettings()): string {
  if (settings.trustProxy) {
    const hops = (get("x-forwarded-for") ?? "").split(",").map((h) => h.trim()).filter(Boolean);
    if (hops.length) return hops[hops.length - 1].slice(0, 64);
  }
  return (peer || "direct").slice(0, 64);
}
