/**
 * Sign-in sessions: a signed cookie holds a session id, a user id and a CSRF
 * token; the session id must exist in the database (so sign-out, password
 * changes and deactivation end sessions at once). API clients use personal
 * tokens (Authorization: Bearer …) instead.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { refusesDemoPassword } from "./demo-accounts.server";
import { createCookieSessionStorage, createSession, redirect, type Session } from "@remix-run/node";
import { derived, readDb, updateDb } from "~/data/db.server";
import type { Data, SessionRecord, User } from "~/data/schema";
import { getEnv } from "~/utils/env.server";
import { isOwnOrigin } from "~/utils/origin.server";
import { noteUserLocale } from "~/i18n/request-locale.server";
import { DomainError, msg, NotFoundError } from "~/utils/errors.server";
import { appendAudit } from "~/audit/audit.server";
import { dummyVerify, verifyPassword } from "~/org/password.server";
import { getUserById, getUserByUsername } from "~/org/users.server";
import { directorySignIn } from "./external-sign-in.server";
import { recordSignInFailure, recordSignInSuccess, signInWait } from "./rate-limit.server";

const SESSION_HOURS = 12;

type SessionData = { sid: string; uid: string; csrf: string };

let storage: ReturnType<typeof createCookieSessionStorage<SessionData>> | null = null;

function sessionStorage() {
  if (storage) return storage;
  const env = getEnv();
  storage = createCookieSessionStorage<SessionData>({
    cookie: {
      name: "__regula",
      httpOnly: true,
      sameSite: "lax",
      path: "/",
      secrets: [env.sessionSecret],
      secure: env.PUBLIC_URL?.startsWith("https:") ?? false,
      maxAge: SESSION_HOURS * 3600,
    },
  });
  return storage;
}

/**
 * Cookie headers already read: the verified contents of a signed cookie (empty
 * for one that does not verify). A page asks for its
 * session several times (user, CSRF token), and checking the signature is an
 * HMAC each time; the same header always reads the same, so it is read once.
 * (Whether the session is still valid is decided from the database per request.)
 * Bounded: the oldest entries go first.
 */
const readCookies = new Map<string, Partial<SessionData>>();
const READ_COOKIES_MAX = 2000;

async function sessionData(header: string): Promise<Partial<SessionData>> {
  const known = readCookies.get(header);
  if (known) return known;
  const session = await sessionStorage().getSession(header);
  const data = session.data as Partial<SessionData>;
  if (readCookies.size >= READ_COOKIES_MAX) readCookies.delete(readCookies.keys().next().value!);
  readCookies.set(header, data);
  return data;
}

export async function getSession(request: Request): Promise<Session<SessionData>> {
  const header = request.headers.get("Cookie");
  // Without our cookie there is nothing to verify; a fresh session each time.
  if (!header || !header.includes("__regula=")) return sessionStorage().getSession(header);
  const data = await sessionData(header);
  return createSession<SessionData>({ ...data } as SessionData);
}

export async function commitSession(session: Session<SessionData>): Promise<string> {
  return sessionStorage().commitSession(session);
}

/** Returns the session's CSRF token, creating one (and a Set-Cookie header) if needed. */
export async function ensureCsrf(request: Request): Promise<{ csrf: string; setCookie?: string }> {
  const session = await getSession(request);
  let csrf = session.get("csrf");
  if (csrf) return { csrf };
  csrf = randomBytes(24).toString("base64url");
  session.set("csrf", csrf);
  return { csrf, setCookie: await commitSession(session) };
}

/** Sign-in sessions by id (the first of an id, as a scan would find it). */
const sessionsById = derived((data) => {
  const map = new Map<string, Data["sessions"][number]>();
  for (const s of data.sessions) if (!map.has(s.id)) map.set(s.id, s);
  return map;
});

export type AuthUser = User & { sessionId?: string; via: "cookie" | "token" };

/** When a sign-in session ends (ISO time), or null when there is no such session. */
export function sessionExpiresAt(sessionId: string): string | null {
  return sessionsById().get(sessionId)?.expiresAt ?? null;
}

/** The signed-in user (cookie session or API token), or null. */
export async function getUser(request: Request): Promise<AuthUser | null> {
  const auth = request.headers.get("Authorization");
  if (auth?.startsWith("Bearer ")) return userFromToken(auth.slice(7).trim());
  const session = await getSession(request);
  const sid = session.get("sid");
  const uid = session.get("uid");
  if (!sid || !uid) return null;
  const record = sessionsById().get(sid);
  if (record?.userId !== uid) return null;
  if (!record || record.expiresAt < new Date().toISOString()) return null;
  const user = getUserById(uid);
  if (!user || !user.active) return null;
  noteUserLocale(user.locale);
  return { ...user, sessionId: sid, via: "cookie" };
}

/** Requires a signed-in user; redirects pages to /login and answers API calls with 401. */
export async function requireUser(request: Request): Promise<AuthUser> {
  const user = await getUser(request);
  if (user) return user;
  const url = new URL(request.url);
  if (url.pathname.startsWith("/api/")) {
    throw new DomainError("unauthorized", msg("error.apiSignIn"));
  }
  const redirectTo = url.pathname + url.search;
  throw redirect(`/login?redirectTo=${encodeURIComponent(redirectTo)}`);
}

/**
 * Checks a username and password; on success creates a session and returns its cookie.
 * `clientAddress` is where the attempt came from (see origin.server's clientAddress):
 * failures count per address and name, and per address across names.
 */
export async function signIn(
  request: Request,
  username: string,
  password: string,
  clientAddress: string,
): Promise<{ user: User; setCookie: string }> {
  const { wait, limit, nameFailures } = await signInWait(clientAddress, username);
  if (wait > 0) {
    const minutes = Math.ceil(wait / 60);
    await appendAudit({
      actor: username.slice(0, 64) || "anonymous",
      action: "auth.login",
      outcome: "denied",
      details: { reason: limit === "address" ? "rate-limited-address" : "rate-limited", address: clientAddress },
    });
    throw new DomainError("rate_limited", msg(limit === "address" ? "login.rateLimitedAddress" : "login.rateLimited", { minutes }), { retryAfter: wait });
  }
  if (refusesDemoPassword(password)) {
    // A real installation never accepts the published demo password, whoever's account it is (decision 091).
    await dummyVerify(password);
    await recordSignInFailure(clientAddress, username);
    await appendAudit({ actor: username.slice(0, 64) || "anonymous", action: "auth.login", outcome: "denied", details: { reason: "demo-password", address: clientAddress } });
    throw new DomainError("unauthorized", msg("login.demoPassword"));
  }
  let user = getUserByUsername(username);
  let ok = false;
  // Accounts of a company sign-in provider sign in there only, even if a password was ever set here.
  // A company directory decides its own accounts (and names it creates); local accounts keep their password here.
  const directory = directorySignIn();
  const decided = directory ? await directory(username, password, user) : undefined;
  if (decided !== undefined) {
    ok = !!decided && decided.active;
    user = decided ?? user;
  } else if (user && user.active && user.identity?.source !== "oidc") ok = await verifyPassword(password, user.passwordHash);
  else await dummyVerify(password);
  if (!ok || !user) {
    await recordSignInFailure(clientAddress, username);
    await appendAudit({ actor: username.slice(0, 64) || "anonymous", action: "auth.login", outcome: "failed", details: { address: clientAddress } });
    throw new DomainError("unauthorized", msg("login.failed"));
  }
  await recordSignInSuccess(clientAddress, username, nameFailures);
  const setCookie = await startSession(request, user);
  await appendAudit({ actor: user.username, action: "auth.login", object: `user:${user.username}` });
  return { user, setCookie };
}

/**
 * Creates a sign-in session for a person already identified (password above, or a
 * company sign-in with `auth` saying how) and returns its cookie.
 */
export async function startSession(request: Request, user: Pick<User, "id">, auth?: SessionRecord["auth"]): Promise<string> {
  const sid = randomUUID();
  const now = new Date();
  await updateDb((data) => {
    const nowIso = now.toISOString();
    data.sessions = data.sessions.filter((s) => s.expiresAt > nowIso);
    data.sessions.push({
      id: sid,
      userId: user.id,
      createdAt: nowIso,
      expiresAt: new Date(now.getTime() + SESSION_HOURS * 3600_000).toISOString(),
      ...(auth ? { auth } : {}),
    });
  });
  const session = await getSession(request);
  session.set("sid", sid);
  session.set("uid", user.id);
  session.set("csrf", randomBytes(24).toString("base64url"));
  return commitSession(session);
}

/** The stored sign-in session of a request (how the person signed in), if it is still valid. */
export async function currentSessionRecord(request: Request): Promise<SessionRecord | undefined> {
  const session = await getSession(request);
  const sid = session.get("sid");
  const record = sid ? sessionsById().get(sid) : undefined;
  if (!record || record.userId !== session.get("uid") || record.expiresAt < new Date().toISOString()) return undefined;
  return record;
}

/** Ends the session (server side and cookie). */
export async function signOut(request: Request): Promise<string> {
  const session = await getSession(request);
  const sid = session.get("sid");
  const uid = session.get("uid");
  if (sid) {
    await updateDb((data) => {
      data.sessions = data.sessions.filter((s) => s.id !== sid);
    });
    const user = uid ? getUserById(uid) : undefined;
    await appendAudit({ actor: user?.username ?? "anonymous", action: "auth.logout", object: user ? `user:${user.username}` : "" });
  }
  return sessionStorage().destroySession(session);
}

// ---- CSRF -----------------------------------------------------------------

function sameToken(a: string, b: string) {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Refuses cross-site state changes: the Origin (or Referer) must be this site,
 * and cookie-authenticated forms must carry the session's CSRF token.
 */
export async function assertSameOrigin(request: Request, form?: FormData): Promise<void> {
  const url = new URL(request.url);
  const origin = request.headers.get("Origin") ?? request.headers.get("Referer");
  if (origin && !isOwnOrigin(origin, (name) => request.headers.get(name), url.host)) {
    throw new DomainError("forbidden", msg("error.crossSite"));
  }
  if (request.headers.get("Authorization")?.startsWith("Bearer ")) return;
  const session = await getSession(request);
  const expected = session.get("csrf");
  let given: string | null = null;
  if (form) given = (form.get("_csrf") as string | null) ?? null;
  given ??= request.headers.get("X-CSRF-Token");
  if (!expected || !given || !sameToken(expected, String(given))) {
    throw new DomainError("forbidden", msg("error.csrf"));
  }
}

// ---- API tokens -----------------------------------------------------------

function sha256(s: string) {
  return createHash("sha256").update(s).digest("hex");
}

/** Creates a personal API token; the secret is returned once and only its hash is stored. */
export async function createApiToken(userId: string, label: string): Promise<{ id: string; token: string }> {
  const id = randomBytes(6).toString("hex");
  const secret = randomBytes(24).toString("base64url");
  const token = `rg_${id}_${secret}`;
  await updateDb((data) => {
    data.apiTokens.push({
      id,
      userId,
      label: label.trim().slice(0, 60) || "API token",
      hash: sha256(token),
      prefix: `rg_${id}`,
      createdAt: new Date().toISOString(),
    });
  });
  return { id, token };
}

export async function revokeApiToken(userId: string, id: string): Promise<void> {
  await updateDb((data) => {
    const before = data.apiTokens.length;
    data.apiTokens = data.apiTokens.filter((t) => !(t.id === id && t.userId === userId));
    if (before === data.apiTokens.length) throw new NotFoundError(msg("profile.err.noToken"));
  });
}

export function listApiTokens(userId: string) {
  return readDb()
    .apiTokens.filter((t) => t.userId === userId)
    .map(({ hash: _hash, ...t }) => t);
}

function userFromToken(token: string): AuthUser | null {
  const m = /^rg_([0-9a-f]{12})_[A-Za-z0-9_-]{20,}$/.exec(token);
  if (!m) return null;
  const record = readDb().apiTokens.find((t) => t.id === m[1]);
  if (!record || !sameToken(record.hash, sha256(token))) return null;
  const user = getUserById(record.userId);
  if (!user || !user.active) return null;
  return { ...user, via: "token" };
}

export function resetSessionForTests() {
  storage = null;
}
