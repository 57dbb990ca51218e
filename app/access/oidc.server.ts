/**
 * OpenID Connect with openid-client: Authorization Code with PKCE, state and
 * nonce bound to the browser that started the sign-in, the ID token's
 * signature, issuer, audience and lifetime verified, and single logout where
 * the provider offers it. Two purposes share one callback: signing in, and
 * re-authenticating a signed-in person for an electronic signature
 * (prompt=login, max_age=0, auth_time checked). Decisions 085 and 086.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import * as client from "openid-client";
import { getEnv } from "~/utils/env.server";
import { allowFormTarget } from "~/utils/headers.server";
import { DomainError, msg } from "~/utils/errors.server";
import type { Vars } from "~/i18n/i18n";
import { getOidcProvider, isLoopback, type OidcProvider } from "./oidc-config.server";

/** How far the provider's clock may differ from ours (seconds). */
export const CLOCK_TOLERANCE_SECONDS = 60;
/** How long a started sign-in may take at the provider. */
const FLOW_TTL_MS = 10 * 60_000;
const FLOWS_MAX = 5000;
/** Largest answer read from a provider (discovery, keys, tokens, user info): claims are bounded. */
export const MAX_PROVIDER_RESPONSE_BYTES = 256 * 1024;
const DISCOVERY_TTL_MS = 60 * 60_000;
const REQUEST_TIMEOUT_SECONDS = 10;
export const FLOW_COOKIE = "__regula_oidc";

/** Why a company sign-in was refused: each reason has a message (oidc.err.<reason>) and an audit entry. */
export type OidcRefusal =
  | "unknown-provider"
  | "unreachable"
  | "expired"
  | "denied"
  | "invalid"
  | "token-expired"
  | "clock"
  | "domain"
  | "disabled"
  | "email-in-use"
  | "subject-changed"
  | "claims"
  | "username-taken"
  | "no-department"
  | "session"
  | "other-person"
  | "not-fresh";

/** A refused company sign-in; `detail` (English, for the audit log) says what exactly failed. */
export class OidcError extends DomainError {
  constructor(
    public reason: OidcRefusal,
    public detail: string,
    vars?: Vars,
  ) {
    super(reason === "unknown-provider" ? "not_found" : reason === "unreachable" ? "unavailable" : "unauthorized", msg(`oidc.err.${reason}`, vars));
  }
}

export interface Flow {
  state: string;
  provider: string;
  nonce: string;
  verifier: string;
  purpose: "login" | "sign";
  /** Where to go after success (a path of this portal). */
  returnTo: string;
  createdAt: number;
  /** Re-authentication: the session and person it was started for, and the held action (opaque here). */
  sessionId?: string;
  userId?: string;
  pending?: unknown;
}

// ---- provider metadata ------------------------------------------------------

const configs = new Map<string, { config: client.Configuration; at: number }>();

/** fetch with the answer's size bounded: an oversized token or claim set is refused, never read whole. */
async function boundedFetch(url: string, options: client.CustomFetchOptions): Promise<Response> {
  const res = await fetch(url, options as RequestInit);
  const declared = Number(res.headers.get("content-length") ?? 0);
  if (declared > MAX_PROVIDER_RESPONSE_BYTES) {
    await res.body?.cancel();
    throw new OidcError("claims", `the provider's answer from ${new URL(url).pathname} is ${declared} bytes (limit ${MAX_PROVIDER_RESPONSE_BYTES})`);
  }
  if (!res.body || res.status === 204 || res.status === 304) return res;
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_PROVIDER_RESPONSE_BYTES) {
      await reader.cancel();
      throw new OidcError("claims", `the provider's answer from ${new URL(url).pathname} is over ${MAX_PROVIDER_RESPONSE_BYTES} bytes`);
    }
    chunks.push(value);
  }
  return new Response(Buffer.concat(chunks), { status: res.status, statusText: res.statusText, headers: res.headers });
}

function isNetworkFailure(error: unknown): boolean {
  for (let e = error as { name?: string; code?: string; cause?: unknown; message?: string } | undefined, i = 0; e && i < 5; e = e.cause as typeof e, i++) {
    if (e.name === "TimeoutError" || e.name === "AbortError") return true;
    if (e.code && /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|UND_ERR_\w+)$/.test(e.code)) return true;
    if (e.message === "fetch failed") return true;
  }
  return false;
}

/** The provider's discovered metadata (cached for an hour; a provider that is down is asked again next time). */
async function configuration(p: OidcProvider): Promise<client.Configuration> {
  const known = configs.get(p.id);
  if (known && Date.now() - known.at < DISCOVERY_TTL_MS) return known.config;
  const insecure = new URL(p.issuer).protocol === "http:" && isLoopback(new URL(p.issuer).hostname);
  try {
    const config = await client.discovery(
      new URL(p.issuer),
      p.clientId,
      { ...(p.clientSecret ? { client_secret: p.clientSecret } : {}), [client.clockTolerance]: CLOCK_TOLERANCE_SECONDS },
      p.clientSecret ? client.ClientSecretBasic(p.clientSecret) : client.None(),
      {
        [client.customFetch]: boundedFetch,
        timeout: REQUEST_TIMEOUT_SECONDS,
        // ID tokens are verified against the provider's published keys, not only trusted for arriving over TLS.
        execute: [...(insecure ? [client.allowInsecureRequests] : []), client.enableNonRepudiationChecks],
      },
    );
    configs.set(p.id, { config, at: Date.now() });
    const meta = config.serverMetadata();
    for (const endpoint of [meta.authorization_endpoint, meta.end_session_endpoint]) if (endpoint) allowFormTarget(new URL(endpoint).origin);
    return config;
  } catch (error) {
    if (error instanceof OidcError) throw error;
    if (isNetworkFailure(error)) throw new OidcError("unreachable", `discovery at ${p.issuer} failed: ${describe(error)}`, { provider: p.id });
    throw new OidcError("invalid", `discovery at ${p.issuer} gave an unusable answer: ${describe(error)}`);
  }
}

function describe(error: unknown): string {
  const e = error as { message?: string; code?: string; cause?: { message?: string; code?: string } };
  const cause = e.cause && typeof e.cause === "object" && (e.cause.code || e.cause.message) ? ` (${[e.cause.code, e.cause.message].filter(Boolean).join(": ")})` : "";
  return `${e.code ? `${e.code}: ` : ""}${e.message ?? String(error)}${cause}`.slice(0, 500);
}

// ---- flows ------------------------------------------------------------------

/** Sign-ins under way, by state. Kept in memory: a restart asks the person to start again (decision 085). */
const flows = new Map<string, Flow>();

function sweep(nowMs: number) {
  for (const [state, f] of flows) if (nowMs - f.createdAt > FLOW_TTL_MS) flows.delete(state);
  while (flows.size >= FLOWS_MAX) flows.delete(flows.keys().next().value!);
}

/** The portal's callback address for a provider (PUBLIC_URL when set, else the address the request came to). */
export function redirectUri(request: Request, providerId: string): string {
  const base = getEnv().PUBLIC_URL?.replace(/\/+$/, "") ?? new URL(request.url).origin;
  return `${base}/auth/oidc/${providerId}/callback`;
}

function flowCookie(value: string, maxAge: number): string {
  const secure = getEnv().PUBLIC_URL?.startsWith("https:") ? "; Secure" : "";
  return `${FLOW_COOKIE}=${value}; Path=/auth/oidc; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secure}`;
}

/** Clears the browser's sign-in binding (after a callback, whatever its outcome). */
export function clearFlowCookie(): string {
  return flowCookie("", 0);
}

function cookieState(request: Request): string | undefined {
  const header = request.headers.get("Cookie") ?? "";
  for (const part of header.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === FLOW_COOKIE) return rest.join("=");
  }
  return undefined;
}

/** Whether the sign-in binding cookie names this state (constant time). */
function sameState(a: string | undefined, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Starts a sign-in (or a re-authentication) at a provider: returns the
 * provider's address to send the browser to and the cookie binding the
 * browser to this attempt.
 */
export async function startOidcFlow(
  request: Request,
  providerId: string,
  options: { purpose: "login" | "sign"; returnTo: string; sessionId?: string; userId?: string; pending?: unknown },
): Promise<{ location: string; setCookie: string }> {
  const p = getOidcProvider(providerId);
  if (!p) throw new OidcError("unknown-provider", `no provider "${providerId.slice(0, 40)}" is configured`);
  const config = await configuration(p);
  const state = client.randomState();
  const nonce = client.randomNonce();
  const verifier = client.randomPKCECodeVerifier();
  const challenge = await client.calculatePKCECodeChallenge(verifier);
  const nowMs = Date.now();
  sweep(nowMs);
  flows.set(state, { state, provider: p.id, nonce, verifier, createdAt: nowMs, ...options });
  const params: Record<string, string> = {
    redirect_uri: redirectUri(request, p.id),
    scope: p.scopes,
    response_type: "code",
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: "S256",
  };
  if (options.purpose === "sign") {
    params.prompt = "login";
    params.max_age = "0";
  }
  const url = client.buildAuthorizationUrl(config, params);
  return { location: url.href, setCookie: flowCookie(state, FLOW_TTL_MS / 1000) };
}

export interface VerifiedSignIn {
  flow: Flow;
  provider: OidcProvider;
  /** The ID token's claims, with the user info endpoint's added (the ID token's win). */
  claims: Record<string, unknown>;
  idToken: string;
  /** When the person last authenticated at the provider (seconds), if the token says. */
  authTime?: number;
}

/** The state of a callback, and the flow it belongs to if any (for where to send the person after a refusal). */
export function peekFlow(request: Request): Flow | undefined {
  const state = new URL(request.url).searchParams.get("state");
  return state ? flows.get(state) : undefined;
}

function classifyTokenFailure(error: unknown): OidcError {
  if (error instanceof OidcError) return error;
  if ((error as { cause?: unknown })?.cause instanceof OidcError) return (error as { cause: OidcError }).cause;
  if (isNetworkFailure(error)) return new OidcError("unreachable", `token exchange failed: ${describe(error)}`);
  // openid-client wraps oauth4webapi's error, whose own cause names the claim that failed.
  const e = error as { code?: string; message?: string; cause?: { claim?: string; cause?: { claim?: string } } };
  const claim = e.cause?.cause?.claim ?? e.cause?.claim;
  const text = `${describe(error)}${claim ? ` [${claim}]` : ""}`;
  if (e.code === "OAUTH_JWT_TIMESTAMP_CHECK_FAILED" && claim === "exp") return new OidcError("token-expired", text);
  if (e.code === "OAUTH_JWT_TIMESTAMP_CHECK_FAILED" && claim === "auth_time") return new OidcError("not-fresh", text);
  if (e.code === "OAUTH_JWT_TIMESTAMP_CHECK_FAILED" && claim === "nbf") return new OidcError("clock", text, { seconds: CLOCK_TOLERANCE_SECONDS });
  return new OidcError("invalid", text);
}

/**
 * Completes a callback: the browser must hold the cookie of the attempt this
 * state names, the attempt is used once, and the code is exchanged (with the
 * PKCE verifier) for an ID token whose signature, issuer, audience, lifetime
 * and nonce are verified. Throws OidcError; the flow is consumed either way.
 */
export async function completeOidcFlow(request: Request, providerId: string): Promise<VerifiedSignIn> {
  const p = getOidcProvider(providerId);
  if (!p) throw new OidcError("unknown-provider", `callback for unconfigured provider "${providerId.slice(0, 40)}"`);
  const url = new URL(request.url);
  const state = url.searchParams.get("state") ?? "";
  const flow = state ? flows.get(state) : undefined;
  if (!flow || !sameState(cookieState(request), state)) {
    throw new OidcError("expired", !flow ? "no sign-in under way with this state (expired, already used, or never started here)" : "the browser does not hold this sign-in's cookie");
  }
  flows.delete(state);
  if (flow.provider !== p.id) throw new OidcError("expired", `the sign-in was started with provider ${flow.provider}`);
  if (Date.now() - flow.createdAt > FLOW_TTL_MS) throw new OidcError("expired", "the sign-in took longer than 10 minutes");
  const error = url.searchParams.get("error");
  if (error) {
    const description = (url.searchParams.get("error_description") ?? "").slice(0, 200);
    throw new OidcError("denied", `the provider answered ${error.slice(0, 60)}${description ? `: ${description}` : ""}`);
  }
  const config = await configuration(p);
  // The address the provider sent the browser to, as registered (not as a proxy may have rewritten it).
  const current = new URL(redirectUri(request, p.id));
  current.search = url.search;
  let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
  try {
    tokens = await client.authorizationCodeGrant(config, current, {
      pkceCodeVerifier: flow.verifier,
      expectedState: flow.state,
      expectedNonce: flow.nonce,
      idTokenExpected: true,
      ...(flow.purpose === "sign" ? { maxAge: 0 } : {}),
    });
  } catch (e) {
    throw classifyTokenFailure(e);
  }
  const idClaims = tokens.claims();
  if (!idClaims || !tokens.id_token) throw new OidcError("invalid", "the provider issued no ID token");
  const nowSec = Math.floor(Date.now() / 1000);
  // openid-client accepts an "issued at" in the future; a provider whose clock runs ahead is refused here, by name.
  if (typeof idClaims.iat === "number" && idClaims.iat > nowSec + CLOCK_TOLERANCE_SECONDS) {
    throw new OidcError("clock", `the ID token was issued ${idClaims.iat - nowSec} s in the future`, { seconds: CLOCK_TOLERANCE_SECONDS });
  }
  let claims: Record<string, unknown> = { ...idClaims };
  const userinfo = config.serverMetadata().userinfo_endpoint;
  if (userinfo && tokens.access_token) {
    try {
      const info = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
      claims = { ...info, ...idClaims };
    } catch (e) {
      throw classifyTokenFailure(e);
    }
  }
  return { flow, provider: p, claims, idToken: tokens.id_token, authTime: typeof idClaims.auth_time === "number" ? idClaims.auth_time : undefined };
}

/**
 * Where to send a person signing out of a session started at a provider: the
 * provider's end-session address (with the ID token as hint and our sign-in
 * page to come back to), or null when the provider offers no single logout
 * or cannot be reached.
 */
export async function endSessionUrl(request: Request, providerId: string, idToken: string | undefined): Promise<string | null> {
  const p = getOidcProvider(providerId);
  if (!p) return null;
  let config: client.Configuration;
  try {
    config = await configuration(p);
  } catch {
    return null;
  }
  if (!config.serverMetadata().end_session_endpoint) return null;
  const base = getEnv().PUBLIC_URL?.replace(/\/+$/, "") ?? new URL(request.url).origin;
  const params: Record<string, string> = { post_logout_redirect_uri: `${base}/login?signedOut=provider`, client_id: p.clientId };
  if (idToken) params.id_token_hint = idToken;
  return client.buildEndSessionUrl(config, params).href;
}

/** A random opaque id (held decisions, notices). */
export function randomId(): string {
  return randomBytes(16).toString("base64url");
}

export function resetOidcForTests() {
  configs.clear();
  flows.clear();
}
