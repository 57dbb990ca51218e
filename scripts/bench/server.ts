/** Starts the built portal (or a static file server) as its own process for measuring. */
import { spawn, type ChildProcess } from "node:child_process";
import { serverNodeArgs } from "../node-flags.mjs";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";

export interface BenchServer {
  url: string;
  pid: number;
  child: ChildProcess;
  output: () => string;
  /** Milliseconds from spawn until `readyPath` first answered 200 (or 302). */
  readyMs: number;
  /** Milliseconds from spawn until /healthz no longer reports the search index as loading. */
  searchReadyMs: number;
  stop: () => Promise<void>;
}

/** Waits until /healthz says the search index has finished loading (it loads after the server starts answering). */
export async function waitSearchReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`${url}/healthz`);
      const body = (await res.json()) as { search?: string };
      if (body.search !== "loading" && body.search !== "catching-up") return;
    } catch {
      /* answering again in a moment */
    }
    if (Date.now() > deadline) throw new Error(`The search index was still loading after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function waitReady(url: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  let exited = false;
  child.once("exit", () => (exited = true));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error(`The server exited while starting:\n${output().slice(-3000)}`);
    try {
      const res = await fetch(url, { redirect: "manual" });
      await res.arrayBuffer();
      if (res.status === 200 || res.status === 302) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`The server did not answer within ${timeoutMs} ms:\n${output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 5000).unref();
    });
}

/** Starts scripts/serve.mjs on the build with DATA_DIR; ready when /login answers. */
export async function startPortal(options: { root: string; buildDir: string; dataDir: string; env?: Record<string, string>; timeoutMs?: number; waitForSearch?: boolean }): Promise<BenchServer> {
  const port = await freePort();
  let out = "";
  const started = Date.now();
  // Started as `npm start` starts it (scripts/start.mjs), heap limit included.
  // BENCH_CPU_PROF=<dir> writes a CPU profile of each server process there when it stops.
  const profile = process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(process.env.BENCH_CPU_PROF)}`] : [];
  // BENCH_HEAP_SNAPSHOT=<dir>: the server writes a heap snapshot there when asked (heapSnapshotOf).
  if (process.env.BENCH_HEAP_SNAPSHOT) profile.push("--heapsnapshot-signal=SIGUSR2", `--diagnostic-dir=${path.resolve(process.env.BENCH_HEAP_SNAPSHOT)}`);
  const child = spawn(process.execPath, [...serverNodeArgs({ ...process.env, ...options.env }), ...profile, path.join(options.root, "scripts/serve.mjs"), path.join(options.buildDir, "server", "index.js")], {
    cwd: options.root,
    env: {
      ...process.env,
      NODE_ENV: "production",
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: options.dataDir,
      CONTENT_DIR: path.join(options.root, "content"),
      DEMO: "1",
      // Measured separately: no backup runs in the middle of a measurement.
      BACKUP_INTERVAL_HOURS: "0",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  // The server logs every request; keep only the start of the log.
  child.stdout!.on("data", (d) => {
    if (out.length < 200_000) out += d.toString();
  });
  child.stderr!.on("data", (d) => {
    if (out.length < 200_000) out += d.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/login`, child, () => out, options.timeoutMs ?? 30 * 60_000);
  const readyMs = Date.now() - started;
  if (options.waitForSearch !== false) await waitSearchReady(url, options.timeoutMs ?? 30 * 60_000);
  return { url, pid: child.pid!, child, output: () => out, readyMs, searchReadyMs: Date.now() - started, stop: stopper(child) };
}

/** A minimal keep-alive static server for one HTML file: the ceiling for the document page. */
export async function startStatic(file: string): Promise<BenchServer> {
  const port = await freePort();
  const code = `
    const http = require("node:http");
    const fs = require("node:fs");
    const body = fs.readFileSync(${JSON.stringify(file)});
    http.createServer((req, res) => {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Content-Length": body.length });
      res.end(body);
    }).listen(${port}, "127.0.0.1", () => console.log("ready"));
  `;
  let out = "";
  const started = Date.now();
  const child = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (d) => (out += d.toString()));
  child.stderr!.on("data", (d) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/`, child, () => out, 10_000);
  const readyMs = Date.now() - started;
  return { url, pid: child.pid!, child, output: () => out, readyMs, searchReadyMs: readyMs, stop: stopper(child) };
}

/** Resident memory of a process in MB: current and peak (Linux /proc). */
/**
 * Resident memory once the portal has been idle long enough to give back what a busy spell grew
 * (decision 130: it checks every 10 s): waits `idleMs` without sending anything, then reads.
 */
export async function idleMemoryOf(pid: number, idleMs = 25_000): Promise<{ rssMB: number; peakMB: number }> {
  await new Promise((r) => setTimeout(r, idleMs));
  return memoryOf(pid);
}

export function memoryOf(pid: number): { rssMB: number; peakMB: number } {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
    return { rssMB: kb("VmRSS") / 1024, peakMB: kb("VmHWM") / 1024 };
  } catch {
    return { rssMB: 0, peakMB: 0 };
  }
}

/** Asks a portal started with BENCH_HEAP_SNAPSHOT for a heap snapshot and returns its file once written. */
export async function heapSnapshotOf(server: BenchServer, dir: string): Promise<string> {
  const folder = path.resolve(dir);
  fs.mkdirSync(folder, { recursive: true });
  const before = new Set(fs.readdirSync(folder));
  process.kill(server.pid, "SIGUSR2");
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    const made = fs.readdirSync(folder).find((f) => !before.has(f) && f.endsWith(".heapsnapshot"));
    if (!made) continue;
    // Written when its size stops changing.
    const size = fs.statSync(path.join(folder, made)).size;
    await new Promise((r) => setTimeout(r, 2000));
    if (fs.statSync(path.join(folder, made)).size === size) return path.join(folder, made);
  }
}
