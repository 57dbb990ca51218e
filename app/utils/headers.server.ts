/**
 * Other sites a form's answer may send the browser on to: company sign-in providers (signing out
 * there, signing an approval there). Chromium applies form-action to the redirects after a post.
 */
const formTargets = new Set<string>();

export function allowFormTarget(origin: string) {
  formTargets.add(origin);
}

/** Security headers for every HTML and data response. */
export function securityHeaders(headers: Headers, nonce?: string) {
  const script = nonce ? `'self' 'nonce-${nonce}'` : "'self'";
  headers.set(
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
  );
  headers.set("X-Content-Type-Options", "nosniff");
  headers.set("X-Frame-Options", "DENY");
  headers.set("Referrer-Policy", "same-origin");
  headers.set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()");
  headers.set("Cross-Origin-Opener-Policy", "same-origin");
  if (!headers.has("Cache-Control")) headers.set("Cache-Control", "private, no-cache");
}
