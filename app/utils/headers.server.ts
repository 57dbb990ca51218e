/**
 * Other sites a form's answer may send the browser on to: company sign-in providers (signing out
 * there, signing an approval there). Chromium applies form-action to the redirects after a post.
 */
const formTargets = new Set<string>();

export function allowFormTarget(origin: string) {
  formTargets.add(origin);
}

/** The security headers of every HTML and data response, as name and value pairs (without Cache-Control). */
export function securityHeaderList(nonce?: string): [string, string][] {
  const script = nonce ? `'self' 'nonce-${nonce}'` : "'self'";
  return [
    [
      "Content-Security-Policy",
      [
        "default-src 'self'",
        `script-src ${script}`,
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: https:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        `form-action 'self'${[...formTargets].map((o) => ` ${o}`).join("")}`,
        "base-uri 'self'",
        "object-src 'none'",
        "worker-src 'self'",
      ].join("; "),
    ],
    ["X-Content-Type-Options", "nosniff"],
    ["X-Frame-Options", "DENY"],
    ["Referrer-Policy", "same-origin"],
    ["Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"],
    ["Cross-Origin-Opener-Policy", "same-origin"],
  ];
}

/** Security headers for every HTML and data response. */
export function securityHeaders(headers: Headers, nonce?: string) {
  for (const [name, value] of securityHeaderList(nonce)) headers.set(name, value);
  if (!headers.has("Cache-Control")) headers.set("Cache-Control", "private, no-cache");
}
