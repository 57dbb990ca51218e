/**
 * What the company sign-in routes do: start a sign-in, finish one (a session,
 * or a re-authentication proof for an electronic signature), record every
 * refusal, and sign out at the provider too where it allows (decision 085).
 */
import type { User } from "~/data/schema";
import { appendAudit } from "~/audit/audit.server";
import { DomainError } from "~/utils/errors.server";
import { currentSessionRecord, getUser, signOut, startSession } from "./session.server";
import { getOidcProvider, providerButtons, type ProviderButton } from "./oidc-config.server";
import { accountForClaims } from "./oidc-users.server";
import { CLOCK_TOLERANCE_SECONDS, clearFlowCookie, completeOidcFlow, endSessionUrl, OidcError, peekFlow, startOidcFlow, type Flow } from "./oidc.server";

/** Proof that the signer re-authenticated at their provider just now (an electronic signature without a portal password). */
export interface Reauthentication {
  /** "oidc:<provider id>" */
  method: string;
  /** When the provider authenticated the person (ISO time). */
  at: string;
}

/** A path of this portal to return to, never another site. */
export function safeReturn(to: string | null | undefined): string {
  if (!to || !to.startsWith("/") || to.startsWith("//") || to.startsWith("/\\")) return "/";
  return to.slice(0, 2000);
}

function withParams(path: string, params: Record<string, string>): string {
  const url = new URL(path, "http://portal.invalid");
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.pathname + url.search + url.hash;
}

/** Starts signing in with a provider: where to send the browser, or (provider down, unknown) back to the sign-in page saying why. */
export async function beginSignIn(request: Request, providerId: string): Promise<{ location: string; setCookie?: string }> {
  const returnTo = safeReturn(new URL(request.url).searchParams.get("redirectTo"));
  try {
    return await startOidcFlow(request, providerId, { purpose: "login", returnTo });
  } catch (error) {
    if (!(error instanceof OidcError)) throw error;
    await appendAudit({ actor: "anonymous", action: "auth.login", outcome: "failed", details: { authMethod: `oidc:${providerId.slice(0, 40)}`, reason: error.reason, detail: error.detail } });
    return { location: withParams("/login", { sso: error.reason, provider: providerId.slice(0, 40), ...(returnTo !== "/" ? { redirectTo: returnTo } : {}) }) };
  }
}

/**
 * Starts a re-authentication for an electronic signature. `pending` is the
 * action held until the provider answers (kept on the server, bound to this
 * session and this attempt); `returnTo` is where the outcome is shown.
 */
export async function beginReauthentication(request: Request, user: User & { sessionId?: string }, pending: unknown, returnTo: string): Promise<{ location: string; setCookie: string }> {
  if (user.identity?.source !== "oidc" || !user.sessionId) throw new OidcError("other-person", "only accounts of a company sign-in provider re-authenticate there");
  return startOidcFlow(request, user.identity.provider, { purpose: "sign", returnTo: safeReturn(returnTo), sessionId: user.sessionId, userId: user.id, pending });
}

export type CallbackOutcome =
  | { kind: "login"; location: string; setCookies: string[] }
  | { kind: "sign"; user: User; proof: Reauthentication; pending: unknown; returnTo: string; setCookies: string[] }
  | { kind: "refused"; location: string; setCookies: string[] };

/** Finishes a provider's callback: a session, a re-authentication, or a refusal (audited) with where to say so. */
export async function finishCallback(request: Request, providerId: string): Promise<CallbackOutcome> {
  const started = peekFlow(request);
  const setCookies = [clearFlowCookie()];
  const method = `oidc:${providerId.slice(0, 40)}`;
  let actor = "anonymous";
  try {
    const verified = await completeOidcFlow(request, providerId);
    const { flow, provider, claims } = verified;
    if (flow.purpose === "sign") {
      const proof = await checkReauthentication(request, flow, claims, verified.authTime);
      return { kind: "sign", ...proof, pending: flow.pending, returnTo: flow.returnTo, setCookies };
    }
    const { user, created } = await accountForClaims(provider, claims).catch((e: unknown) => {
      if (e instanceof OidcError && typeof claims.sub === "string") actor = String(claims.preferred_username ?? claims.sub).slice(0, 64);
      throw e;
    });
    actor = user.username;
    setCookies.push(await startSession(request, user, { method, idToken: verified.idToken }));
    await appendAudit({ actor: user.username, action: "auth.login", object: `user:${user.username}`, details: { authMethod: method, ...(created ? { created: true } : {}) } });
    return { kind: "login", location: flow.returnTo, setCookies };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    const reason = error instanceof OidcError ? error.reason : "invalid";
    const detail = error instanceof OidcError ? error.detail : error.message;
    const sign = started?.purpose === "sign";
    await appendAudit({
      actor: sign ? (await getUser(request))?.username ?? actor : actor,
      action: sign ? "auth.reauthenticate" : "auth.login",
      outcome: "denied",
      details: { authMethod: method, reason, detail },
    });
    const location = sign && started ? withParams(started.returnTo, { signError: reason }) : withParams("/login", { sso: reason, provider: providerId.slice(0, 40) });
    return { kind: "refused", location, setCookies };
  }
}

/** A re-authentication counts only for the same person, in the same session, authenticated after it was asked for. */
async function checkReauthentication(request: Request, flow: Flow, claims: Record<string, unknown>, authTime: number | undefined): Promise<{ user: User; proof: Reauthentication }> {
  const user = await getUser(request);
  if (!user || user.via !== "cookie" || user.sessionId !== flow.sessionId || user.id !== flow.userId) {
    throw new OidcError("session", "the portal session that asked for the signature is no longer the one signed in");
  }
  const identity = user.identity;
  if (identity?.source !== "oidc" || identity.provider !== flow.provider || identity.subject !== claims.sub) {
    throw new OidcError("other-person", `the provider authenticated subject ${String(claims.sub).slice(0, 80)}, not ${user.username}`);
  }
  if (authTime === undefined || authTime < Math.floor(flow.createdAt / 1000) - CLOCK_TOLERANCE_SECONDS) {
    throw new OidcError("not-fresh", authTime === undefined ? "the ID token has no auth_time" : `authenticated at ${new Date(authTime * 1000).toISOString()}, before the signature was asked for`);
  }
  const { sessionId: _s, via: _v, ...plain } = user;
  return { user: plain, proof: { method: `oidc:${flow.provider}`, at: new Date(authTime * 1000).toISOString() } };
}

/**
 * Signs out: the portal session ends; a session started at a provider that
 * offers single logout continues there (with the ID token as hint); otherwise
 * the sign-in page says the provider's session may still be open.
 */
export async function signOutEverywhere(request: Request): Promise<{ location: string; setCookie: string }> {
  const record = await currentSessionRecord(request);
  const setCookie = await signOut(request);
  const method = record?.auth?.method;
  if (!method?.startsWith("oidc:")) return { location: "/login", setCookie };
  const providerId = method.slice(5);
  const url = await endSessionUrl(request, providerId, record?.auth?.idToken);
  if (url) return { location: url, setCookie };
  return { location: withParams("/login", { signedOut: "portal-only", provider: providerId }), setCookie };
}

/** The provider's name for messages (its id when it is no longer configured). */
export function providerLabel(id: string | null): { "zh-CN": string; en: string } | null {
  if (!id) return null;
  const p = getOidcProvider(id);
  if (!p) return { "zh-CN": id, en: id };
  return typeof p.name === "string" ? { "zh-CN": p.name, en: p.name } : p.name;
}

/** A notice on the sign-in page (a catalogue key, and the provider it names). */
export interface SsoNoticeData {
  kind: "error" | "info" | "warn";
  key: string;
  provider: { "zh-CN": string; en: string } | null;
}

const REASONS = new Set<string>([
  "unknown-provider", "unreachable", "expired", "denied", "invalid", "token-expired", "clock", "domain", "disabled",
  "email-in-use", "subject-changed", "claims", "username-taken", "no-department", "session", "other-person", "not-fresh",
]);

export function isRefusalReason(reason: string): boolean {
  return REASONS.has(reason);
}

/** What the sign-in page shows: a button per provider, and why the last company sign-in did not happen or what signing out did. */
export function signInPageExtras(params: URLSearchParams): { providers: ProviderButton[]; notice: SsoNoticeData | null } {
  const providers = providerButtons();
  const provider = providerLabel(params.get("provider")?.slice(0, 40) ?? null);
  const reason = params.get("sso");
  const signedOut = params.get("signedOut");
  let notice: SsoNoticeData | null = null;
  if (reason && REASONS.has(reason)) notice = { kind: "error", key: `oidc.err.${reason}`, provider };
  else if (signedOut === "provider") notice = { kind: "info", key: "oidc.signedOut.provider", provider };
  else if (signedOut === "portal-only") notice = { kind: "warn", key: "oidc.signedOut.portalOnly", provider };
  return { providers, notice };
}
