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
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import url from "node:url";
import { createRequestHandler } from "@remix-run/express";
import { installGlobals } from "@remix-run/node";
import compression from "compression";
import express from "express";
import morgan from "morgan";

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
const PORT = Number(setting("PORT", "3000", (v) => /^\d{1,5}$/.test(v) && Number(v) < 65536, "a port number (0–65535)"));

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

/** The host this request was addressed to, as the framework and the app compare it. */
function requestHost(req) {
  const forwarded = req.get("x-forwarded-host")?.split(",")[0]?.trim();
  return forwarded || req.get("host") || "";
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
  if (origin === "null") return true;
  try {
    return new URL(origin).host !== requestHost(req);
  } catch {
    return true;
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
app.use(compression());
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
if (REQUEST_LOG === "1") app.use(morgan("tiny"));
app.use((req, res, next) => {
  if (!crossSite(req)) return next();
  refuseCrossSite(req, res).catch(next);
});
const remixHandler = createRequestHandler({ build, mode: process.env.NODE_ENV });
// Each answer runs with its request's language known to the app (messages made far from a route).
const withLanguage = build.entry.module.withRequestLanguage;
app.all("*", withLanguage ? (req, res, next) => withLanguage(req.headers, () => remixHandler(req, res, next)) : remixHandler);

const port = PORT;
const host = process.env.HOST;
const onListen = () => {
  const lan = Object.values(os.networkInterfaces())
    .flat()
    .find((ip) => ip && String(ip.family).includes("4") && !ip.internal)?.address;
  console.log(`[regula] listening on http://${host || "localhost"}:${port}${!host && lan ? ` (http://${lan}:${port})` : ""}`);
};
const server = host ? app.listen(port, host, onListen) : app.listen(port, onListen);

// Connections and how many requests each is answering, so that a stop can
// close idle keep-alive connections at once and the others after their answer.
const sockets = new Map();
let stopping = false;
server.on("connection", (socket) => {
  sockets.set(socket, 0);
  socket.once("close", () => sockets.delete(socket));
});
const inFlight = new Set();
server.on("request", (req, res) => {
  const socket = req.socket;
  sockets.set(socket, (sockets.get(socket) ?? 0) + 1);
  inFlight.add(res);
  if (stopping) res.setHeader("Connection", "close");
  res.once("close", () => {
    inFlight.delete(res);
    const left = (sockets.get(socket) ?? 1) - 1;
    sockets.set(socket, left);
    if (stopping && left === 0) socket.end();
  });
});

async function stop() {
  // Remix keeps a timer per page answer for up to five seconds; nothing that
  // matters is left once the app has shut down, so the process exits then.
  try {
    await build.entry.module.shutdown?.();
  } catch (error) {
    console.error(error);
  }
  process.exit(0);
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
    for (const [socket, busy] of sockets) if (busy === 0) socket.end();
    // Answers still being prepared tell the client that this connection ends with them.
    for (const res of inFlight) if (!res.headersSent) res.setHeader("Connection", "close");
    setTimeout(() => {
      for (const socket of sockets.keys()) socket.destroy();
    }, GRACE_MS).unref();
  });
}
