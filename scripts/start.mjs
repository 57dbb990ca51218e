#!/usr/bin/env node
// npm start: builds the app when the sources are newer than the build, then serves it.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serverNodeArgs } from "./node-flags.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const buildDir = path.join(root, process.env.REGULA_BUILD_DIR || "build");
const serverEntry = path.join(buildDir, "server", "index.js");

function newestMtime(p) {
  let newest = 0;
  const stat = fs.statSync(p);
  if (!stat.isDirectory()) return stat.mtimeMs;
  for (const entry of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, entry)));
  return newest;
}

const sources = ["app", "public", "vite.config.ts", "package.json", "tsconfig.json"].map((p) => path.join(root, p)).filter(fs.existsSync);
const sourceTime = Math.max(...sources.map(newestMtime));
const buildTime = fs.existsSync(serverEntry) ? fs.statSync(serverEntry).mtimeMs : 0;

if (buildTime < sourceTime) {
  console.log("[regula] building the app (sources changed since the last build)…");
  const result = spawnSync(process.execPath, [path.join(root, "node_modules/@remix-run/dev/dist/cli.js"), "vite:build"], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, NODE_ENV: "production" },
  });
  if (result.status !== 0) {
    console.error("[regula] build failed");
    process.exit(result.status ?? 1);
  }
}

let nodeArgs;
try {
  nodeArgs = serverNodeArgs();
} catch (error) {
  console.error(`[regula] ${error.message}`);
  process.exit(1);
}

const child = spawn(process.execPath, [...nodeArgs, path.join(root, "scripts/serve.mjs"), serverEntry], {
  cwd: root,
  stdio: "inherit",
  env: { NODE_ENV: "production", ...process.env },
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
