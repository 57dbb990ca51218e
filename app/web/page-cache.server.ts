/**
 * Rendered pages kept for their data (decision 105).
 *
 * A page is a function of its loaders' data, its address and the build; only
 * a few values in it belong to the request rather than to that data: the CSP
 * nonce, the CSRF token and the signed-in reader's own fields (name, username,
 * …) from the root loader. For the daily reader pages (`PAGES`),
 * scripts/serve.mjs first calls `cachedPage`, which runs the page's loaders as
 * the framework would (with their side effects: "opened" for acknowledgement,
 * session checks) and looks the result up by a hash of
 *   build · address · every loader's data with the reader's own values blanked · the article HTML.
 * On a hit the stored page is filled with this request's values, escaped for
 * where each stands (HTML text or attribute, or the hydration script), and sent
 * with a new nonce. On a miss the framework renders the page once with marker
 * values in those places (`pageShell` in the root loader, `renderTemplate` in
 * entry.server.tsx); the result is kept, then filled like a hit.
 *
 * Because the key is the data itself, anything that changes what a reader
 * would see (a publish, a grant or revocation, an acknowledgement, a new
 * notice, another unread count) gives another key: nothing has to be
 * invalidated by hand, and a reader can only ever receive a page rendered from
 * exactly the data their own loaders produced. Old entries leave by least
 * recent use within PAGE_CACHE_MB.
 */
import { createHash, randomBytes } from "node:crypto";
import type { AppLoadContext, ServerBuild } from "@remix-run/node";
import { matchRoutes } from "@remix-run/react";
import { nextGrantExpiry } from "~/access/policy.server";
import { sessionExpiresAt } from "~/access/session.server";
import { dataGeneration } from "~/data/db.server";
import { changeCount } from "~/utils/changes.server";
import { dayOf, now } from "~/utils/clock.server";
import { getEnv } from "~/utils/env.server";
import { securityHeaderList, securityHeaders } from "~/utils/headers.server";

/** The pages whose rendering is kept: leaf route ids. */
// Search results are among them: a repeated search is answered with the result kept for the reader's
// read class and the time its search took (search.server.ts), so its data, and so its key, repeats.
const PAGES = new Set(["routes/docs.$number._index", "routes/_index", "routes/categories.$code", "routes/docs.$number.history", "routes/search"]);

/** What a page's request carries in its load context while the page cache handles it. */
export interface PageCacheContext {
  pageCache?: {
    /** The framework renders this request as a template (a miss). */
    template: boolean;
    /** The reader's own values, by slot path, kept by `pageShell`. */
    values?: Map<string, string>;
    /** What each loader returned when `cachedPage` ran it, handed to the framework's own call. */
    results?: Map<unknown, unknown>;
    /** The state of the world when the loaders started (for the early path). */
    started?: WorldStamp;
  };
  articles?: Map<string, string>;
  /** This request's key in the early path (`earlyKey`), set by scripts/serve.mjs. */
  earlyKey?: string;
}

// Markers for the reader's own values while a template renders: letters and digits only, so they
// pass unchanged through HTML escaping and both JSON encodings of the hydration script. The
// random part is never sent: every template is filled before it leaves.
const TOKEN = randomBytes(9).toString("hex");
const MARK = `Rgs${TOKEN}`;
const NONCE_MARK = `${MARK}N0N`;
const MARK_RE = new RegExp(`${MARK}(?:X(\\d+)X|N0N)`, "g");

interface Entry {
  /** Text between the slots; parts.length === slots.length + 1. */
  parts: string[];
  slots: { name: string | null; script: boolean }[];
  headers: [string, string][];
  bytes: number;
}

const cache = new Map<string, Entry>();
let cachedBytes = 0;
const stats = { hits: 0, misses: 0, stored: 0, early: 0, earlyKept: 0 };

function limitBytes(): number {
  return getEnv().PAGE_CACHE_MB * 1024 * 1024;
}

/** How the cache is doing (for /healthz details and tests). */
export function pageCacheStats() {
  return { entries: cache.size, bytes: cachedBytes, ...stats };
}

export function clearPageCache() {
  cache.clear();
  cachedBytes = 0;
  memos.clear();
}

// ---------------------------------------------------------------------------
// The reader's own values in the root loader's data

/**
 * Paths of the reader's own values in the shell data: the CSRF token and every
 * non-empty string of the signed-in user (name, username, email, department,
 * session, …), but not the roles, which decide what the page shows and so stay
 * in the key. Empty strings stay too: React renders an empty text differently.
 */
function eachOwnValue(shell: unknown, visit: (path: string, value: string) => string): unknown {
  if (!shell || typeof shell !== "object" || Array.isArray(shell)) return shell;
  const root = { ...(shell as Record<string, unknown>) };
  if (typeof root.csrf === "string" && root.csrf) root.csrf = visit("csrf", root.csrf);
  const walk = (value: unknown, path: string): unknown => {
    if (typeof value === "string") return value ? visit(path, value) : value;
    if (!value || typeof value !== "object" || Array.isArray(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = k === "roles" ? v : walk(v, `${path}.${k}`);
    return out;
  };
  if (root.user && typeof root.user === "object") root.user = walk(root.user, "user");
  return root;
}

/**
 * Called by the root loader with the shell data it is about to return. On a
 * template render it keeps the reader's own values and returns the shell with
 * markers in their places; otherwise the shell unchanged.
 */
export function pageShell<T>(context: AppLoadContext | undefined, shell: T): T {
  const state = (context as PageCacheContext | undefined)?.pageCache;
  if (!state?.template) return shell;
  const values = new Map<string, string>();
  const names: string[] = [];
  const marked = eachOwnValue(shell, (path, value) => {
    values.set(path, value);
    names.push(path);
    return `${MARK}X${names.length - 1}X`;
  });
  state.values = values;
  slotNames.set(state, names);
  return marked as T;
}
const slotNames = new WeakMap<object, string[]>();

// ---------------------------------------------------------------------------
// The key

/**
 * A canonical text of loader data, or null when it holds something whose
 * rendering a plain walk cannot vouch for (a promise, a Map, a class instance).
 */
function canonical(value: unknown, out: string[]): boolean {
  if (value === null) out.push("n");
  else if (value === undefined) out.push("u");
  else if (typeof value === "string") out.push(JSON.stringify(value));
  else if (typeof value === "number" || typeof value === "boolean") out.push(`${(typeof value)[0]}${String(value)}`);
  else if (Array.isArray(value)) {
    out.push("[");
    for (const v of value) {
      if (!canonical(v, out)) return false;
      out.push(",");
    }
    out.push("]");
  } else if (value instanceof Date) out.push(`D${value.toISOString()}`);
  else if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    out.push("{");
    for (const [k, v] of Object.entries(value)) {
      out.push(JSON.stringify(k), ":");
      if (!canonical(v, out)) return false;
      out.push(",");
    }
    out.push("}");
  } else return false;
  return true;
}

const BLANK = "\u0000own";

export interface RouteData {
  id: string;
  data: unknown;
  /** Headers the loader asked for (Cache-Control: no-store on restricted pages). */
  headers?: Headers;
}

function pageKey(version: string, url: URL, routes: RouteData[], articles: Map<string, string> | undefined): string | null {
  const out: string[] = [version, "\n", url.pathname, "\n", url.search, "\n"];
  for (const r of routes) {
    out.push(r.id, "=");
    const data = r.id === "root" ? eachOwnValue(r.data, () => BLANK) : r.data;
    if (!canonical(data ?? null, out)) return null;
    r.headers?.forEach((value, name) => out.push(" ", name, ":", value));
    out.push("\n");
  }
  if (articles) for (const [k, html] of [...articles].sort(([a], [b]) => (a < b ? -1 : 1))) out.push(k, "=", html, "\n");
  return createHash("sha256").update(out.join("")).digest("base64");
}

// ---------------------------------------------------------------------------
// Filling a template

const HTML_ESCAPES: Record<string, string> = { '"': "&quot;", "&": "&amp;", "'": "&#x27;", "<": "&lt;", ">": "&gt;" };
/** As React escapes text and attribute values. */
function escapeForHtml(value: string): string {
  return value.replace(/["&'<>]/g, (c) => HTML_ESCAPES[c]);
}
const SCRIPT_ESCAPES: Record<string, string> = { "&": "\\u0026", ">": "\\u003e", "<": "\\u003c", "\u2028": "\\u2028", "\u2029": "\\u2029" };
/**
 * As a string inside the hydration script: turbo-stream writes it as JSON, the framework writes
 * that text as a JSON string inside a script and escapes what could end the script.
 */
function escapeForScript(value: string): string {
  const once = JSON.stringify(value).slice(1, -1);
  const twice = JSON.stringify(once).slice(1, -1);
  return twice.replace(/[&<>\u2028\u2029]/g, (c) => SCRIPT_ESCAPES[c]);
}

function makeEntry(html: string, names: string[], headers: Headers): Entry {
  const parts: string[] = [];
  const slots: Entry["slots"] = [];
  let last = 0;
  let scriptOpen = -1;
  let scriptClose = -1;
  for (const m of html.matchAll(MARK_RE)) {
    const at = m.index!;
    scriptOpen = html.lastIndexOf("<script", at);
    scriptClose = html.lastIndexOf("</script", at);
    parts.push(html.slice(last, at));
    const name = m[1] === undefined ? null : (names[Number(m[1])] ?? "");
    slots.push({ name, script: scriptOpen > scriptClose });
    last = at + m[0].length;
  }
  parts.push(html.slice(last));
  const kept: [string, string][] = [];
  headers.forEach((value, name) => {
    if (name !== "content-security-policy" && name !== "set-cookie") kept.push([name, value]);
  });
  return { parts, slots, headers: kept, bytes: html.length * 2 + 256 };
}

function fill(entry: Entry, values: Map<string, string>, nonce: string): string {
  const out: string[] = [entry.parts[0]];
  for (let i = 0; i < entry.slots.length; i++) {
    const slot = entry.slots[i];
    if (slot.name === null) out.push(nonce);
    else {
      const value = values.get(slot.name) ?? "";
      out.push(slot.script ? escapeForScript(value) : escapeForHtml(value));
    }
    out.push(entry.parts[i + 1]);
  }
  return out.join("");
}

function remember(key: string, entry: Entry) {
  const limit = limitBytes();
  if (entry.bytes > limit / 4) return;
  const old = cache.get(key);
  if (old) cachedBytes -= old.bytes;
  cache.delete(key);
  cache.set(key, entry);
  cachedBytes += entry.bytes;
  stats.stored++;
  for (const [k, e] of cache) {
    if (cachedBytes <= limit) break;
    cache.delete(k);
    cachedBytes -= e.bytes;
  }
}

function answerHeaders(entry: Entry, nonce: string): Headers {
  const headers = new Headers(entry.headers);
  securityHeaders(headers, nonce);
  return headers;
}

// ---------------------------------------------------------------------------
// The two paths

type RouteTree = Parameters<typeof matchRoutes>[0];
const trees = new WeakMap<object, RouteTree>();

function routeTree(build: ServerBuild): RouteTree {
  let tree = trees.get(build.routes);
  if (tree) return tree;
  const byParent = new Map<string | undefined, ServerBuild["routes"][string][]>();
  for (const r of Object.values(build.routes)) {
    const list = byParent.get(r.parentId) ?? [];
    list.push(r);
    byParent.set(r.parentId, list);
  }
  const make = (parent: string | undefined): RouteTree =>
    (byParent.get(parent) ?? []).map((r) =>
      r.index ? { id: r.id, path: r.path, index: true as const, caseSensitive: r.caseSensitive } : { id: r.id, path: r.path, caseSensitive: r.caseSensitive, children: make(r.id) },
    );
  tree = make(undefined);
  trees.set(build.routes, tree);
  return tree;
}

function isDataWithInit(value: unknown): value is { data: unknown; init: ResponseInit | null } {
  return !!value && typeof value === "object" && (value as { type?: string }).type === "DataWithResponseInit";
}

export interface CachedAnswer {
  status: number;
  headers: Headers;
  body: string;
}

/**
 * The page from the cache, filled for this request, or null: the framework
 * answers (not a cached kind of page, a redirect or error, a new cookie to
 * set, or a miss — then `context.pageCache.template` asks it to render the
 * template).
 */
export async function cachedPage(build: ServerBuild, request: Request, context: AppLoadContext): Promise<CachedAnswer | null> {
  if (request.method !== "GET" || limitBytes() <= 0) return null;
  const url = new URL(request.url);
  if (url.pathname.endsWith(".data") || url.searchParams.has("_data")) return null;
  const matches = matchRoutes(routeTree(build), url.pathname);
  if (!matches?.length || !PAGES.has(matches[matches.length - 1].route.id ?? "")) return null;
  const started = worldStamp();
  const routes: RouteData[] = [];
  const results = new Map<unknown, unknown>();
  for (const m of matches) {
    const id = m.route.id ?? "";
    const loader = build.routes[id]?.module.loader;
    const route: RouteData = { id, data: null };
    routes.push(route);
    if (!loader) continue;
    let result: unknown;
    try {
      result = await loader({ request, params: m.params, context });
    } catch {
      return null;
    }
    if (result instanceof Response) return null;
    results.set(loader, result);
    if (isDataWithInit(result)) {
      const init = result.init;
      if ((init?.status ?? 200) !== 200) return null;
      if (init?.headers) {
        route.headers = new Headers(init.headers);
        if (route.headers.has("set-cookie")) return null;
      }
      result = result.data;
    }
    route.data = result;
  }
  const ctx = context as PageCacheContext;
  const key = pageKey(build.assets.version, url, routes, ctx.articles);
  if (!key) return null;
  const entry = cache.get(key);
  if (!entry) {
    stats.misses++;
    ctx.pageCache = { template: true, results, started };
    return null;
  }
  stats.hits++;
  cache.delete(key);
  cache.set(key, entry);
  const values = new Map<string, string>();
  eachOwnValue(routes[0]?.id === "root" ? routes[0].data : null, (path, value) => {
    values.set(path, value);
    return value;
  });
  rememberForEarly(ctx, key, values, routes[0]?.id === "root" ? routes[0].data : null, started);
  const nonce = randomBytes(16).toString("base64");
  return { status: 200, headers: answerHeaders(entry, nonce), body: fill(entry, values, nonce) };
}

/**
 * For the route wrapper (`page` in http.server.ts): on a miss, the result the
 * page cache's own run of this loader gave, so that the framework's run does
 * not load (and record) everything a second time.
 */
export function takeLoaderResult(context: unknown, loader: unknown): { found: boolean; result?: unknown } {
  const results = (context as PageCacheContext | undefined)?.pageCache?.results;
  if (!results?.has(loader)) return { found: false };
  const result = results.get(loader);
  results.delete(loader);
  return { found: true, result };
}

/** The nonce a template is rendered with (replaced by each request's own). */
export function templateNonce(context: AppLoadContext | undefined): string | null {
  const state = (context as PageCacheContext | undefined)?.pageCache;
  return state?.template && state.values ? NONCE_MARK : null;
}

/**
 * After the framework rendered a template (a miss): keeps it under the key of
 * the data it was rendered from and returns the page filled for this request.
 */
export function keepTemplate(
  args: { version: string; url: string; routes: RouteData[]; context: AppLoadContext | undefined; keep: boolean },
  html: string,
  headers: Headers,
): { html: string; headers: Headers } {
  const ctx = args.context as PageCacheContext;
  const state = ctx.pageCache!;
  const names = slotNames.get(state) ?? [];
  const values = state.values ?? new Map<string, string>();
  const entry = makeEntry(html, names, headers);
  const key = pageKey(args.version, new URL(args.url), args.routes, ctx.articles);
  if (args.keep && key && PAGES.has(args.routes[args.routes.length - 1]?.id) && !headers.has("set-cookie")) {
    remember(key, entry);
    if (state.started) rememberForEarly(ctx, key, values, args.routes[0]?.id === "root" ? args.routes[0].data : null, state.started);
  }
  const nonce = randomBytes(16).toString("base64");
  return { html: fill(entry, values, nonce), headers: answerHeaders(entry, nonce) };
}

// ---------------------------------------------------------------------------
// The early path (decision 127)
//
// A reader who asks again for a page they were just served, while nothing has
// changed, gets it before any routing: scripts/serve.mjs asks `earlyPage` with
// the request's address and headers, and the answer is the kept rendering
// filled with this reader's values and a new nonce. No Request object, no
// loaders. What makes that safe is what the answer is looked up by and how
// long it is trusted:
// - the key is the exact address, Host, language preference and Cookie header
//   (so only the same signed session cookie finds it);
// - it was made by a full run of the page's loaders for that same key, during
//   which nothing at all changed (no write, no audit entry — a restricted view
//   is written to the audit log, so such a page is never kept here; no
//   "opened" record — that first visit writes one);
// - it is used only while nothing has changed since (the change count and the
//   database generation), and never past the earliest of: the session's end,
//   the reader's next grant expiry, the next day in the company's time zone,
//   and EARLY_MAX_MS after it was made (time-driven notices: overdue flags).

/** How long a reader's page is answered early without running its loaders again. */
const EARLY_MAX_MS = 5_000;
const EARLY_MAX_ENTRIES = 5_000;

interface WorldStamp {
  changes: number;
  data: number;
  at: number;
}

interface Memo {
  /** The kept rendering's key. */
  key: string;
  values: Map<string, string>;
  changes: number;
  data: number;
  until: number;
}

const memos = new Map<string, Memo>();

function worldStamp(): WorldStamp {
  return { changes: changeCount(), data: dataGeneration(), at: now().getTime() };
}

type HeaderValue = string | string[] | undefined;

/**
 * The early path's key for a request, or null when the request cannot be
 * answered early (no session cookie, or an Authorization header).
 */
export function earlyKey(target: string, headers: Record<string, HeaderValue>): string | null {
  const cookie = headers.cookie;
  if (typeof cookie !== "string" || !cookie.includes("__regula=") || headers.authorization !== undefined) return null;
  const one = (v: HeaderValue) => (Array.isArray(v) ? v.join(", ") : (v ?? ""));
  return [target, one(headers.host), one(headers["x-forwarded-host"]), one(headers["x-forwarded-proto"]), one(headers["accept-language"]), cookie].join("\n");
}

/** The start of the next day in the company's time zone after `at` (ms), found to the second. */
function nextDayStart(at: number): number {
  const day = dayOf(new Date(at));
  let low = at;
  let high = at + 26 * 3_600_000;
  if (dayOf(new Date(high)) === day) return high;
  while (high - low > 1_000) {
    const mid = Math.floor((low + high) / 2);
    if (dayOf(new Date(mid)) === day) low = mid;
    else high = mid;
  }
  return low;
}

function rememberForEarly(ctx: PageCacheContext, key: string, values: Map<string, string>, shell: unknown, started: WorldStamp) {
  const memoKey = ctx.earlyKey;
  if (!memoKey || !cache.has(key)) return;
  // Nothing may have changed while the loaders ran (their own writes included).
  if (changeCount() !== started.changes || dataGeneration() !== started.data) return;
  const user = (shell as { user?: { id?: unknown; sessionId?: unknown; via?: unknown } | null } | null)?.user;
  if (!user || user.via !== "cookie" || typeof user.id !== "string" || typeof user.sessionId !== "string") return;
  const ends = sessionExpiresAt(user.sessionId);
  if (!ends) return;
  const grant = nextGrantExpiry(user.id, new Date(started.at));
  let until = Math.min(started.at + EARLY_MAX_MS, Date.parse(ends), nextDayStart(started.at));
  if (grant) until = Math.min(until, Date.parse(grant));
  if (!(until > now().getTime())) return;
  memos.delete(memoKey);
  if (memos.size >= EARLY_MAX_ENTRIES) {
    const t = now().getTime();
    for (const [k, m] of memos) if (m.until <= t || m.changes !== started.changes || m.data !== started.data) memos.delete(k);
    while (memos.size >= EARLY_MAX_ENTRIES) memos.delete(memos.keys().next().value!);
  }
  memos.set(memoKey, { key, values, changes: started.changes, data: started.data, until });
  stats.earlyKept++;
}

export interface EarlyAnswer {
  status: number;
  headers: [string, string][];
  body: string;
}

/**
 * The page for a request the same reader made a moment ago, when nothing has
 * changed since: the kept rendering with their values and a new nonce. Null
 * otherwise (the request goes on to the framework and the page cache).
 */
export function earlyPage(key: string): EarlyAnswer | null {
  const memo = memos.get(key);
  if (!memo) return null;
  if (memo.changes !== changeCount() || memo.data !== dataGeneration() || now().getTime() >= memo.until || limitBytes() <= 0) {
    memos.delete(key);
    return null;
  }
  const entry = cache.get(memo.key);
  if (!entry) {
    memos.delete(key);
    return null;
  }
  stats.early++;
  const nonce = randomBytes(16).toString("base64");
  const headers: [string, string][] = [...entry.headers, ...securityHeaderList(nonce)];
  if (!entry.headers.some(([name]) => name === "cache-control")) headers.push(["Cache-Control", "private, no-cache"]);
  return { status: 200, headers, body: fill(entry, memo.values, nonce) };
}
