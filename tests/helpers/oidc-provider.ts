/**
 * OpenID providers for the company sign-in tests, on localhost:
 * - `startTestProvider`: a real provider (the `oidc-provider` package) with
 *   test clients that must use PKCE, test people with passwords, and a plain
 *   sign-in form of our own (no JavaScript needed); it can be stopped and
 *   started again on the same port (a provider that is down).
 * - `startRogueProvider`: a small hand-made provider for what a real one
 *   cannot be made to do (a tampered, expired or wrongly addressed ID token, a
 *   wrong nonce, a clock running ahead, an oversized answer). Named as such:
 *   it is a fake, used only for those cases.
 */
import { createHash, generateKeyPairSync, randomBytes, sign as rsaSign, type KeyObject } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
// The package has no type declarations; the few calls used here are typed below.
// @ts-expect-error no types shipped
import ProviderModule from "oidc-provider";

export interface TestPerson {
  /** What the person types at the provider. */
  login: string;
  password: string;
  /** The stable subject (`sub`). */
  sub: string;
  claims: Record<string, unknown>;
}

export interface TestClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
  post_logout_redirect_uris?: string[];
}

export interface TestProvider {
  issuer: string;
  port: number;
  people: Map<string, TestPerson>;
  /** Sign-in forms completed (each prompt=login re-authentication counts). */
  logins: number;
  /** Logouts confirmed at the end-session endpoint. */
  logouts: number;
  stop: () => Promise<void>;
  start: () => Promise<void>;
}

function escapeHtml(s: string) {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function readBody(req: http.IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

function loginPage(uid: string, error = "") {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Test provider sign-in</title></head><body>
<h1>Test provider</h1>${error ? `<p id="op-error">${escapeHtml(error)}</p>` : ""}
<form method="post" action="/interaction/${escapeHtml(uid)}">
<label>Login <input id="op-login" name="login" autocomplete="username"></label>
<label>Password <input id="op-password" name="password" type="password"></label>
<button id="op-submit" type="submit">Sign in</button></form></body></html>`;
}

/** Starts a real OpenID provider on `port` (take one from freePort()). */
export async function startTestProvider(options: { port: number; clients: TestClient[]; people: TestPerson[] }): Promise<TestProvider> {
  const issuer = `http://127.0.0.1:${options.port}`;
  const people = new Map(options.people.map((p) => [p.login, p]));
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = { ...(privateKey.export({ format: "jwk" }) as Record<string, unknown>), kid: "test-1", use: "sig", alg: "RS256" };
  const Provider = ProviderModule as new (issuer: string, config: Record<string, unknown>) => any;
  const state = { logins: 0, logouts: 0 };
  const simplePage = (title: string, body: string) =>
    `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body>${body}</body></html>`;
  const provider = new Provider(issuer, {
    clients: options.clients.map((c) => ({ ...c, grant_types: ["authorization_code"], response_types: ["code"], token_endpoint_auth_method: "client_secret_basic" })),
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(16).toString("hex")] },
    pkce: { required: () => true },
    scopes: ["openid", "profile", "email", "org"],
    claims: { openid: ["sub"], profile: ["name", "preferred_username"], email: ["email", "email_verified"], org: ["department", "groups"] },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx: any, form: string) => {
          ctx.body = simplePage("Sign out", `${form}<button id="op-logout" type="submit" form="op.logoutForm" value="yes" name="logout">Sign out</button>`);
        },
        postLogoutSuccessSource: async (ctx: any) => {
          ctx.body = simplePage("Signed out", "<p>Signed out</p>");
        },
      },
    },
    renderError: async (ctx: any, out: Record<string, string>) => {
      ctx.type = "html";
      ctx.body = simplePage("Error", `<p id="op-error">${escapeHtml(`${out.error}: ${out.error_description ?? ""}`)}</p>`);
    },
    findAccount: async (_ctx: unknown, sub: string) => {
      const person = [...people.values()].find((p) => p.sub === sub);
      if (!person) return undefined;
      return { accountId: sub, claims: async () => ({ sub, ...person.claims }) };
    },
    interactions: { url: async (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    ttl: { Session: 3600, Interaction: 600, Grant: 3600, AccessToken: 600, AuthorizationCode: 60, IdToken: 600 },
  });
  provider.on("end_session.success", () => state.logouts++);
  const callback = provider.callback();

  async function finish(req: http.IncomingMessage, res: http.ServerResponse, accountId: string | undefined) {
    const details = await provider.interactionDetails(req, res);
    const account = accountId ?? details.session?.accountId;
    // A grant belongs to one person: someone else signing in on this browser gets their own.
    let grant = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
    if (!grant || grant.accountId !== account) grant = new provider.Grant({ accountId: account, clientId: details.params.client_id });
    grant.addOIDCScope(String(details.params.scope));
    const missing = details.prompt?.details?.missingOIDCClaims as string[] | undefined;
    if (missing?.length) grant.addOIDCClaims(missing);
    const grantId = await grant.save();
    const result: Record<string, unknown> = { consent: { grantId } };
    if (accountId) result.login = { accountId };
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  }

  const server = http.createServer(async (req, res) => {
    if (req.url === "/favicon.ico") {
      res.writeHead(204);
      return res.end();
    }
    const m = /^\/interaction\/([\w-]+)$/.exec((req.url ?? "").split("?")[0]);
    if (!m) return callback(req, res);
    try {
      const details = await provider.interactionDetails(req, res);
      if (req.method === "GET") {
        // Consent is given by the company for its own portal: only a sign-in is asked.
        if (details.prompt.name === "consent") return await finish(req, res, undefined);
        res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
        return res.end(loginPage(m[1]));
      }
      const form = await readBody(req);
      const person = people.get(form.get("login") ?? "");
      if (!person || person.password !== form.get("password")) {
        res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
        return res.end(loginPage(m[1], "Wrong login or password"));
      }
      state.logins++;
      await finish(req, res, person.sub);
    } catch (error) {
      res.writeHead(500, { "Content-Type": "text/plain" });
      res.end(String(error));
    }
  });

  const listen = () => new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", () => resolve());
  });
  await listen();
  return {
    issuer,
    port: options.port,
    people,
    get logins() {
      return state.logins;
    },
    get logouts() {
      return state.logouts;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
    start: listen,
  } as TestProvider;
}

// ---- the hand-made provider for misbehaviour ---------------------------------

export type RogueMode = "good" | "tamper" | "nonce" | "expired" | "issuer" | "audience" | "skew" | "huge" | "unsigned";

export interface RogueProvider {
  issuer: string;
  /** What the next token answer gets wrong. */
  mode: RogueMode;
  /** For "skew" (and "good"): how far this provider's clock runs ahead, in seconds. */
  skewSeconds: number;
  /** Claims of the person it signs in. */
  claims: Record<string, unknown>;
  /** Token requests answered. */
  tokenRequests: number;
  stop: () => Promise<void>;
}

function b64url(data: Buffer | string) {
  return Buffer.from(data).toString("base64url");
}

function signJwt(payload: Record<string, unknown>, key: KeyObject, kid: string): string {
  const input = `${b64url(JSON.stringify({ alg: "RS256", typ: "JWT", kid }))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${b64url(rsaSign("sha256", Buffer.from(input), key))}`;
}

/** Starts the hand-made provider; it signs in whoever asks, as `claims`, with the defect `mode` says. */
export async function startRogueProvider(options: { clientId: string; claims: Record<string, unknown> }): Promise<RogueProvider> {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = "rogue-1";
  const codes = new Map<string, { nonce: string; challenge: string; redirect: string }>();
  const rogue = { mode: "good" as RogueMode, skewSeconds: 0, claims: options.claims, tokenRequests: 0 };
  let issuer = "";
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", issuer);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === "/.well-known/openid-configuration") {
      return json(200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ["code"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256"],
        code_challenge_methods_supported: ["S256"],
      });
    }
    if (url.pathname === "/jwks") return json(200, { keys: [{ ...(publicKey.export({ format: "jwk" }) as object), kid, use: "sig", alg: "RS256" }] });
    if (url.pathname === "/authorize") {
      const code = randomBytes(12).toString("hex");
      codes.set(code, { nonce: url.searchParams.get("nonce") ?? "", challenge: url.searchParams.get("code_challenge") ?? "", redirect: url.searchParams.get("redirect_uri") ?? "" });
      const back = new URL(url.searchParams.get("redirect_uri") ?? "");
      back.searchParams.set("code", code);
      back.searchParams.set("state", url.searchParams.get("state") ?? "");
      res.writeHead(302, { Location: back.href });
      return res.end();
    }
    if (url.pathname === "/token" && req.method === "POST") {
      rogue.tokenRequests++;
      const form = await readBody(req);
      const grant = codes.get(form.get("code") ?? "");
      codes.delete(form.get("code") ?? "");
      const verifier = form.get("code_verifier") ?? "";
      if (!grant || createHash("sha256").update(verifier).digest("base64url") !== grant.challenge) return json(400, { error: "invalid_grant" });
      const now = Math.floor(Date.now() / 1000) + (rogue.mode === "skew" || rogue.mode === "good" ? rogue.skewSeconds : 0);
      const claims: Record<string, unknown> = {
        iss: rogue.mode === "issuer" ? `${issuer}/someone-else` : issuer,
        aud: rogue.mode === "audience" ? "another-client" : options.clientId,
        sub: "rogue-person",
        iat: rogue.mode === "expired" ? now - 7200 : now,
        exp: rogue.mode === "expired" ? now - 3600 : now + 600,
        auth_time: now,
        nonce: rogue.mode === "nonce" ? "not-the-nonce-that-was-sent" : grant.nonce,
        ...rogue.claims,
      };
      if (rogue.mode === "huge") claims.groups = Array.from({ length: 20_000 }, (_, i) => `group-with-a-long-name-${i}`);
      let idToken = signJwt(claims, privateKey, kid);
      if (rogue.mode === "tamper") {
        // The payload is changed after signing (someone edits the name in transit): the signature no longer matches.
        const [h, , s] = idToken.split(".");
        idToken = `${h}.${b64url(JSON.stringify({ ...claims, name: "Someone Else", groups: ["regula-admins"] }))}.${s}`;
      }
      if (rogue.mode === "unsigned") {
        const [, p] = idToken.split(".");
        idToken = `${b64url(JSON.stringify({ alg: "none", typ: "JWT" }))}.${p}.`;
      }
      return json(200, { access_token: randomBytes(16).toString("hex"), token_type: "Bearer", expires_in: 600, id_token: idToken });
    }
    json(404, { error: "not_found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(rogue, {
    issuer,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
