#!/usr/bin/env node
// Serves a production build: `node scripts/serve.mjs build/server/index.js`.
//
// Like remix-serve (compression, immutable assets, request log), plus two
// things the portal needs from its HTTP server:
// - a cross-site form post (Origin not this site) is answered 403 with a
//   readable page or JSON and written to the audit log; the framework's own
//   check would answer an empty 500;
// - SIGTERM/SIGINT stop promptly: idle keep-alive connections are closed at
//   once and requests still running get a grace period.
import cluster from "node:cluster";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import url from "node:url";
import { createRequestHandler } from "@remix-run/express";
import { installGlobals } from "@remix-run/node";
import compression from "compression";
import express from "express";
import { trackConnections } from "./connections.mjs";
import { requestLog } from "./request-log.mjs";
import { runPrimary, workerCount } from "./workers.mjs";

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);
function setting(name, fallback, valid, what) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!valid(raw)) {
    console.error(`[regula] ${name}=${raw} is not ${what}`);
    process.exit(2);
  }
  return raw;
}
const GRACE_MS = Number(setting("SHUTDOWN_GRACE_MS", "10000", (v) => /^\d{1,7}$/.test(v), "a number of milliseconds"));
const REQUEST_LOG = setting("REQUEST_LOG", "1", (v) => v === "0" || v === "1", "0 or 1");
const COMPRESSION = setting("COMPRESSION", "1", (v) => v === "0" || v === "1", "0 or 1");
const PORT = Number(setting("PORT", "3000", (v) => /^\d{1,5}$/.test(v) && Number(v) < 65536, "a port number (0–65535)"));

// WORKERS=N: this process forks N servers sharing the port and serves nothing itself (decision 113).
if (cluster.isPrimary) {
  const workers = workerCount();
  if (workers > 1) {
    runPrimary(workers);
    await new Promise(() => {});
  }
}

const buildArg = process.argv[2];
if (!buildArg) {
  console.error("Usage: node scripts/serve.mjs <server-build-path>   e.g. build/server/index.js");
  process.exit(2);
}
const buildPath = path.resolve(buildArg);
if (!fs.existsSync(buildPath)) {
  console.error(`[regula] no server build at ${buildPath}: run npm run build`);
  process.exit(2);
}

const build = await import(url.pathToFileURL(buildPath).href);
installGlobals({ nativeFetch: build.future.v3_singleFetch });

// One rule for which origin a form may come from, shared with the app (app/utils/origin.server.ts):
// PUBLIC_URL when set; else the Host header, or X-Forwarded-Host only when TRUST_PROXY=1.
const { addressedHost, isOwnOrigin, FORWARDED_HEADERS } = build.entry.module;
const TRUST_PROXY = process.env.TRUST_PROXY === "1";

/** The host this request was addressed to, as the app compares it. */
function requestHost(req) {
  return addressedHost((name) => req.get(name));
}

/**
 * True when an unsafe request to a page names an Origin other than this site.
 * The JSON API (/api/) checks origins in its own routes and records the
 * refusal under the operation that was refused.
 */
function crossSite(req) {
  if (!UNSAFE.has(req.method) || req.path.startsWith("/api/")) return false;
  const origin = req.get("origin");
  if (!origin) return false;
  return !isOwnOrigin(origin, (name) => req.get(name));
}

/**
 * Forwarded headers are anyone's say unless a trusted proxy sets them: without
 * TRUST_PROXY=1 they are removed before the framework or the app sees them.
 * A post this server has found same-origin is then marked for the framework's
 * own comparison (Origin against X-Forwarded-Host or Host), which knows
 * nothing of PUBLIC_URL.
 */
function normaliseHeaders(req) {
  if (!TRUST_PROXY) for (const name of FORWARDED_HEADERS) delete req.headers[name];
  const origin = req.get("origin");
  if (UNSAFE.has(req.method) && origin && origin !== "null" && isOwnOrigin(origin, (name) => req.get(name))) {
    req.headers["x-forwarded-host"] = new URL(origin).host;
  }
}

function asFetchRequest(req) {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === "string") headers.set(name, value);
    else if (Array.isArray(value)) headers.set(name, value.join(", "));
  }
  return new Request(`${req.protocol}://${requestHost(req) || "localhost"}${req.originalUrl}`, { method: req.method, headers });
}

const REFUSAL_EN = "This form was sent from another site, so Regula refused it. Open the page in Regula and send the form again.";
const REFUSAL_ZH = "此表单来自其他网站，Regula 已拒绝。请在 Regula 中重新打开页面后再提交。";

async function refuseCrossSite(req, res) {
  await build.entry.module.recordCrossSitePost?.(asFetchRequest(req));
  res.status(403);
  res.set({ "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store", "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'" });
  const wantsJson = (req.get("accept") ?? "").includes("application/json");
  if (wantsJson) {
    res.json({ error: { code: "forbidden", message: "Cross-site request refused" } });
    return;
  }
  res.type("html").send(`<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>403 · Regula</title>
<style>body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;line-height:1.6;color:#1f2933}</style></head>
<body><h1>403</h1><p>${REFUSAL_ZH}</p><p lang="en">${REFUSAL_EN}</p><p><a href="/">Regula</a></p></body></html>`);
}

const app = express();
app.disable("x-powered-by");
// gzip at zlib's fastest level: a fraction of the default level's CPU for an HTML page, still
// several times smaller. COMPRESSION=0 leaves compression to a reverse proxy in front.
const compress = COMPRESSION === "1" ? compression({ level: 1 }) : null;
if (compress) app.use(compress);
// Static files: fingerprinted assets under /assets/ are cached for a year; the few
// top-level files (favicon, service worker) are looked up by name, so that a page
// request never costs a file-system lookup.
const clientDir = [path.resolve(path.dirname(buildPath), "..", "client"), path.resolve(build.assetsBuildDirectory)].find((d) => fs.existsSync(d));
if (clientDir) {
  const assetsDir = path.join(clientDir, "assets");
  if (fs.existsSync(assetsDir)) {
    app.use("/assets", express.static(assetsDir, { immutable: true, maxAge: "1y" }), (req, res) => {
      res.status(404).set({ "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store" }).type("text").send("Not found");
    });
  }
  const topFiles = new Set(fs.readdirSync(clientDir, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => `/${e.name}`));
  const topStatic = express.static(clientDir, {
    index: false,
    // The service worker must be checked for updates on every visit.
    setHeaders: (res, file) => res.setHeader("Cache-Control", file.endsWith("sw.js") ? "no-cache" : "public, max-age=3600"),
  });
  app.use((req, res, next) => (topFiles.has(req.path) ? topStatic(req, res, next) : next()));
}
const log = REQUEST_LOG === "1" ? requestLog() : null;
if (log) app.use(log.middleware);
app.use((req, res, next) => {
  if (crossSite(req)) return void refuseCrossSite(req, res).catch(next);
  normaliseHeaders(req);
  next();
});
// Per request: whether it asks for a whole page or a client navigation's data (`.data`),
// where a page's article HTML is handed to the render (decision 076), and the TCP
// peer, for per-address limits when no trusted proxy names the client.
const newLoadContext = (req) => ({
  pageRequest: !req.path.endsWith(".data"),
  articles: new Map(),
  clientAddress: req.socket.remoteAddress ?? "",
  earlyKey: req.regulaEarlyKey,
});
// A page the page cache missed is rendered by the framework as a template, with the results of the
// loaders the cache has run and the article HTML they handed over (decision 105).
const getLoadContext = (req) => req.regulaPageContext ?? newLoadContext(req);
const remixHandler = createRequestHandler({ build, mode: process.env.NODE_ENV, getLoadContext });
// Each answer runs with its request's language known to the app (messages made far from a route).
const withLanguage = build.entry.module.withRequestLanguage ?? ((headers, fn) => fn());
// The daily reader pages come from the page cache when their data has been rendered before
// (decision 105); the app runs their loaders and fills in the reader's own values.
const cachedPage = build.entry.module.cachedPage;
// Tests compare a cached page with a fresh render of the same request.
const bypassHeader = process.env.REGULA_TEST_HOOKS === "1" ? "x-regula-page-cache" : null;
async function fromPageCache(req, res) {
  if (!cachedPage || req.method !== "GET" || req.path.endsWith(".data")) return false;
  if (bypassHeader && req.get(bypassHeader) === "off") return false;
  const context = newLoadContext(req);
  const answer = await cachedPage(build, asFetchRequest(req), context);
  if (!answer) {
    if (context.pageCache?.template) req.regulaPageContext = context;
    return false;
  }
  const headers = {};
  answer.headers.forEach((value, name) => (headers[name] = value));
  if (bypassHeader) headers[bypassHeader] = "hit";
  res.writeHead(answer.status, headers);
  res.end(answer.body);
  return true;
}
app.all("*", (req, res, next) =>
  withLanguage(req.headers, async () => {
    try {
      if (await fromPageCache(req, res)) return;
    } catch (error) {
      return next(error);
    }
    return remixHandler(req, res, next);
  }),
);

// Before any routing: a page the same reader was served a moment ago, when nothing has changed
// since, is answered from the page cache without a Request object and without the page's loaders
// (decision 127). Compression and the request log treat it as they treat every other answer.
const { earlyKey, earlyPage, noteChangeDone } = build.entry.module;
const noop = () => {};
function earlyAnswer(req, res) {
  if (req.method !== "GET" && req.method !== "HEAD") {
    // Whatever a form post or API call changed, pages kept for their readers are checked again.
    if (noteChangeDone) res.once("close", noteChangeDone);
    return false;
  }
  if (!earlyPage || (bypassHeader && req.headers[bypassHeader] === "off")) return false;
  const key = earlyKey(req.url, req.headers);
  if (!key) return false;
  const answer = earlyPage(key);
  if (!answer) {
    req.regulaEarlyKey = key;
    return false;
  }
  log?.middleware(req, res, noop);
  const headers = {};
  for (const [name, value] of answer.headers) headers[name] = value;
  if (bypassHeader) {
    headers[bypassHeader] = "hit";
    headers["x-regula-page-early"] = "1";
  }
  const send = () => {
    res.writeHead(answer.status, headers);
    res.end(req.method === "HEAD" ? undefined : answer.body);
  };
  if (compress) compress(req, res, send);
  else send();
  return true;
}

const port = PORT;
const host = process.env.HOST;
const onListen = () => {
  const lan = Object.values(os.networkInterfaces())
    .flat()
    .find((ip) => ip && String(ip.family).includes("4") && !ip.internal)?.address;
  console.log(`[regula] listening on http://${host || "localhost"}:${port}${!host && lan ? ` (http://${lan}:${port})` : ""}`);
};
const server = http.createServer((req, res) => {
  if (!earlyAnswer(req, res)) app(req, res);
});
if (host) server.listen(port, host, onListen);
else server.listen(port, onListen);

// Connections and how many requests each is answering (scripts/connections.mjs).
const connections = trackConnections(server);
let stopping = false;

async function stop() {
  // Remix keeps a timer per page answer for up to five seconds; nothing that
  // matters is left once the app has shut down, so the process exits then.
  try {
    await build.entry.module.shutdown?.();
  } catch (error) {
    console.error(error);
  }
  log?.flush();
  process.exit(0);
}

// With test hooks on (tests only): a portal whose test process is gone without stopping it stops
// too, as if told to, instead of running on after the tests.
if (process.env.REGULA_TEST_HOOKS === "1") {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.kill(process.pid, "SIGTERM");
  }, 1000).unref();
}

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log(`[regula] ${signal}: finishing requests in progress, then stopping`);
    void build.entry.module.stopRequested?.();
    server.close((error) => {
      if (error) console.error(error);
      void stop();
    });
    connections.stop();
    setTimeout(() => connections.destroyAll(), GRACE_MS).unref();
  });
}
